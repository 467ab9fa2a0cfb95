#!/usr/bin/env bash
# What crossing a formatting batch costs a branch (issue 17): a branch of COMMITS (20) commits,
# each editing a function body in its own file, cut before main applies one batch of FILES
# (140) unformatted Python files with ruff. Measured, medians of RUNS (5):
#   1. plain `git rebase main`: how many of the commits conflict (each conflict resolved by
#      formatting the branch's own version, as a person would, so the count covers all of
#      them), and the time to its first stop;
#   2. `xtask format rebase main`: its time, its conflicts (expected none), and whether the
#      result equals formatting the branch's own tree.
# Installs what it needs: a release build of xtask, and the pinned ruff into a venv under
# target/. Usage: benches/format-rebase.sh [FILES] [COMMITS]
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$here/target}"
case "$target" in /*) ;; *) target="$here/$target" ;; esac
files="${1:-140}"
commits="${2:-20}"
runs="${RUNS:-5}"

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
export GIT_EDITOR=true GIT_CONFIG_NOSYSTEM=1

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
g() { git -C "$dir" -c user.name=b -c user.email=b@b "$@"; }

dir="$work/repo"
mkdir -p "$dir/app"
printf '[tool.ruff]\n' > "$dir/pyproject.toml"
printf 'target/\n' > "$dir/.gitignore"
for ((i = 0; i < files; i++)); do
  printf 'import os\ndef  f%d( a,b ):\n    x=a*%d\n    return {"k":x,"v":b}\n\n\nclass C%d :\n  y=1\n' "$i" "$i" "$i" > "$dir/app/m$i.py"
done
g init --quiet -b main
g add -A && g commit --quiet -m init
"$xtask" format plan --max-files "$files" --root "$dir" >/dev/null
g add -A && g commit --quiet -m plan
g checkout --quiet -b feature
for ((i = 0; i < commits; i++)); do
  sed -i "s/x=a\*$i\$/x=a*$i+1/" "$dir/app/m$i.py"
  g commit --quiet -am "feature $i"
done
feature="$(g rev-parse HEAD)"
g checkout --quiet main
"$xtask" format --next 1 --commit --root "$dir" >/dev/null
batch_files=$(grep -c '^  "' "$dir/.xtask/format-plan.toml")

# The expected tree: the branch's own files, formatted.
expected="$work/expected"
mkdir -p "$expected"
for ((i = 0; i < files; i++)); do
  g show "$feature:app/m$i.py" | ruff format --stdin-filename "app/m$i.py" - > "$expected/m$i.py"
done

plain=(); first=(); ours=()
for ((r = 0; r < runs; r++)); do
  # 1. Plain git rebase, every conflict resolved by formatting the branch's version.
  g checkout --quiet -B feature "$feature"
  s=$(now)
  rc=0; g rebase --quiet main >/dev/null 2>&1 || rc=$?
  e=$(now)
  first+=($(((e - s) / 1000000)))
  conflicts=0
  while [ -d "$dir/.git/rebase-merge" ] || [ -d "$dir/.git/rebase-apply" ]; do
    mapfile -t unmerged < <(g diff --name-only --diff-filter=U)
    ((conflicts += ${#unmerged[@]}))
    for f in "${unmerged[@]}"; do
      g show ":3:$f" | ruff format --stdin-filename "$f" - > "$dir/$f"
      g add "$f"
    done
    g rebase --continue >/dev/null 2>&1 || true
  done
  plain+=("$conflicts")

  # 2. format rebase.
  g checkout --quiet -B feature "$feature"
  s=$(now)
  out="$("$xtask" format rebase main --root "$dir" 2>&1)" || { echo "format rebase failed: $out" >&2; exit 1; }
  e=$(now)
  ours+=($(((e - s) / 1000000)))
  if grep -q CONFLICT <<<"$out"; then echo "format rebase conflicted: $out" >&2; exit 1; fi
  for ((i = 0; i < files; i++)); do
    cmp -s "$dir/app/m$i.py" "$expected/m$i.py" || { echo "app/m$i.py differs from the formatted branch" >&2; exit 1; }
  done
done

echo "ruff: $(ruff --version); git: $(git --version); cores: $(nproc)"
echo "branch of $commits commits across a batch of $batch_files files:"
echo "  git rebase: $(printf '%s\n' "${plain[@]}" | median) conflicted files over the rebase (of $commits commits), first stop after $(printf '%s\n' "${first[@]}" | median) ms"
echo "  format rebase: 0 conflicts, $(printf '%s\n' "${ours[@]}" | median) ms, result equal to formatting the branch's own tree"
