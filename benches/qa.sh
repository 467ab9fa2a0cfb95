#!/usr/bin/env bash
# Benchmark of `cargo xtask qa` (docs/benchmarks.md, section `qa`), measured side by side in
# one run, medians of RUNS runs (interleaved in a rotating order, so machine noise hits every
# tool alike):
#
# 1. Fixed overhead on 3 trivial gates: `xtask qa`, uncached (`--no-cache`: every gate runs,
#    its key is computed and its pass stored) and cached (every gate answered from the result
#    cache), against `make -k -j2`, `prek run --all-files` and `pre-commit run --all-files`
#    running the same 3 commands.
# 2. Scheduling: 20 `sleep` gates in 4 dependency chains on `--jobs 2`; the ratio of qa's wall
#    time to the ideal schedule, max(critical path, total work / jobs).
#
# It installs what it needs itself: pre-commit and prek (pinned) into venvs under target/bench-tools,
# and a release build of xtask. make comes from the system.
#
# Usage: benches/qa.sh [RUNS]   (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${1:-7}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
TOOLS=$TARGET/bench-tools
PRE_COMMIT_VERSION=4.3.0
PREK_VERSION=0.5.10

command -v make >/dev/null || { echo "benches/qa.sh needs make (apt-get install make)" >&2; exit 2; }
if [[ ! -x $TOOLS/pre-commit/bin/pre-commit ]]; then
  python3 -m venv "$TOOLS/pre-commit"
  "$TOOLS/pre-commit/bin/pip" install --quiet --disable-pip-version-check "pre-commit==$PRE_COMMIT_VERSION"
fi
PRE_COMMIT=$TOOLS/pre-commit/bin/pre-commit
if [[ ! -x $TOOLS/prek/bin/prek ]]; then
  python3 -m venv "$TOOLS/prek"
  "$TOOLS/prek/bin/pip" install --quiet --disable-pip-version-check "prek==$PREK_VERSION"
fi
PREK=$TOOLS/prek/bin/prek
cargo build --quiet --release --package xtask
XTASK=$TARGET/release/xtask

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# --- 1. Three trivial gates -------------------------------------------------------------------
T=$WORK/trivial
mkdir -p "$T"
git -C "$T" init --quiet
cat >"$T/xtask.toml" <<'EOF'
[qa]
jobs = 2
[gates.a]
run = ["echo", "a"]
[gates.b]
run = ["echo", "b"]
[gates.c]
run = ["echo", "c"]
EOF
printf '.PHONY: all a b c\nall: a b c\na:\n\techo a\nb:\n\techo b\nc:\n\techo c\n' >"$T/Makefile"
cat >"$T/.pre-commit-config.yaml" <<'EOF'
repos:
  - repo: local
    hooks:
      - {id: a, name: a, entry: echo a, language: system, always_run: true, pass_filenames: false}
      - {id: b, name: b, entry: echo b, language: system, always_run: true, pass_filenames: false}
      - {id: c, name: c, entry: echo c, language: system, always_run: true, pass_filenames: false}
EOF
git -C "$T" add -A
git -C "$T" -c user.name=b -c user.email=b@b commit --quiet -m init
export PRE_COMMIT_HOME=$TOOLS/pre-commit-home
(cd "$T" && "$PRE_COMMIT" run --all-files >/dev/null) # warm its cache once
(cd "$T" && "$PREK" run --all-files >/dev/null)       # and prek's
"$XTASK" qa --root "$T" >/dev/null 2>&1               # fill qa's result cache

# bash's own clock (microseconds), read without a subshell: a `date` process per reading would
# add about a millisecond to every figure, which flatters the faster side of every ratio.
measure() { # name command...: appends one duration in ms to $WORK/NAME
  local name=$1; shift
  local t0 t1
  t0=${EPOCHREALTIME/./}
  "$@" >/dev/null 2>&1 || true
  t1=${EPOCHREALTIME/./}
  echo "scale=3; ($t1 - $t0) / 1000" | bc >>"$WORK/t_$name"
}
median() { sort -n "$WORK/t_$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# The order rotates each round, so that no tool always runs first or right after pre-commit
# (whose 200 ms of Python leaves the next process measurably slower, by about 0.4-1 ms).
TOOLS_MEASURED=(qa qacached make prek precommit)
measure_tool() {
  case $1 in
    qa) measure qa "$XTASK" qa --root "$T" --no-cache ;;
    qacached) measure qacached "$XTASK" qa --root "$T" ;;
    make) measure make make -k -j2 -C "$T" ;;
    prek) measure prek env -C "$T" "$PREK" run --all-files ;;
    precommit) measure precommit env -C "$T" "$PRE_COMMIT" run --all-files ;;
  esac
}
for round in $(seq "$RUNS"); do
  for k in 0 1 2 3 4; do
    measure_tool "${TOOLS_MEASURED[(round + k) % 5]}"
  done
done
QA=$(median qa); QAC=$(median qacached); MAKE=$(median make); PREKT=$(median prek); PC=$(median precommit)

# --- 2. Twenty sleep gates on --jobs 2 --------------------------------------------------------
S=$WORK/sleeps
mkdir -p "$S"
git -C "$S" init --quiet
# Chain j (0..3) holds gates j, j+4, ..., j+16, each sleeping 0.2 + 0.1*j s; gate i needs i-4.
python3 - "$S/xtask.toml" "$WORK/ideal" <<'EOF'
import sys
lines, dur, needs = ["[qa]", "jobs = 2"], {}, {}
for i in range(20):
    d = round(0.2 + 0.1 * (i % 4), 1)
    dur[i] = d
    lines += [f"[gates.g{i:02}]", f'run = ["sleep", "{d}"]']
    if i >= 4:
        needs[i] = i - 4
        lines.append(f'needs = ["g{i-4:02}"]')
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
finish = {}
for i in range(20):
    finish[i] = dur[i] + (finish[needs[i]] if i in needs else 0)
ideal = max(max(finish.values()), sum(dur.values()) / 2)
# What a zero-overhead scheduler with qa's policy (ready gates in declaration order) achieves.
import heapq
t, running, done, started = 0.0, [], set(), set()
while len(done) < 20:
    for i in range(20):
        if len(running) >= 2:
            break
        if i in started or (i in needs and needs[i] not in done):
            continue
        started.add(i)
        heapq.heappush(running, (t + dur[i], i))
    t, i = heapq.heappop(running)
    done.add(i)
open(sys.argv[2], "w").write(f"{ideal} {t}\n")
EOF
read -r IDEAL GREEDY <"$WORK/ideal"
for _ in $(seq "$RUNS"); do
  measure sleeps "$XTASK" qa --root "$S" --jobs 2 --no-cache
done
SLEEPS=$(median sleeps)

echo "qa benchmark, $RUNS runs each, medians ($(nproc) cores, $(uname -sr))"
echo
echo "3 trivial gates (fixed overhead)"
printf '  %-28s %8.1f ms\n' "xtask qa --no-cache" "$QA" "xtask qa (cached)" "$QAC" \
  "make -k -j2" "$MAKE" "prek run --all-files" "$PREKT" "pre-commit run --all-files" "$PC"
for pair in "uncached $QA" "cached $QAC"; do
  set -- $pair
  printf '  qa %-8s / make = %.2f, / prek = %.2f, / pre-commit = %.2f\n' "$1" \
    "$(echo "$2 / $MAKE" | bc -l)" "$(echo "$2 / $PREKT" | bc -l)" "$(echo "$2 / $PC" | bc -l)"
done
echo
echo "20 sleep gates, 4 chains, --jobs 2"
printf '  ideal schedule %.0f ms, qa %.0f ms, ratio %.3f\n' \
  "$(echo "$IDEAL * 1000" | bc -l)" "$SLEEPS" "$(echo "$SLEEPS / ($IDEAL * 1000)" | bc -l)"
printf '  declaration-order list schedule without overhead %.0f ms, qa / that = %.3f\n' \
  "$(echo "$GREEDY * 1000" | bc -l)" "$(echo "$SLEEPS / ($GREEDY * 1000)" | bc -l)"
