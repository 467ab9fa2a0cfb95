#!/usr/bin/env bash
# Benchmarks of `cargo xtask format` (issue 4), side by side in one run, medians of RUNS (7):
#   1. `format check` against `ruff format --check .` on a generated Python tree of thousands
#      of files (goal <= 1.1x);
#   2. `format check` against `cargo fmt --all --check` on a generated Cargo workspace of
#      about a thousand files (goal <= 1.1x);
#   3. applying ~140 files in batches (`format --next 100`, batches in parallel) against one
#      `ruff format` over the same files (goal <= 1.2x), and checks both write the same bytes;
#   4. planning 100,000 pending files with the pure planner (goal < 1 s).
# Installs what it needs: a release build of xtask, and the pinned ruff into a venv under
# target/. Usage: benches/format.sh [PY_FILES] [RS_CRATES]
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$here/target}"
case "$target" in /*) ;; *) target="$here/$target" ;; esac
py_files="${1:-3000}"
rs_crates="${2:-20}"
runs="${RUNS:-7}"

echo "building xtask (release)..." >&2
cargo build --quiet --release --manifest-path "$here/Cargo.toml" -p xtask
cargo build --quiet --release --manifest-path "$here/Cargo.toml" -p stagefmt --example plan_bench
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
# median of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# time_ms CMD...: runs CMD, prints wall milliseconds; exit 0 or 1 (files to format) is fine,
# anything else stops the benchmark with the command's output.
time_ms() {
  local s e rc=0
  s=$(now)
  "$@" >"$work/out" 2>&1 || rc=$?
  e=$(now)
  if ((rc > 1)); then echo "failed ($rc): $*" >&2; cat "$work/out" >&2; exit 1; fi
  echo $(((e - s) / 1000000))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b == 0 ? 0 : a / b) }'; }

gen_python() { # DIR N: N files in nested packages, one in three unformatted
  local dir="$1" n="$2" i d
  mkdir -p "$dir"
  printf '[project]\nname = "bench"\nversion = "0"\n\n[tool.ruff]\nline-length = 88\n' > "$dir/pyproject.toml"
  for ((i = 0; i < n; i++)); do
    d="$dir/src/pkg$((i % 12))/mod$((i % 37))/sub$((i % 5))"
    mkdir -p "$d"
    if ((i % 3 == 0)); then
      printf 'import os\ndef  f%d( a,b ):\n  return {"k":a,"v":b}\nclass C%d :\n  x=1\n' "$i" "$i" > "$d/m$i.py"
    else
      printf 'import os\n\n\ndef f%d(a, b):\n    return {"k": a, "v": b}\n' "$i" > "$d/m$i.py"
    fi
  done
  git -C "$dir" init --quiet -b main
  git -C "$dir" -c user.name=b -c user.email=b@b add -A
  git -C "$dir" -c user.name=b -c user.email=b@b commit --quiet -m init
}

gen_rust() { # DIR CRATES: CRATES crates of 50 modules each, one in four unformatted
  local dir="$1" n="$2" c m
  mkdir -p "$dir"
  printf '[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n' > "$dir/Cargo.toml"
  for ((c = 0; c < n; c++)); do
    mkdir -p "$dir/crates/c$c/src"
    printf '[package]\nname = "c%d"\nversion = "0.1.0"\nedition = "2021"\n' "$c" > "$dir/crates/c$c/Cargo.toml"
    : > "$dir/crates/c$c/src/lib.rs"
    for ((m = 0; m < 50; m++)); do
      echo "pub mod m$m;" >> "$dir/crates/c$c/src/lib.rs"
      if ((m % 4 == 0)); then
        printf 'pub fn f( a:u32,b:u32 )->u32{ if a>b {a} else {b} }\n' > "$dir/crates/c$c/src/m$m.rs"
      else
        printf 'pub fn f(a: u32, b: u32) -> u32 {\n    if a > b { a } else { b }\n}\n' > "$dir/crates/c$c/src/m$m.rs"
      fi
    done
  done
  git -C "$dir" init --quiet -b main
  git -C "$dir" -c user.name=b -c user.email=b@b add -A
  git -C "$dir" -c user.name=b -c user.email=b@b commit --quiet -m init
}

echo "ruff: $(ruff --version); rustfmt: $(rustfmt --version); cores: $(nproc)"

# 1. format check vs ruff format --check on a large Python tree.
gen_python "$work/py" "$py_files"
ruff format --check "$work/py" >/dev/null 2>&1 || true # warm the cache both read
a=(); b=()
for ((r = 0; r < runs; r++)); do
  a+=("$(time_ms "$xtask" format check --root "$work/py")")
  b+=("$(cd "$work/py" && time_ms ruff format --check .)")
done
ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
echo "check, $py_files Python files: xtask format check ${ma} ms, ruff format --check ${mb} ms: $(ratio "$ma" "$mb")"

# 2. format check vs cargo fmt --all --check on a Cargo workspace.
gen_rust "$work/rs" "$rs_crates"
a=(); b=()
for ((r = 0; r < runs; r++)); do
  a+=("$(time_ms "$xtask" format check --root "$work/rs")")
  b+=("$(cd "$work/rs" && time_ms cargo fmt --all --check)")
done
ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
echo "check, $((rs_crates * 51)) Rust files: xtask format check ${ma} ms, cargo fmt --all --check ${mb} ms: $(ratio "$ma" "$mb")"

# 3. apply ~140 files in batches vs one ruff format over the same files.
gen_python "$work/apply" 420 # one in three unformatted: 140 pending files
(cd "$work/apply" && "$xtask" format plan --max-files 25 >/dev/null &&
  git -c user.name=b -c user.email=b@b add -A && git -c user.name=b -c user.email=b@b commit --quiet -m plan)
mapfile -t pending < <(grep '^  "' "$work/apply/.xtask/format-plan.toml" | sed 's/^  "//; s/",$//')
batches=$(grep -c '^\[\[batch\]\]' "$work/apply/.xtask/format-plan.toml")
# Put the files back between runs; `status` then refreshes git's index, which the reset left
# stale, so neither side pays for the benchmark's own reset.
reset_tree() { git -C "$work/apply" reset --quiet --hard && git -C "$work/apply" status --porcelain >/dev/null; }
reset_tree
a=(); b=()
for ((r = 0; r < runs; r++)); do
  a+=("$(time_ms "$xtask" format --next 1000 --root "$work/apply")")
  reset_tree
  b+=("$(cd "$work/apply" && time_ms ruff format -- "${pending[@]}")")
  reset_tree
done
# Both sides must write the same bytes.
"$xtask" format --next 1000 --root "$work/apply" >/dev/null
git -C "$work/apply" diff -- "${pending[@]}" > "$work/ours.diff"
reset_tree
(cd "$work/apply" && ruff format --quiet -- "${pending[@]}")
git -C "$work/apply" diff -- "${pending[@]}" > "$work/ruff.diff"
reset_tree
if ! cmp -s "$work/ours.diff" "$work/ruff.diff"; then
  echo "apply: xtask format and ruff format wrote different files" >&2
  diff "$work/ruff.diff" "$work/ours.diff" | head -20 >&2
  exit 1
fi
ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
echo "apply, ${#pending[@]} files in $batches batches: xtask format --next ${ma} ms, one ruff format ${mb} ms: $(ratio "$ma" "$mb") (same bytes written)"

# 4. planning 100,000 pending files (the planner alone; checking them is the formatter's time).
"$target/release/examples/plan_bench" 100000
