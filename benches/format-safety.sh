#!/usr/bin/env bash
# What the safety checks of `cargo xtask format` cost (issue 13), medians of RUNS (7):
#   1. applying ~140 files in batches with ruff, with the output check's second pass
#      (`verify = true`, the default) and without (`verify = false`);
#   2. the same with ruff driven as a generic `command` formatter (scratch copies in the
#      mirror under target/xtask/format-scratch for both passes);
#   3. `format check` of a generic formatter with a `check` command, which now runs on
#      scratch copies, against that check command alone over the same files.
# Installs what it needs: a release build of xtask, and the pinned ruff into a venv under
# target/. Usage: benches/format-safety.sh [PY_FILES]
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$here/target}"
case "$target" in /*) ;; *) target="$here/$target" ;; esac
py_files="${1:-420}"
runs="${RUNS:-7}"

echo "building xtask (release)..." >&2
cargo build --quiet --release --manifest-path "$here/Cargo.toml" -p xtask
xtask="$target/release/xtask"

venv="$target/bench-tools/ruff"
pin="$(grep '^ruff==' "$here/tools/python/test.txt")"
if [ ! -x "$venv/bin/ruff" ] || [ "$(cat "$venv/pin" 2>/dev/null)" != "$pin" ]; then
  echo "installing $pin into $venv..." >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$pin"
  echo "$pin" > "$venv/pin"
fi
export PATH="$venv/bin:$PATH"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() {
  local s e rc=0
  s=$(now)
  "$@" >"$work/out" 2>&1 || rc=$?
  e=$(now)
  if ((rc > 1)); then echo "failed ($rc): $*" >&2; cat "$work/out" >&2; exit 1; fi
  echo $(((e - s) / 1000000))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b == 0 ? 0 : a / b) }'; }
git_() { git -C "$1" -c user.name=b -c user.email=b@b "${@:2}"; }

gen_python() { # DIR N: N files in nested packages, one in three unformatted
  local dir="$1" n="$2" i d
  mkdir -p "$dir"
  printf '[project]\nname = "bench"\nversion = "0"\n\n[tool.ruff]\nline-length = 88\n' > "$dir/pyproject.toml"
  printf 'target/\n' > "$dir/.gitignore"
  for ((i = 0; i < n; i++)); do
    d="$dir/src/pkg$((i % 12))/mod$((i % 37))/sub$((i % 5))"
    mkdir -p "$d"
    if ((i % 3 == 0)); then
      printf 'import os\ndef  f%d( a,b ):\n  return {"k":a,"v":b}\nclass C%d :\n  x=1\n' "$i" "$i" > "$d/m$i.py"
    else
      printf 'import os\n\n\ndef f%d(a, b):\n    return {"k": a, "v": b}\n' "$i" > "$d/m$i.py"
    fi
  done
  git_ "$dir" init --quiet -b main
  git_ "$dir" add -A
  git_ "$dir" commit --quiet -m init
}

# apply_pair NAME CONFIG_ON CONFIG_OFF: apply all batches with each xtask.toml, interleaved.
apply_pair() {
  local name="$1" on="$2" off="$3" dir="$work/$1" a=() b=() r
  gen_python "$dir" "$py_files"
  printf '%s' "$on" > "$dir/xtask.toml"
  (cd "$dir" && "$xtask" format plan --max-files 25 >/dev/null && git_ . add -A && git_ . commit --quiet -m plan)
  local files batches
  files=$(grep -c '^  "' "$dir/.xtask/format-plan.toml")
  batches=$(grep -c '^\[\[batch\]\]' "$dir/.xtask/format-plan.toml")
  reset() { git -C "$dir" reset --quiet --hard && git -C "$dir" status --porcelain >/dev/null; }
  for ((r = 0; r < runs; r++)); do
    printf '%s' "$on" > "$dir/xtask.toml"
    a+=("$(time_ms "$xtask" format --next 1000 --allow-dirty --root "$dir")")
    reset
    printf '%s' "$off" > "$dir/xtask.toml"
    b+=("$(time_ms "$xtask" format --next 1000 --allow-dirty --root "$dir")")
    reset
  done
  local ma mb
  ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
  echo "apply ($name), $files files in $batches batches: verify on ${ma} ms, verify off ${mb} ms: $(ratio "$ma" "$mb")"
}

echo "ruff: $(ruff --version); cores: $(nproc)"

apply_pair ruff \
  $'[[format.formatter]]\nname = "ruff"\n' \
  $'[[format.formatter]]\nname = "ruff"\nverify = false\n'

cmd=$'[[format.formatter]]\nname = "pyfmt"\nkind = "command"\ninclude = ["**/*.py"]\ncheck = ["ruff", "format", "--check", "--quiet", "--no-cache", "{files}"]\nfix = ["ruff", "format", "--quiet", "--no-cache", "{files}"]\n'
apply_pair command "$cmd" "${cmd}verify = false"$'\n'

# 3. A generic check on scratch copies against the check command alone.
dir="$work/check"
gen_python "$dir" "$py_files"
printf '%s' "$cmd" > "$dir/xtask.toml"
git_ "$dir" add -A && git_ "$dir" commit --quiet -m config
mapfile -t all < <(cd "$dir" && git ls-files '*.py')
a=(); b=()
for ((r = 0; r < runs; r++)); do
  a+=("$(time_ms "$xtask" format check --root "$dir")")
  b+=("$(cd "$dir" && time_ms ruff format --check --quiet --no-cache -- "${all[@]}")")
done
ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
echo "check (command formatter with a check), ${#all[@]} files: xtask format check ${ma} ms, the check command alone ${mb} ms: $(ratio "$ma" "$mb")"
if [ -n "$(git -C "$dir" status --porcelain)" ]; then
  echo "format check changed the work tree" >&2
  git -C "$dir" status --porcelain >&2
  exit 1
fi
