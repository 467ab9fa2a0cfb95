#!/usr/bin/env bash
# Benchmarks of `cargo xtask format` (issues 4 and 13), side by side, RUNS (default 9)
# interleaved runs each, medians with the range (these machines are noisy: 2 cores shared):
#   py:    `format check` against `ruff format --check .` on a real Python project of ~200 files
#          (Textualize/rich, pinned), as it is (few files pending) and restyled by a ruff.toml
#          (line-length 70, single quotes: most files pending), with the new and the old pinned
#          ruff (tools/python/test.txt, ruff-old.txt) (goal <= 1.1x);
#   rs:    `format check` against `cargo fmt --all --check` on real workspaces (rust-analyzer,
#          ripgrep, pinned) and a generated one of ~1,000 files (goal <= 0.7x on 2 cores);
#   lists: on a copy of each real workspace with every tracked .rs file unformatted (blank lines
#          appended), our pending list must equal `cargo fmt --all --check -- -l`'s as sets (else
#          exit 1; cargo fmt names a file twice when two targets include it);
#   apply: applying ~140 files in batches (`format --next`) against one `ruff format` over the
#          same files (goal <= 1.2x), checking both write the same bytes;
#   plan:  planning 100,000 pending files with the pure planner (goal < 1 s).
# Sources: PY_REPO and RS_REPOS ("name=DIR ...") name local clones (any git repository holding
# the pinned commits); unset, they are cloned from GitHub. Nothing is built in the clones:
# cargo fmt needs only `cargo metadata --no-deps`, which works offline without the registry.
# Installs what it needs: a release build of xtask, the pinned ruffs into venvs under target/
# (the test venvs under target/test-tools are used when present).
# Usage: [RUNS=9] [SECTIONS="py rs lists apply plan"] benches/format.sh
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$here/target}"
case "$target" in /*) ;; *) target="$here/$target" ;; esac
runs="${RUNS:-9}"
sections=" ${SECTIONS:-py rs lists apply plan} "
py_commit=42899d8a0a96b121a514516f4be9db44ff7aeaf3 # Textualize/rich, 2026-02-19
declare -A rs_commits=(
  [rust-analyzer]=d2e55da49132fa70a13dfbdc99122432b02cf464 # 2026-08-21, 1,480 .rs files
  [ripgrep]=3fce3b5bb0236da2df6d99672afb8a719642eca7       # 2026-08-04
)
declare -A rs_urls=(
  [rust-analyzer]=https://github.com/rust-lang/rust-analyzer
  [ripgrep]=https://github.com/BurntSushi/ripgrep
)
py_repo="${PY_REPO:-https://github.com/Textualize/rich}"
declare -A rs_repos=()
for kv in ${RS_REPOS:-}; do rs_repos[${kv%%=*}]=${kv#*=}; done

echo "building xtask (release)..." >&2
cargo build --quiet --release --manifest-path "$here/Cargo.toml" -p xtask
cargo build --quiet --release --manifest-path "$here/Cargo.toml" -p stagefmt --example plan_bench
xtask="$target/release/xtask"

# venv NAME PINFILE: a venv with the pinned ruff of PINFILE, printed.
venv() {
  local name="$1" pinfile="$2" pin dir
  pin="$(grep '^ruff==' "$pinfile")"
  dir="$target/test-tools/$name"
  if [ -x "$dir/bin/ruff" ] && [ "$("$dir/bin/ruff" --version)" = "ruff ${pin#ruff==}" ]; then
    echo "$dir"; return
  fi
  dir="$target/bench-tools/$name"
  if [ ! -x "$dir/bin/ruff" ] || [ "$(cat "$dir/pin" 2>/dev/null)" != "$pin" ]; then
    echo "installing $pin into $dir..." >&2
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check "$pin"
    echo "$pin" > "$dir/pin"
  fi
  echo "$dir"
}
ruff_new="$(venv test "$here/tools/python/test.txt")"
ruff_old="$(venv ruff-old "$here/tools/python/ruff-old.txt")"
export PATH="$ruff_new/bin:$PATH"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

now() { date +%s%N; }
# median of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# spread of the numbers on stdin: "min-max"
spread() { sort -n | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%.1f-%.1f", lo/1000, hi/1000}'; }
ms() { awk -v a="$1" 'BEGIN { printf "%.1f", a / 1000 }'; }
# time_us CMD...: runs CMD, prints wall microseconds; exit 0 or 1 (files to format) is fine,
# anything else stops the benchmark with the command's output.
time_us() {
  local s e rc=0
  s=$(now)
  "$@" >"$work/out" 2>&1 || rc=$?
  e=$(now)
  if ((rc > 1)); then echo "failed ($rc): $*" >&2; cat "$work/out" >&2; exit 1; fi
  echo $(((e - s) / 1000))
}
time_ms() { local t; t=$(time_us "$@"); echo $((t / 1000)); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b == 0 ? 0 : a / b) }'; }
# side_by_side LABEL DIR -- OURS... -- THEIRS...: RUNS interleaved runs in DIR, one line.
side_by_side() {
  local label="$1" dir="$2" ours=() theirs=() a=() b=() r ma mb
  shift 3
  while [ "$1" != "--" ]; do ours+=("$1"); shift; done
  shift
  theirs=("$@")
  (cd "$dir" && { "${theirs[@]}"; "${ours[@]}"; } >/dev/null 2>&1) || true # warm caches
  for ((r = 0; r < runs; r++)); do
    a+=("$(cd "$dir" && time_us "${ours[@]}")")
    b+=("$(cd "$dir" && time_us "${theirs[@]}")")
  done
  ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
  echo "$label: xtask $(ms "$ma") ms ($(printf '%s\n' "${a[@]}" | spread)), ${theirs[*]} $(ms "$mb") ms ($(printf '%s\n' "${b[@]}" | spread)): $(ratio "$ma" "$mb")"
}
# checkout SRC COMMIT DEST: a clone of SRC (a URL or a local repository) at COMMIT.
checkout() {
  git clone --quiet "$1" "$3"
  git -C "$3" -c advice.detachedHead=false checkout --quiet "$2"
}
commit_all() {
  git -C "$1" -c user.name=b -c user.email=b@b add -A
  git -C "$1" -c user.name=b -c user.email=b@b commit --quiet -m "$2"
}

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

echo "ruff: $(ruff --version), old $("$ruff_old/bin/ruff" --version); rustfmt: $(rustfmt --version); cores: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ $sections == *" py "* ]]; then
  checkout "$py_repo" "$py_commit" "$work/rich"
  printf '[[format.formatter]]\nname = "ruff"\n' > "$work/rich/xtask.toml"
  commit_all "$work/rich" "bench: xtask.toml"
  git -c advice.detachedHead=false clone --quiet "$work/rich" "$work/rich-restyled"
  printf 'line-length = 70\n\n[format]\nquote-style = "single"\n' > "$work/rich-restyled/ruff.toml"
  commit_all "$work/rich-restyled" "bench: restyle"
  for shape in rich rich-restyled; do
    for v in "$ruff_new" "$ruff_old"; do
      pending=$(cd "$work/$shape" && { PATH="$v/bin:$PATH" "$xtask" format check || true; } | head -1)
      PATH="$v/bin:$PATH" side_by_side "check, $shape, $("$v/bin/ruff" --version) (${pending#ruff: })" \
        "$work/$shape" -- "$xtask" format check -- ruff format --check .
    done
  done
fi

if [[ $sections == *" rs "* || $sections == *" lists "* ]]; then
  for name in "${!rs_commits[@]}"; do
    checkout "${rs_repos[$name]:-${rs_urls[$name]}}" "${rs_commits[$name]}" "$work/$name"
  done
fi

if [[ $sections == *" rs "* ]]; then
  for name in rust-analyzer ripgrep; do
    files=$(git -C "$work/$name" ls-files '*.rs' | wc -l)
    side_by_side "check, $name ($files .rs files)" "$work/$name" -- "$xtask" format check -- cargo fmt --all --check
  done
  gen_rust "$work/gen" 20
  side_by_side "check, generated workspace (1,020 .rs files, 20 crates)" "$work/gen" -- "$xtask" format check -- cargo fmt --all --check
fi

if [[ $sections == *" lists "* ]]; then
  for name in rust-analyzer ripgrep; do
    git -c advice.detachedHead=false clone --quiet "$work/$name" "$work/$name-dirty"
    (cd "$work/$name-dirty" && git ls-files -z '*.rs' | xargs -0 sh -c 'for f; do printf "\n\n\n" >> "$f"; done' sh)
    (cd "$work/$name-dirty" && "$xtask" format check --json || true) |
      python3 -c 'import json,sys; [print(p["path"]) for f in json.load(sys.stdin)["formatters"] for p in f["pending"]]' |
      sort -u > "$work/ours.txt"
    (cd "$work/$name-dirty" && cargo fmt --all --check -- -l || true) |
      python3 -c 'import os,sys; root=os.path.realpath(sys.argv[1]); [print(os.path.relpath(os.path.normpath(l.strip()), root)) for l in sys.stdin if l.strip()]' "$work/$name-dirty" |
      sort -u > "$work/cargo.txt"
    if ! cmp -s "$work/ours.txt" "$work/cargo.txt"; then
      echo "lists, $name: xtask format check and cargo fmt disagree:" >&2
      diff "$work/cargo.txt" "$work/ours.txt" | head -20 >&2
      exit 1
    fi
    echo "lists, $name: the same $(wc -l < "$work/ours.txt") files as cargo fmt --all --check -- -l"
  done
fi

if [[ $sections == *" apply "* ]]; then
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

fi

# planning 100,000 pending files (the planner alone; checking them is the formatter's time).
if [[ $sections == *" plan "* ]]; then
  "$target/release/examples/plan_bench" 100000
fi
