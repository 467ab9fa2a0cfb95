#!/usr/bin/env bash
# Benchmark of `qa --shard K/N` cut by time (docs/benchmarks.md, section `qa`): 20 `sleep` gates
# of skewed durations (two of them `needs` chains) over 4 shards. One run of every gate
# (`--jobs 4`) writes the timings report; then each shard runs with `--jobs 1` (so a shard's
# wall time is the sum of its gates), cut by `--timings` and, for comparison, by gate count (each
# shard in a fresh clone with no result cache, as on a CI runner without one). Prints each
# shard's wall time and the slowest against the ideal, max(total work / 4, longest connected
# group), both from the timings run's measured durations. Goal (issue 16): within 1.15x.
#
# Usage: [XTASK=PATH] [SCALE=0.5] benches/qa-shards.sh
#   XTASK: the binary to measure (default: a release build of this tree);
#   SCALE: seconds per unit of the durations below (default 0.5: about 17 s of work).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
SCALE=${SCALE:-0.5}
if [[ -z ${XTASK:-} ]]; then
  cargo build --quiet --release --package xtask
  XTASK=$TARGET/release/xtask
fi
WORK=$TARGET/bench-tools/qa-shards
rm -rf "$WORK"
mkdir -p "$WORK"
REPO=$WORK/repo

# name duration(units) needs
GATES="g01 8.0 -
g02 5.0 -
g03 4.0 -
g04 1.0 g03
g05 3.0 -
g06 2.5 -
g07 2.0 -
g08 1.5 g07
g09 0.5 g08
g10 1.5 -
g11 1.2 -
g12 1.0 -
g13 0.8 -
g14 0.6 -
g15 0.5 -
g16 0.4 -
g17 0.3 -
g18 0.3 -
g19 0.2 -
g20 0.2 -"

git init --quiet "$REPO"
{
  echo "[qa]"
  echo "jobs = 1"
  while read -r name units needs; do
    secs=$(echo "$units * $SCALE" | bc -l)
    echo
    echo "[gates.$name]"
    printf "run = ['sleep', '%.3f']\n" "$secs"
    if [[ $needs != - ]]; then echo "needs = ['$needs']"; fi
  done <<<"$GATES"
} >"$REPO/xtask.toml"
printf 'target/\n' >"$REPO/.gitignore"
git -C "$REPO" add -A
git -C "$REPO" -c user.name=bench -c user.email=bench@example.com commit --quiet -m gates

"$XTASK" qa --root "$REPO" --jobs 4 --no-cache --json "$WORK/timings.json" >/dev/null 2>&1

# Ideal: max(total / 4, the heaviest connected group), from the measured durations.
IDEAL=$(jq -r '
  [.gates[] | {key: .name, value: .duration_s}] | from_entries as $d
  | ($d | add) as $total
  | [($d.g03 + $d.g04), ($d.g07 + $d.g08 + $d.g09), ([$d[]] | max)] | max as $group
  | [($total / 4), $group] | max' "$WORK/timings.json")
TOTAL=$(jq -r '[.gates[].duration_s] | add' "$WORK/timings.json")

# Runs the 4 shards; $1: "time" (--timings) or "count" (fresh clones, no durations known).
run_shards() {
  local how=$1 k dir
  for k in 1 2 3 4; do
    if [[ $how == time ]]; then
      "$XTASK" qa --root "$REPO" --no-cache --shard "$k/4" --timings "$WORK/timings.json" \
        --json "$WORK/$how-$k.json" >/dev/null 2>&1
    else
      dir=$WORK/clone-$k
      git clone --quiet "$REPO" "$dir"
      "$XTASK" qa --root "$dir" --no-cache --shard "$k/4" --json "$WORK/$how-$k.json" >/dev/null 2>&1
    fi
  done
}
run_shards time
run_shards count

echo "qa --shard K/4: 20 sleep gates, SCALE=$SCALE s, total work $(printf '%.2f' "$TOTAL") s, ideal $(printf '%.2f' "$IDEAL") s"
for how in time count; do
  WALLS=""
  for k in 1 2 3 4; do
    WALLS="$WALLS $(jq -r '.duration_s' "$WORK/$how-$k.json")"
  done
  SLOWEST=$(tr ' ' '\n' <<<"$WALLS" | grep . | sort -g | tail -1)
  printf '  by %-5s shards:' "$how"
  for w in $WALLS; do printf ' %6.2f s' "$w"; done
  printf '   slowest / ideal = %.3f\n' "$(echo "$SLOWEST / $IDEAL" | bc -l)"
done
"$XTASK" qa report merge "$WORK"/time-{1,2,3,4}.json >/dev/null 2>&1 \
  && echo "  the 4 time-cut shards merge into one whole run" \
  || { echo "  the time-cut shards do not merge" >&2; exit 1; }
