#!/usr/bin/env bash
# Benchmark of `qa`'s result cache (docs/benchmarks.md, section `qa`): this repository's own
# `cargo xtask qa`, fully cached against uncached (`--no-cache`), in one session, medians of
# RUNS runs each, interleaved. It runs on a snapshot of the committed HEAD (git archive) so
# work in progress in the tree cannot make a gate fail; the snapshot, with its own target/
# (kept between runs of this script), lives under target/bench-tools/; its files get fresh
# mtimes, since git archive's (the commit's time) can be older than the kept build artifacts. One warm-up run (not
# measured) builds everything first, so "uncached" means every gate runs, over a warm cargo
# target directory. CARGO_TARGET_DIR is unset for the gates: the snapshot's tests expect logs
# of the repositories they create under those repositories' own target/.
#
# With XTASK_BEFORE=PATH (another build of xtask, e.g. of the previous commit), it also times
# fully cached runs of that binary and of this one side by side, CACHED_RUNS (default 21) each,
# interleaved, after one unmeasured cached run of each (their keys differ, so each stores its
# own entries first).
#
# Usage: [XTASK_BEFORE=PATH] benches/qa-cache.sh [RUNS [GATE...]]   (default: 3 runs, every gate)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${1:-3}
shift || true
GATES=("$@")
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
SNAP=$TARGET/bench-tools/qa-self
if [[ -d $SNAP/target ]]; then mv "$SNAP/target" "$TARGET/bench-tools/qa-self-target"; fi
rm -rf "$SNAP"
mkdir -p "$SNAP"
git archive HEAD | tar -x -m -C "$SNAP"  # -m: fresh mtimes, so cargo rebuilds what changed
if [[ -d $TARGET/bench-tools/qa-self-target ]]; then mv "$TARGET/bench-tools/qa-self-target" "$SNAP/target"; fi
git -C "$SNAP" init --quiet
git -C "$SNAP" add -A
git -C "$SNAP" -c user.name=bench -c user.email=bench@example.com commit --quiet -m snapshot
cargo build --quiet --release --package xtask
XTASK=$TARGET/release/xtask
unset CARGO_TARGET_DIR

now() { date +%s%N; }
ms() { echo "scale=1; ($2 - $1) / 1000000" | bc; }
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

"$XTASK" qa "${GATES[@]}" --root "$SNAP" --no-cache >/dev/null 2>"$TARGET/bench-tools/qa-self-warmup.log" || {
  echo "the warm-up run failed; see $TARGET/bench-tools/qa-self-warmup.log" >&2
  exit 1
}
UNCACHED="" CACHED=""
for _ in $(seq "$RUNS"); do
  t0=$(now); "$XTASK" qa "${GATES[@]}" --root "$SNAP" --no-cache >/dev/null 2>&1; t1=$(now)
  UNCACHED="$UNCACHED $(ms "$t0" "$t1")"
  t0=$(now); "$XTASK" qa "${GATES[@]}" --root "$SNAP" >/dev/null 2>&1; t1=$(now)
  CACHED="$CACHED $(ms "$t0" "$t1")"
done
U=$(median "$UNCACHED"); C=$(median "$CACHED")
echo "qa ${GATES[*]:-(every gate)} on this repository (HEAD snapshot), $RUNS runs each, medians"
printf '  uncached (--no-cache)  %10.1f ms   (runs:%s)\n' "$U" "$UNCACHED"
printf '  fully cached           %10.1f ms   (runs:%s)\n' "$C" "$CACHED"
printf '  cached / uncached = %.4f\n' "$(echo "$C / $U" | bc -l)"
if [[ -n ${XTASK_BEFORE:-} ]]; then
  CACHED_RUNS=${CACHED_RUNS:-21}
  "$XTASK_BEFORE" qa "${GATES[@]}" --root "$SNAP" >/dev/null 2>&1 || true
  "$XTASK" qa "${GATES[@]}" --root "$SNAP" >/dev/null 2>&1 || true
  BEFORE="" AFTER=""
  for _ in $(seq "$CACHED_RUNS"); do
    t0=$(now); "$XTASK_BEFORE" qa "${GATES[@]}" --root "$SNAP" >/dev/null 2>&1; t1=$(now)
    BEFORE="$BEFORE $(ms "$t0" "$t1")"
    t0=$(now); "$XTASK" qa "${GATES[@]}" --root "$SNAP" >/dev/null 2>&1; t1=$(now)
    AFTER="$AFTER $(ms "$t0" "$t1")"
  done
  B=$(median "$BEFORE"); A=$(median "$AFTER")
  echo "fully cached, $XTASK_BEFORE against this build, $CACHED_RUNS runs each, medians"
  printf '  before (XTASK_BEFORE)  %10.1f ms   (runs:%s)\n' "$B" "$BEFORE"
  printf '  this build             %10.1f ms   (runs:%s)\n' "$A" "$AFTER"
  printf '  this / before = %.3f\n' "$(echo "$A / $B" | bc -l)"
fi
