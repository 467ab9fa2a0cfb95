#!/usr/bin/env bash
# Benchmark of `cargo xtask sbom` (docs/benchmarks.md, section `sbom`), measured side by side in
# one run, medians of RUNS interleaved runs (machine noise hits every tool alike):
#
#   cargo metadata      the floor: what every Cargo SBOM tool must run, once per workspace (all
#                       at once, as we run them) (goal: xtask <= 1.1x)
#   cargo xtask sbom    CycloneDX 1.6, one document for the workspace (release build)
#   cargo cyclonedx     cargo-cyclonedx, CycloneDX 1.5 JSON (its newest), one document per member
#
# on five workspaces: this repository (a copy of HEAD, since cargo-cyclonedx writes beside every
# member's Cargo.toml), a generated one depending on popular crates.io crates (several hundred
# packages resolved; the first run downloads them), a real application, cargo-nextest's
# published crate with its own Cargo.lock, and ripgrep (pinned) twice: its root workspace alone,
# and as committed with its second workspace, fuzz/ (whose Cargo.lock is stale at that commit:
# cargo refuses it under --locked, so the copy's is refreshed with `cargo update --workspace`).
# It then counts each tool's components (unique purls) and runs the official validators
# (tools/sbom/validate.py) on each output.
#
# Then, for Python (issue 7), on a uv project of about 300 locked packages: `cargo xtask sbom`
# reading its uv.lock, and reading the hashed requirements.txt `uv export` makes of it, against
# `cyclonedx-py requirements` (pip package cyclonedx-bom, the tool the team used) on that same
# requirements.txt, with the difference in component sets.
#
# Last, the polyglot anchor: a generated repository with a uv.lock at its root (locked by the
# pinned uv), a package-lock.json in web/ (`npm install --package-lock-only`) and a Cargo
# workspace in rust/, read by `cargo xtask sbom --target all` and by cdxgen (npm
# @cyclonedx/cdxgen, pinned, `-t python -t js -t rust --no-install-deps`): wall time and the
# largest process's peak RSS (/usr/bin/time), component sets compared by purl per ecosystem
# (tools/sbom/compare.py), both outputs validated.
#
# It installs what it needs itself: cargo-cyclonedx (pinned, `cargo install --locked`) and
# cdxgen (pinned, `npm install`, optional dependencies left out: native plugins none of these
# lockfiles needs) under target/bench-tools, the validators (tools/python/test.txt) in a venv
# there, and a release build of xtask.
#
# ripgrep comes from RG_REPO (a local clone, or any git URL holding the pinned commit); unset,
# it is cloned from GitHub.
#
# Usage: [RG_REPO=DIR] [SECTIONS="cargo python polyglot"] benches/sbom.sh [RUNS]   (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${1:-7}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
TOOLS=$ROOT/target/bench-tools
CYCLONEDX_VERSION=0.5.9
CYCLONEDX_PY_VERSION=7.5.0
CDXGEN_VERSION=12.8.4
RG_COMMIT=3fce3b5bb0236da2df6d99672afb8a719642eca7 # ripgrep, 2026-08-04
SECTIONS=" ${SECTIONS:-cargo python polyglot} "

if [[ ! -x $TOOLS/bin/cargo-cyclonedx ]]; then
  cargo install --quiet --locked cargo-cyclonedx --version "$CYCLONEDX_VERSION" --root "$TOOLS"
fi
export PATH=$TOOLS/bin:$PATH
if [[ ! -x $TOOLS/validate/bin/python ]] || ! cmp -s tools/python/test.txt "$TOOLS/validate/stamp"; then
  rm -rf "$TOOLS/validate"
  python3 -m venv "$TOOLS/validate"
  "$TOOLS/validate/bin/pip" install --quiet --disable-pip-version-check -r tools/python/test.txt
  cp tools/python/test.txt "$TOOLS/validate/stamp"
fi
PY=$TOOLS/validate/bin/python
UV=$TOOLS/validate/bin/uv
# Run as `python -m`: a venv's console scripts name the venv's first path in their shebang, so
# they break when target/ is moved or copied; the module still runs.
CDXPY=("$TOOLS/cyclonedx-py/bin/python" -m cyclonedx_py)
if [[ $("${CDXPY[@]}" --version 2>/dev/null) != "$CYCLONEDX_PY_VERSION" ]]; then
  rm -rf "$TOOLS/cyclonedx-py"
  python3 -m venv "$TOOLS/cyclonedx-py"
  "$TOOLS/cyclonedx-py/bin/pip" install --quiet --disable-pip-version-check "cyclonedx-bom==$CYCLONEDX_PY_VERSION"
fi
CDXGEN=$TOOLS/cdxgen/node_modules/.bin/cdxgen
if [[ $(node -p "require('$TOOLS/cdxgen/node_modules/@cyclonedx/cdxgen/package.json').version" \
  2>/dev/null) != "$CDXGEN_VERSION" ]]; then
  rm -rf "$TOOLS/cdxgen"
  mkdir -p "$TOOLS/cdxgen"
  npm install --silent --no-audit --no-fund --omit=optional --prefix "$TOOLS/cdxgen" \
    "@cyclonedx/cdxgen@$CDXGEN_VERSION"
fi
cargo build --quiet --release --package xtask
XTASK=$TARGET/release/xtask
HOST=$(rustc -vV | sed -n 's/^host: //p')
# Every tool runs the real cargo, not rustup's proxy (as under `cargo xtask` and `cargo cyclonedx`,
# where cargo sets CARGO): the proxy's ~20 ms would otherwise blur the ratios.
CARGO_BIN=$(rustup which cargo 2>/dev/null || command -v cargo)
export CARGO=$CARGO_BIN

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# This workspace, as committed.
SELF=$WORK/self
mkdir -p "$SELF"
git archive HEAD | tar -x -C "$SELF"

# A larger real workspace: one package depending on popular crates.
BIG=$ROOT/target/bench-tools/big-workspace
if [[ ! -f $BIG/Cargo.lock ]]; then
  mkdir -p "$BIG/src"
  echo 'fn main() {}' >"$BIG/src/main.rs"
  cat >"$BIG/Cargo.toml" <<'TOML'
[package]
name = "big"
version = "0.1.0"
edition = "2021"
license = "MIT"

[workspace]

[dependencies]
tokio = { version = "1", features = ["full"] }
axum = "0.8"
reqwest = { version = "0.12", features = ["json", "rustls-tls"] }
tonic = "0.13"
sqlx = { version = "0.8", features = ["runtime-tokio", "postgres", "sqlite", "mysql"] }
clap = { version = "4", features = ["derive"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
regex = "1"
rayon = "1"
tracing-subscriber = { version = "0.3", features = ["env-filter", "json"] }
chrono = "0.4"
image = "0.25"
polars = { version = "0.46", features = ["lazy", "parquet"] }
aws-sdk-s3 = "1"
wasmtime = "30"

[dev-dependencies]
criterion = "0.5"
proptest = "1"
TOML
  cargo generate-lockfile --quiet --manifest-path "$BIG/Cargo.toml"
  cargo metadata --quiet --locked --format-version 1 --manifest-path "$BIG/Cargo.toml" >/dev/null
fi

# A real application as its maintainers locked it: cargo-nextest's published crate, whose
# Cargo.lock resolves 410 packages. Pinned by version and checksum, unpacked outside this
# repository (inside, cargo would take it for a member of our workspace).
NEXTEST_VERSION=0.9.100
NEXTEST_SHA256=74e1003eeb47ed3d42cbdecf2bdf722c332736ab85440137050d90760c897e91
NEXTEST_CRATE=$TOOLS/cargo-nextest-$NEXTEST_VERSION.crate
if ! echo "$NEXTEST_SHA256  $NEXTEST_CRATE" | sha256sum --check --quiet 2>/dev/null; then
  curl -sSfL -o "$NEXTEST_CRATE" \
    "https://static.crates.io/crates/cargo-nextest/cargo-nextest-$NEXTEST_VERSION.crate"
  echo "$NEXTEST_SHA256  $NEXTEST_CRATE" | sha256sum --check --quiet
fi
tar -xzf "$NEXTEST_CRATE" -C "$WORK"
NEXTEST=$WORK/cargo-nextest-$NEXTEST_VERSION
cargo metadata --quiet --locked --format-version 1 --manifest-path "$NEXTEST/Cargo.toml" >/dev/null

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
valid() { "$PY" tools/sbom/validate.py "$1" >/dev/null && echo valid || echo INVALID; }

# The floor: `cargo metadata` on each workspace of DIR (DIR itself and the folders after it),
# started together and waited for, as `xtask sbom` runs them.
floor() { # floor DIR [SUBDIR...]
  local dir=$1 sub pids=()
  for sub in "" "${@:2}"; do
    "$CARGO_BIN" metadata --quiet --locked --format-version 1 --filter-platform "$HOST" \
      --manifest-path "$dir/${sub:+$sub/}Cargo.toml" >/dev/null &
    pids+=($!)
  done
  for sub in "${pids[@]}"; do wait "$sub"; done
}

bench() { # bench NAME DIR [NESTED_WORKSPACE...]
  local name=$1 dir=$2 i t
  local m=$WORK/$name.metadata x=$WORK/$name.xtask c=$WORK/$name.cyclonedx
  : >"$m"; : >"$x"; : >"$c"
  for ((i = 0; i < RUNS; i++)); do
    t=$(now); floor "$dir" "${@:3}"; echo $(($(now) - t)) >>"$m"
    t=$(now); "$XTASK" sbom --root "$dir" --output "$WORK/$name.cdx.json" >/dev/null
    echo $(($(now) - t)) >>"$x"
    t=$(now); (cd "$dir" && "$CARGO_BIN" cyclonedx --format json --spec-version 1.5 --target "$HOST" \
      >/dev/null 2>&1); echo $(($(now) - t)) >>"$c"
  done
  local mm xm cm
  mm=$(median <"$m"); xm=$(median <"$x"); cm=$(median <"$c")
  # Components: unique purls; cargo-cyclonedx writes one file per member, counted together.
  local ours theirs files
  ours=$("$PY" -c 'import json,sys
d=json.load(open(sys.argv[1]))
def walk(c):
    yield c
    for s in c.get("components", []): yield from walk(s)
print(len({c.get("purl") or c["bom-ref"] for top in [d["metadata"]["component"], *d["components"]] for c in walk(top)}))' "$WORK/$name.cdx.json")
  mapfile -t files < <(find "$dir" -name '*.cdx.json' -not -path "$dir/target/*" -not -path "$dir/dist/*" | sort)
  theirs=$("$PY" -c 'import json,sys
purls=set()
for f in sys.argv[1:]:
    d=json.load(open(f))
    def walk(c):
        yield c
        for s in c.get("components", []): yield from walk(s)
    for top in [d["metadata"]["component"], *d.get("components", [])]:
        for c in walk(top): purls.add(c.get("purl") or c["bom-ref"])
print(len(purls))' "${files[@]}")
  local v_ours v_theirs
  v_ours=$("$PY" tools/sbom/validate.py "$WORK/$name.cdx.json" >/dev/null && echo valid || echo INVALID)
  if ((${#files[@]} == 0)); then v_theirs="NO OUTPUT"; else
    v_theirs=$("$PY" tools/sbom/validate.py "${files[@]}" >/dev/null && echo valid || echo INVALID)
  fi
  awk -v n="$name" -v mm="$mm" -v xm="$xm" -v cm="$cm" -v o="$ours" -v t="$theirs" \
    -v f="${#files[@]}" -v vo="$v_ours" -v vt="$v_theirs" 'BEGIN {
    printf "%-10s cargo metadata %7.1f ms | xtask sbom %7.1f ms (%.2fx metadata, %d components, %s) | cargo cyclonedx %7.1f ms (%.2fx xtask, %d components in %d files, %s)\n",
      n, mm/1e6, xm/1e6, xm/mm, o, vo, cm/1e6, cm/xm, t, f, vt }'
}

# ripgrep at a pinned commit: its root workspace alone (fuzz/ left out of the copy), and as
# committed, with fuzz/'s stale Cargo.lock refreshed for its own path packages only.
RG_SRC=$TOOLS/ripgrep-src
if ! git -C "$RG_SRC" cat-file -e "$RG_COMMIT^{commit}" 2>/dev/null; then
  rm -rf "$RG_SRC"
  git clone --quiet "${RG_REPO:-https://github.com/BurntSushi/ripgrep}" "$RG_SRC"
fi
RG=$WORK/ripgrep RGFUZZ=$WORK/ripgrep-fuzz
mkdir -p "$RG" "$RGFUZZ"
git -C "$RG_SRC" archive "$RG_COMMIT" | tar -x -C "$RGFUZZ"
git -C "$RG_SRC" archive "$RG_COMMIT" | tar -x -C "$RG" --exclude=fuzz
cargo update --quiet --workspace --manifest-path "$RGFUZZ/fuzz/Cargo.toml"
for d in "$RG" "$RGFUZZ/fuzz"; do
  cargo metadata --quiet --locked --format-version 1 --manifest-path "$d/Cargo.toml" >/dev/null
done

echo "medians of $RUNS runs, host $HOST, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ $SECTIONS == *" cargo "* ]]; then
  bench self "$SELF"
  bench big "$BIG"
  bench nextest "$NEXTEST"
  bench ripgrep "$RG"
  bench rg+fuzz "$RGFUZZ" fuzz
fi

# --- Python -------------------------------------------------------------------------------------
if [[ $SECTIONS == *" python "* ]]; then
PYBIG=$TOOLS/py-big
if [[ ! -f $PYBIG/uv.lock ]]; then
  mkdir -p "$PYBIG"
  cat >"$PYBIG/pyproject.toml" <<'TOML'
[project]
name = "platform"
version = "1.0.0"
requires-python = ">=3.11"
dependencies = [
    "jupyterlab", "pandas", "scikit-learn", "matplotlib", "fastapi[all]", "sqlalchemy",
    "boto3", "dagster", "apache-beam[gcp]", "great-expectations", "mlflow",
]

[dependency-groups]
dev = ["pytest", "mypy", "ruff", "hypothesis"]
TOML
  (cd "$PYBIG" && "$UV" lock --quiet --python 3.11)
fi
(cd "$PYBIG" && "$UV" export --quiet --frozen --no-emit-project --all-groups --format requirements-txt \
  -o "$WORK/requirements.txt")
P=$WORK/py
mkdir -p "$P"
cp "$PYBIG/pyproject.toml" "$PYBIG/uv.lock" "$P/"
cp "$WORK/requirements.txt" "$P/requirements.txt"
u=$WORK/py.uv r=$WORK/py.req c=$WORK/py.cdxpy
: >"$u"; : >"$r"; : >"$c"
for ((i = 0; i < RUNS; i++)); do
  t=$(now); "$XTASK" sbom --root "$P" --python "$P/uv.lock" --output "$WORK/py-uv.cdx.json" >/dev/null
  echo $(($(now) - t)) >>"$u"
  t=$(now); "$XTASK" sbom --root "$P" --python "$P/requirements.txt" --output "$WORK/py-req.cdx.json" \
    >/dev/null 2>&1; echo $(($(now) - t)) >>"$r"
  t=$(now); "${CDXPY[@]}" requirements --of JSON --sv 1.6 -o "$WORK/py-cdxpy.cdx.json" "$P/requirements.txt" \
    >/dev/null 2>&1; echo $(($(now) - t)) >>"$c"
done
purls() { "$PY" -c 'import json,sys
d=json.load(open(sys.argv[1]))  # components only: cyclonedx-py lists the project nowhere
print("\n".join(sorted(c["purl"].split("?")[0] for c in d.get("components", []) if c.get("purl"))))' "$1"; }
purls "$WORK/py-uv.cdx.json" >"$WORK/uv.purls"
purls "$WORK/py-req.cdx.json" >"$WORK/req.purls"
purls "$WORK/py-cdxpy.cdx.json" >"$WORK/cdxpy.purls"
awk -v u="$(median <"$u")" -v r="$(median <"$r")" -v c="$(median <"$c")" \
  -v nu="$(wc -l <"$WORK/uv.purls")" -v nr="$(wc -l <"$WORK/req.purls")" -v nc="$(wc -l <"$WORK/cdxpy.purls")" \
  -v vu="$(valid "$WORK/py-uv.cdx.json")" -v vr="$(valid "$WORK/py-req.cdx.json")" -v vc="$(valid "$WORK/py-cdxpy.cdx.json")" 'BEGIN {
  printf "python     xtask sbom uv.lock %6.1f ms (%d components, %s) | xtask sbom requirements.txt %6.1f ms (%d, %s) | cyclonedx-py requirements %7.1f ms (%.1fx xtask, %d components, %s)\n",
    u/1e6, nu, vu, r/1e6, nr, vr, c/1e6, c/r, nc, vc }'
echo "components only in xtask (requirements.txt): $(comm -23 "$WORK/req.purls" "$WORK/cdxpy.purls" | wc -l), only in cyclonedx-py: $(comm -13 "$WORK/req.purls" "$WORK/cdxpy.purls" | wc -l)"
echo "components only in xtask (uv.lock) vs requirements.txt: $(comm -23 "$WORK/uv.purls" "$WORK/req.purls" | tr '\n' ' ')"
fi

# --- Polyglot: cdxgen ---------------------------------------------------------------------------
if [[ $SECTIONS == *" polyglot "* ]]; then
POLY=$TOOLS/polyglot
if [[ ! -f $POLY/rust/Cargo.lock || ! -f $POLY/web/package-lock.json || ! -f $POLY/uv.lock ]]; then
  rm -rf "$POLY"
  mkdir -p "$POLY/web" "$POLY/rust/crates/api/src" "$POLY/rust/crates/cli/src"
  cat >"$POLY/pyproject.toml" <<'TOML'
[project]
name = "polyglot"
version = "1.0.0"
requires-python = ">=3.11"
dependencies = ["requests", "rich", "pydantic", "fastapi", "sqlalchemy", "click", "httpx", "jinja2"]

[dependency-groups]
dev = ["pytest", "ruff"]
TOML
  (cd "$POLY" && "$UV" lock --quiet --python 3.11 --exclude-newer 2026-11-01T00:00:00Z)
  cat >"$POLY/web/package.json" <<'JSON'
{
  "name": "polyglot-web",
  "version": "1.0.0",
  "private": true,
  "dependencies": {
    "express": "4.21.2",
    "react": "18.3.1",
    "react-dom": "18.3.1",
    "axios": "1.7.9",
    "lodash": "4.17.21"
  },
  "devDependencies": {
    "typescript": "5.7.3",
    "eslint": "9.18.0"
  }
}
JSON
  (cd "$POLY/web" && npm install --package-lock-only --silent --no-audit --no-fund --ignore-scripts \
    --before 2026-11-01)
  cat >"$POLY/rust/Cargo.toml" <<'TOML'
[workspace]
members = ["crates/api", "crates/cli"]
resolver = "2"
TOML
  cat >"$POLY/rust/crates/api/Cargo.toml" <<'TOML'
[package]
name = "polyglot-api"
version = "0.1.0"
edition = "2021"
license = "MIT"

[dependencies]
serde = { version = "1", features = ["derive"] }
serde_json = "1"
regex = "1"
chrono = "0.4"

[dev-dependencies]
tempfile = "3"
TOML
  cat >"$POLY/rust/crates/cli/Cargo.toml" <<'TOML'
[package]
name = "polyglot-cli"
version = "0.1.0"
edition = "2021"
license = "MIT"

[dependencies]
polyglot-api = { path = "../api" }
clap = { version = "4", features = ["derive"] }
anyhow = "1"
TOML
  echo 'pub fn api() {}' >"$POLY/rust/crates/api/src/lib.rs"
  echo 'fn main() {}' >"$POLY/rust/crates/cli/src/main.rs"
  cargo generate-lockfile --quiet --manifest-path "$POLY/rust/Cargo.toml"
  git -C "$POLY" init --quiet
  git -C "$POLY" add -A
  git -C "$POLY" -c user.name=bench -c user.email=bench@example.invalid commit --quiet -m fixture
fi
cargo metadata --quiet --locked --format-version 1 --manifest-path "$POLY/rust/Cargo.toml" >/dev/null

# measure OUT CMD...: appends "wall_ns max_rss_kb" of one run of CMD (quiet) to OUT.
measure() {
  local out=$1 t rss
  shift
  t=$(now)
  if [[ -x /usr/bin/time ]]; then
    rss=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1)
  else # the largest process of the tree, as time(1) reports it
    rss=$("$PY" -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@")
  fi
  echo "$(($(now) - t)) $rss" >>"$out"
}
xo=$WORK/poly.xtask xt=$WORK/poly-xtask.cdx.json co=$WORK/poly.cdxgen ct=$WORK/poly-cdxgen.cdx.json
: >"$xo"; : >"$co"
for ((i = 0; i < RUNS; i++)); do
  measure "$xo" "$XTASK" sbom --root "$POLY" --target all --output "$xt"
  # --no-install-deps: read the lockfiles only, as we do (else it would pip/npm install).
  measure "$co" "$CDXGEN" -t python -t js -t rust --no-install-deps -o "$ct" "$POLY"
done
col() { awk -v c="$1" '{print $c}' "$2" | median; }
awk -v xw="$(col 1 "$xo")" -v xr="$(col 2 "$xo")" -v cw="$(col 1 "$co")" -v cr="$(col 2 "$co")" \
  -v vx="$(valid "$xt")" -v vc="$(valid "$ct")" 'BEGIN {
  printf "polyglot   xtask sbom --target all %7.1f ms, %6.1f MB (%s) | cdxgen %s %8.1f ms, %6.1f MB (%s) | cdxgen %.1fx the time, %.1fx the memory\n",
    xw/1e6, xr/1024, vx, "'"$CDXGEN_VERSION"'", cw/1e6, cr/1024, vc, cw/xw, cr/xr }'
"$PY" tools/sbom/compare.py "$xt" "$ct" --names xtask cdxgen
fi
