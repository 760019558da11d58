#!/usr/bin/env bash
# The end-to-end suite: builds the Worker and the tests, serves the Worker with
# `wrangler dev` on a free port with a fresh state folder, runs tests/e2e
# against it, and stops everything it started, whatever the outcome.
set -euo pipefail
cd "$(dirname "$0")/.."

make -s build
cargo test --test e2e --no-run --quiet

state=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PW_JWT_SECRET="e2e-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
export PW_ALLOW_PRIVATE_TARGETS=true PW_MIN_INTERVAL_SECONDS=1 PW_MIN_GRACE_SECONDS=1 PW_DEFAULT_PLAN=free

# setsid: the server gets its own process group, so stopping it stops workerd too.
PORT=$port STATE_DIR=$state setsid scripts/serve.sh >"$state/wrangler.log" 2>&1 &
server=$!
stop() {
  kill -TERM -- "-$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$state"
}
trap stop EXIT

for _ in $(seq 1 240); do
  curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$state/wrangler.log"; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null || { echo "the Worker did not start:"; cat "$state/wrangler.log"; exit 1; }

PW_TEST_URL="http://127.0.0.1:$port" cargo test --test e2e --quiet
