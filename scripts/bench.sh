#!/usr/bin/env bash
# The benchmarks: builds the Worker and the benchmark binaries, prints the
# size of what would be uploaded, then for each benchmark (bench/*.rs, or
# those named in BENCHES, e.g. BENCHES="schedule heartbeats") serves that
# build with `wrangler dev` on a free port with fresh state (as
# scripts/e2e.sh does), runs the benchmark against it and stops the server.
# Everything it started is stopped, whatever the outcome.
# BENCH_SCHEDULE_SECONDS (default 120), BENCH_SCHEDULE_MONITORS (200) and
# BENCH_SCHEDULE_INTERVAL (5 s) shape the schedule benchmark, which runs with
# the cron reconciler every minute as in production. The reconciler benchmark
# fires the cron itself (BENCH_RECONCILER_MONITORS, default 2,000).
# The soak (bench/soak.rs, `make soak`: BENCHES=soak) serves the Worker itself,
# because it kills and restarts it: it gets the frozen copy and a fresh state
# folder, no server. It runs 10 minutes (SOAK_SECONDS, SOAK_RESTARTS,
# SOAK_MONITORS, SOAK_SEED), so it is not in the default list.
set -euo pipefail
cd "$(dirname "$0")/.."

benches=${BENCHES:-api schedule heartbeats status_pages deliveries reconciler cost live limits timings dashboard}

make -s build
tmp=$(mktemp -d)
server=
log=
failed=
stop_server() {
  if [ -n "$server" ]; then
    # `|| true`: under set -e a failing kill or wait (143 after SIGTERM)
    # would end the trap before the temporary folder is removed.
    kill -TERM -- "-$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    # workerd may outlive wrangler for a moment: give the group 5 s, then KILL it.
    for _ in $(seq 1 50); do kill -0 -- "-$server" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$server" 2>/dev/null || true
    server=
  fi
}
show_log() {
  # On failure the Worker's own log usually says why (a 500's cause, say).
  if [ -n "$log" ] && [ -f "$log" ]; then
    echo "--- last lines of the wrangler dev log:" >&2
    tail -n 40 "$log" >&2
  fi
}
stop() {
  [ $? -ne 0 ] && show_log
  stop_server
  rm -rf "$tmp" # removes the node_modules link, not what it points to
}
trap stop EXIT

# Build the benchmarks before any server starts, so compiling them does not
# compete with the Worker for the CPU, and run copies of the binaries, so
# that edits to src/ meanwhile neither rebuild nor break them.
mkdir "$tmp/bin"
cargo bench $(printf -- '--bench %s ' $benches) --no-run --quiet --message-format=json-render-diagnostics |
  jq -r 'select(.reason == "compiler-artifact" and .target.kind == ["bench"]) | "\(.target.name) \(.executable)"' |
  while read -r name exe; do cp "$exe" "$tmp/bin/$name"; done

# Cloudflare limits a Worker by its compressed size; this sum comes within a
# few per cent of the gzip figure `wrangler deploy --dry-run` prints.
wasm=$(gzip -9 -c build/index_bg.wasm | wc -c)
js=$(cat build/index.js build/worker/shim.mjs | gzip -9 | wc -c)
echo "Bundle: index_bg.wasm $(wc -c <build/index_bg.wasm) B raw, $wasm B gzip -9;" \
  "index.js + shim.mjs $(cat build/index.js build/worker/shim.mjs | wc -c) B raw, $js B gzip -9;" \
  "upload $((wasm + js)) B gzip -9"

# The server runs from a frozen copy of the tree as built: `wrangler dev`
# rebuilds and restarts the Worker whenever src/ or build/ change, which would
# stall the measurements for seconds if anyone edits or builds meanwhile.
# cp -a keeps the times, so the copy's `make -s build` has nothing to do.
mkdir "$tmp/worker"
cp -a Makefile Cargo.toml Cargo.lock package.json wrangler.toml src migrations scripts build web "$tmp/worker/"
ln -s "$PWD/node_modules" "$tmp/worker/node_modules"
make -s -q -C "$tmp/worker" build || { echo "src/ changed since the build; run make bench again" >&2; exit 1; }

export PW_JWT_SECRET="bench-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
# business: the benchmarks make up to 2,000 monitors, more than the free plan
# allows; private targets: the monitors point at 127.0.0.1, so nothing leaves
# the machine; 1 s floors: monitors every 5 s and heartbeats with 1 s grace.
export PW_ALLOW_PRIVATE_TARGETS=true PW_DEFAULT_PLAN=business PW_MIN_INTERVAL_SECONDS=1 PW_MIN_GRACE_SECONDS=1
# The benchmarks drive thousands of requests from one address and account.
export PW_ANONYMOUS_REQUESTS_PER_MINUTE=100000000 PW_REQUESTS_PER_MINUTE=100000000 PW_PINGS_PER_MINUTE=100000000

# Serves the build with fresh state in $tmp/$1; sets port, state, server, log.
start_server() {
  state=$tmp/$1/state log=$tmp/$1/wrangler.log
  mkdir -p "$state"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # setsid: the server gets its own process group, so stopping it stops workerd too.
  # The cost benchmark reads the objects' `cost:` lines from the log.
  local cost_log=false
  [ "$1" = cost ] && cost_log=true
  # The dashboard's files only for its benchmark: the reconciler's fires
  # workerd's cron trigger, which they would take (scripts/serve.sh).
  local api_only=1
  [ "$1" = dashboard ] && api_only=
  SERVE_API_ONLY=$api_only PW_COST_LOG=$cost_log PORT=$port STATE_DIR=$state setsid "$tmp/worker/scripts/serve.sh" >"$log" 2>&1 &
  server=$!
  for _ in $(seq 1 240); do
    curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && return 0
    kill -0 "$server" 2>/dev/null || break
    sleep 0.5
  done
  echo "the Worker did not start" >&2
  return 1
}

for bench in $benches; do
  echo
  echo "## $bench"
  echo
  if [ "$bench" = soak ]; then
    # The soak starts and stops its servers itself; its log is the same file.
    mkdir -p "$tmp/soak"
    log=$tmp/soak/wrangler.log
    PW_BENCH_STATE="$tmp/soak/state" PW_BENCH_WORKER_DIR="$tmp/worker" "$tmp/bin/soak" || {
      show_log
      failed="$failed soak"
    }
    continue
  fi
  # The reconciler benchmark fires the cron itself, and reads its runs' summaries in the log.
  cron_every=60
  [ "$bench" = reconciler ] && cron_every=0
  CRON_EVERY_SECONDS=$cron_every start_server "$bench"
  if ! PW_BENCH_URL="http://127.0.0.1:$port" PW_BENCH_STATE="$state" PW_BENCH_WORKER_DIR="$tmp/worker" \
    PW_BENCH_LOG="$log" "$tmp/bin/$bench"; then
    show_log
    failed="$failed $bench"
  fi
  stop_server
done
[ -z "$failed" ] || { echo "failed:$failed" >&2; log=; exit 1; }
