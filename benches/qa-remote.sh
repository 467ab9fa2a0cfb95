#!/usr/bin/env bash
# Benchmark of the remote result cache (docs/benchmarks.md, section `qa: remote cache`): this
# repository's own `qa` (fmt, clippy, test, doc: its xtask.toml) in a second clone, answered by
# a remote cache that a first clone filled, against the same qa uncached.
#
# 1. nginx (Debian's, with its WebDAV module) serves a Bazel HTTP cache from a temp dir.
# 2. Clone A of HEAD, at one path, runs qa with the remote cache: every gate runs, with a cold
#    target directory, as in a fresh clone or on a CI runner without a cache (the uncached
#    figure), and stores its passes.
# 3. Clone B, at another path, runs qa with the remote cache RUNS times, its local cache
#    removed before each run: every gate is answered by the remote cache (median).
# 4. With BOTH=1, clone B then runs qa uncached (`--no-cache`, its target directory still cold:
#    B never built anything) for a second uncached figure, side by side in the same run.
#
# Goal (issue 18): the remote-cached run at most 0.1x of the uncached one. An uncached run of
# this repository takes about ten minutes on 2 cores (the test suite installs its tools into
# each clone's target/), so the uncached side is measured once (twice with BOTH=1), not RUNS
# times.
#
# Usage: [XTASK=PATH] [BOTH=1] benches/qa-remote.sh [RUNS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${1:-5}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
command -v nginx >/dev/null || { echo "benches/qa-remote.sh needs nginx (apt-get install nginx)" >&2; exit 2; }
if [[ -z ${XTASK:-} ]]; then
  cargo build --quiet --release --package xtask
  XTASK=$TARGET/release/xtask
fi
WORK=$(mktemp -d)
NGINX_PID=
cleanup() {
  [[ -n $NGINX_PID ]] && kill "$NGINX_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- 1. nginx as a Bazel HTTP cache --------------------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/nginx/store" "$WORK/nginx/tmp"
cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events {}
http {
  access_log off;
  client_body_temp_path $WORK/nginx/tmp;
  proxy_temp_path $WORK/nginx/tmp;
  fastcgi_temp_path $WORK/nginx/tmp;
  uwsgi_temp_path $WORK/nginx/tmp;
  scgi_temp_path $WORK/nginx/tmp;
  server {
    listen 127.0.0.1:$PORT;
    location /qa/ {
      root $WORK/nginx/store;
      dav_methods PUT;
      create_full_put_path on;
      client_max_body_size 64m;
    }
  }
}
EOF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.1)" 2>/dev/null && break
  sleep 0.05
done
export XTASK_CACHE_REMOTE=http://127.0.0.1:$PORT/qa
unset CARGO_TARGET_DIR

# bash's own clock, in seconds with microseconds.
now() { echo "${EPOCHREALTIME}"; }
elapsed() { echo "$2 - $1" | bc -l; }

# --- 2. Clone A fills the cache (uncached run) ----------------------------------------------
git clone --quiet "$ROOT" "$WORK/a"
T0=$(now)
"$XTASK" qa --root "$WORK/a" --json "$WORK/a.json" >/dev/null 2>"$WORK/a.err" || { cat "$WORK/a.err" >&2; grep -hE '^test .* FAILED$|panicked at' "$WORK"/a/target/xtask/qa/*.log >&2 || true; echo "clone A's qa failed" >&2; exit 1; }
UNCACHED_A=$(elapsed "$T0" "$(now)")

# --- 3. Clone B at another path, answered by the remote cache ------------------------------
git clone --quiet "$ROOT" "$WORK/elsewhere-b"
B=$WORK/elsewhere-b
: >"$WORK/cached"
for _ in $(seq "$RUNS"); do
  rm -rf "$B/target/xtask"
  T0=$(now)
  "$XTASK" qa --root "$B" --json "$WORK/b.json" >/dev/null 2>"$WORK/b.err" || { cat "$WORK/b.err" >&2; exit 1; }
  elapsed "$T0" "$(now)" >>"$WORK/cached"
  python3 - "$WORK/b.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
missed = [g["name"] for g in r["gates"] if not g.get("remote_cache")]
if missed:
    sys.exit(f"gates not answered by the remote cache: {missed}")
EOF
done
CACHED=$(sort -n "$WORK/cached" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')

# --- 4. Clone B uncached (BOTH=1) -------------------------------------------------------------
UNCACHED_B=
if [[ ${BOTH:-0} == 1 ]]; then
  T0=$(now)
  "$XTASK" qa --root "$B" --no-cache >/dev/null 2>"$WORK/b.err" || { cat "$WORK/b.err" >&2; exit 1; }
  UNCACHED_B=$(elapsed "$T0" "$(now)")
fi

echo "qa remote cache benchmark: this repository's qa ($(git rev-parse --short HEAD)), $(nproc) cores, $(uname -sr)"
printf '  uncached, clone A (fills the cache)      %8.1f s\n' "$UNCACHED_A"
[[ -n $UNCACHED_B ]] && printf '  uncached, clone B (--no-cache)           %8.1f s\n' "$UNCACHED_B"
printf '  remote-cached, clone B (median of %d)     %8.2f s\n' "$RUNS" "$CACHED"
printf '  remote-cached / uncached (A) = %.4f\n' "$(echo "$CACHED / $UNCACHED_A" | bc -l)"
[[ -n $UNCACHED_B ]] && printf '  remote-cached / uncached (B) = %.4f\n' "$(echo "$CACHED / $UNCACHED_B" | bc -l)"
exit 0
