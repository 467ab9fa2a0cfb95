#!/usr/bin/env bash
# Side-by-side comparison of xtask builds on `qa`'s fixed overhead (docs/benchmarks.md, `qa`):
# the 3 trivial gates of benches/qa.sh, `qa --no-cache` and cached `qa` for each build given,
# and `make -k -j2` running the same commands, interleaved each round, medians of ROUNDS.
# For measuring one change against the build before it: build each into its own file first.
#
# Usage: benches/qa-ab.sh XTASK_BINARY... [ROUNDS=150 in the environment]
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: benches/qa-ab.sh XTASK_BINARY..." >&2; exit 2; }
command -v make >/dev/null || { echo "benches/qa-ab.sh needs make (apt-get install make)" >&2; exit 2; }
ROUNDS=${ROUNDS:-150}
BINS=("$@")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
T=$WORK/trivial
mkdir -p "$T"
git -C "$T" init --quiet
printf '[qa]\njobs = 2\n[gates.a]\nrun = ["echo", "a"]\n[gates.b]\nrun = ["echo", "b"]\n[gates.c]\nrun = ["echo", "c"]\n' >"$T/xtask.toml"
printf '.PHONY: all a b c\nall: a b c\na:\n\techo a\nb:\n\techo b\nc:\n\techo c\n' >"$T/Makefile"
git -C "$T" add -A
git -C "$T" -c user.name=b -c user.email=b@b commit --quiet -m init
for bin in "${BINS[@]}"; do "$bin" qa --root "$T" >/dev/null 2>&1; done # fill each cache once

measure() { # file command...: appends one duration in microseconds
  local file=$1; shift
  local t0=${EPOCHREALTIME/./}
  "$@" >/dev/null 2>&1 || true
  echo $((${EPOCHREALTIME/./} - t0)) >>"$file"
}
for _ in $(seq "$ROUNDS"); do
  for i in "${!BINS[@]}"; do
    measure "$WORK/uncached.$i" "${BINS[$i]}" qa --root "$T" --no-cache
    measure "$WORK/cached.$i" "${BINS[$i]}" qa --root "$T"
  done
  measure "$WORK/make" make -k -j2 -C "$T"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]/1000}'; }
echo "qa A/B, $ROUNDS rounds, medians ($(nproc) cores)"
for i in "${!BINS[@]}"; do
  printf '  %-40s uncached %s ms, cached %s ms\n' "${BINS[$i]}" \
    "$(median "$WORK/uncached.$i")" "$(median "$WORK/cached.$i")"
done
printf '  %-40s %s ms\n' "make -k -j2" "$(median "$WORK/make")"
