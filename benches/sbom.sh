#!/usr/bin/env bash
# Benchmark of `cargo xtask sbom` (docs/benchmarks.md, section `sbom`), measured side by side in
# one run, medians of RUNS interleaved runs (machine noise hits every tool alike):
#
#   cargo metadata      the floor: what every Cargo SBOM tool must run (goal: xtask <= 1.2x)
#   cargo xtask sbom    CycloneDX 1.6, one document for the workspace (release build)
#   cargo cyclonedx     cargo-cyclonedx, CycloneDX 1.5 JSON (its newest), one document per member
#
# on three workspaces: this repository (a copy of HEAD, since cargo-cyclonedx writes beside every
# member's Cargo.toml), a generated one depending on popular crates.io crates (several hundred
# packages resolved; the first run downloads them) and a real application, cargo-nextest's
# published crate with its own Cargo.lock. It then counts each tool's components
# (unique purls) and runs the official validators (tools/sbom/validate.py) on each output.
#
# Then, for Python (issue 7), on a uv project of about 300 locked packages: `cargo xtask sbom`
# reading its uv.lock, and reading the hashed requirements.txt `uv export` makes of it, against
# `cyclonedx-py requirements` (pip package cyclonedx-bom, the tool the team used) on that same
# requirements.txt, with the difference in component sets.
#
# It installs what it needs itself: cargo-cyclonedx (pinned, `cargo install --locked`) under
# target/bench-tools, the validators (tools/python/test.txt) in a venv there, and a release
# build of xtask.
#
# Usage: benches/sbom.sh [RUNS]   (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${1:-7}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
TOOLS=$ROOT/target/bench-tools
CYCLONEDX_VERSION=0.5.9
CYCLONEDX_PY_VERSION=7.5.0

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

bench() { # bench NAME DIR
  local name=$1 dir=$2 i t
  local m=$WORK/$name.metadata x=$WORK/$name.xtask c=$WORK/$name.cyclonedx
  : >"$m"; : >"$x"; : >"$c"
  for ((i = 0; i < RUNS; i++)); do
    t=$(now); "$CARGO_BIN" metadata --quiet --locked --format-version 1 --filter-platform "$HOST" \
      --manifest-path "$dir/Cargo.toml" >/dev/null; echo $(($(now) - t)) >>"$m"
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

echo "medians of $RUNS runs, host $HOST, $(nproc) cores"
bench self "$SELF"
bench big "$BIG"
bench nextest "$NEXTEST"

# --- Python -------------------------------------------------------------------------------------
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
valid() { "$PY" tools/sbom/validate.py "$1" >/dev/null && echo valid || echo INVALID; }
awk -v u="$(median <"$u")" -v r="$(median <"$r")" -v c="$(median <"$c")" \
  -v nu="$(wc -l <"$WORK/uv.purls")" -v nr="$(wc -l <"$WORK/req.purls")" -v nc="$(wc -l <"$WORK/cdxpy.purls")" \
  -v vu="$(valid "$WORK/py-uv.cdx.json")" -v vr="$(valid "$WORK/py-req.cdx.json")" -v vc="$(valid "$WORK/py-cdxpy.cdx.json")" 'BEGIN {
  printf "python     xtask sbom uv.lock %6.1f ms (%d components, %s) | xtask sbom requirements.txt %6.1f ms (%d, %s) | cyclonedx-py requirements %7.1f ms (%.1fx xtask, %d components, %s)\n",
    u/1e6, nu, vu, r/1e6, nr, vr, c/1e6, c/r, nc, vc }'
echo "components only in xtask (requirements.txt): $(comm -23 "$WORK/req.purls" "$WORK/cdxpy.purls" | wc -l), only in cyclonedx-py: $(comm -13 "$WORK/req.purls" "$WORK/cdxpy.purls" | wc -l)"
echo "components only in xtask (uv.lock) vs requirements.txt: $(comm -23 "$WORK/uv.purls" "$WORK/req.purls" | tr '\n' ' ')"
