#!/usr/bin/env bash
# The benchmarks: builds the Worker, prints the size of what would be uploaded,
# serves that build with `wrangler dev` on a free port with a fresh state
# folder (as scripts/e2e.sh does), runs bench/api.rs against it, and stops
# everything it started, whatever the outcome.
set -euo pipefail
cd "$(dirname "$0")/.."

make -s build
# Build the benchmark before the server starts, so compiling it does not
# compete with the Worker for the CPU, nor count against its start-up wait.
cargo bench --bench api --no-run --quiet

# Cloudflare limits a Worker by its compressed size; this sum comes within a
# few per cent of the gzip figure `wrangler deploy --dry-run` prints.
wasm=$(gzip -9 -c build/index_bg.wasm | wc -c)
js=$(cat build/index.js build/worker/shim.mjs | gzip -9 | wc -c)
echo "Bundle: index_bg.wasm $(wc -c <build/index_bg.wasm) B raw, $wasm B gzip -9;" \
  "index.js + shim.mjs $(cat build/index.js build/worker/shim.mjs | wc -c) B raw, $js B gzip -9;" \
  "upload $((wasm + js)) B gzip -9"

tmp=$(mktemp -d)
state=$tmp/state
server=
stop() {
  # On failure the Worker's own log usually says why (a 500's cause, say).
  if [ $? -ne 0 ] && [ -f "$tmp/wrangler.log" ]; then
    echo "--- last lines of the wrangler dev log:" >&2
    tail -n 40 "$tmp/wrangler.log" >&2
  fi
  if [ -n "$server" ]; then
    # `|| true`: under set -e a failing kill or wait (143 after SIGTERM)
    # would end the trap before the temporary folder is removed.
    kill -TERM -- "-$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    # workerd may outlive wrangler for a moment: give the group 5 s, then KILL it.
    for _ in $(seq 1 50); do kill -0 -- "-$server" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$server" 2>/dev/null || true
  fi
  rm -rf "$tmp" # removes the node_modules link, not what it points to
}
trap stop EXIT

# The server runs from a frozen copy of the tree as built: `wrangler dev`
# rebuilds and restarts the Worker whenever src/ or build/ change, which would
# stall the measurements for seconds if anyone edits or builds meanwhile.
# cp -a keeps the times, so the copy's `make -s build` has nothing to do.
mkdir "$tmp/worker" "$state"
cp -a Makefile Cargo.toml Cargo.lock package.json wrangler.toml src migrations scripts build "$tmp/worker/"
ln -s "$PWD/node_modules" "$tmp/worker/node_modules"
make -s -q -C "$tmp/worker" build || { echo "src/ changed since the build; run make bench again" >&2; exit 1; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PW_JWT_SECRET="bench-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
# business: the benchmark makes 100 monitors, more than the free plan allows;
# private targets: the monitors point at 127.0.0.1, so nothing leaves the machine.
export PW_ALLOW_PRIVATE_TARGETS=true PW_DEFAULT_PLAN=business

# setsid: the server gets its own process group, so stopping it stops workerd too.
PORT=$port STATE_DIR=$state setsid "$tmp/worker/scripts/serve.sh" >"$tmp/wrangler.log" 2>&1 &
server=$!

for _ in $(seq 1 240); do
  curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$tmp/wrangler.log"; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null || { echo "the Worker did not start:"; cat "$tmp/wrangler.log"; exit 1; }

PW_BENCH_URL="http://127.0.0.1:$port" cargo bench --bench api --quiet
