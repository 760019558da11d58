#!/usr/bin/env bash
# The end-to-end suite: builds the Worker and the tests, starts a DNS server
# (dnsmasq) with a test zone and the Worker (`wrangler dev`) on free ports
# with a fresh state folder, runs tests/e2e against them, and stops
# everything it started, whatever the outcome.
# Arguments are test-name filters: `scripts/e2e.sh invitations::` runs those only.
set -euo pipefail
cd "$(dirname "$0")/.."

make -s build
cargo test --test e2e --no-run --quiet
# The `pingwarden` command, which tests/e2e/cli.rs runs as a user would.
cargo build --quiet -p pingwarden-cli
export PW_CLI="${CARGO_TARGET_DIR:-$PWD/target}/debug/pingwarden"

# The suite runs in a network namespace of its own with only loopback, so no
# test, and no guard that fails, can ever send traffic off this machine. In
# it, PW_TEST_PUBLIC_IP (a public address) is put on loopback too: tests use
# it as a "public" host that the private-target guard must let through.
if [ -z "${PW_E2E_ISOLATED:-}" ]; then
  exec env PW_E2E_ISOLATED=1 unshare --net -- "$0" "$@"
fi
export PW_TEST_PUBLIC_IP=100.128.0.1
ip link set lo up
ip addr add "$PW_TEST_PUBLIC_IP/32" dev lo

state=$(mktemp -d)
server="" dns=""
stop() {
  local status=$?
  set +e
  for group in $server $dns; do
    kill -TERM -- "-$group" 2>/dev/null
    wait "$group" 2>/dev/null
  done
  # PW_E2E_KEEP_LOG=FILE keeps the Worker's log of the run there.
  [ -n "${PW_E2E_KEEP_LOG:-}" ] && cp "$state/wrangler.log" "$PW_E2E_KEEP_LOG"
  rm -rf "$state"
  exit "$status"
}
trap stop EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
dns_port=$(free_port)

# The test zone the DNS monitors' tests query (see tests/e2e/checks.rs);
# web.test names loopback, for HTTP targets reached by name (tests/e2e/timings.rs).
setsid "$(command -v dnsmasq || echo /usr/sbin/dnsmasq)" --keep-in-foreground --port="$dns_port" \
  --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts --pid-file= --local=/test/ \
  --host-record=up.test,10.0.0.7 --host-record=up.test,fd00::7 --mx-host=up.test,mail.up.test,10 \
  --host-record=web.test,127.0.0.1 \
  --txt-record=up.test,"v=spf1 -all" --cname=alias.test,up.test >"$state/dnsmasq.log" 2>&1 &
dns=$!
export PW_DNS_RESOLVER="127.0.0.1:$dns_port"
export PW_JWT_SECRET="e2e-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
export PW_ALLOW_PRIVATE_TARGETS=true PW_MIN_INTERVAL_SECONDS=1 PW_MIN_GRACE_SECONDS=1 PW_DEFAULT_PLAN=free
# Every test calls from 127.0.0.1 and many poll: rate limits out of the way
# (tests/e2e/rate_limits.rs starts Workers of its own with the real ones).
export PW_ANONYMOUS_REQUESTS_PER_MINUTE=1000000 PW_REQUESTS_PER_MINUTE=1000000 PW_PINGS_PER_MINUTE=1000000
# The forums' moderator, an address tests/e2e/forum.rs registers; the forum
# posting limit (PW_FORUM_POSTS_PER_HOUR) stays at its default of 20 an hour.
export PW_MODERATOR_EMAILS=moderator@forum.test
# Accounts made by the tests are seconds old: their votes count from the start.
export PW_FORUM_MIN_ACCOUNT_AGE_HOURS=0

# setsid: the server gets its own process group, so stopping it stops workerd too.
PORT=$port STATE_DIR=$state setsid scripts/serve.sh >"$state/wrangler.log" 2>&1 &
server=$!

for _ in $(seq 1 240); do
  curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$state/wrangler.log"; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null || { echo "the Worker did not start:"; cat "$state/wrangler.log"; exit 1; }

# Most tests wait on the Worker's alarms, not on the CPU: run many at once.
PW_TEST_URL="http://127.0.0.1:$port" cargo test --test e2e --quiet -- --test-threads 12 "$@" || {
  echo "The Worker's errors during the run:"
  grep -a -A4 "ERROR" "$state/wrangler.log" | tail -60
  exit 1
}
# The OpenAPI contract, fuzzed by schemathesis (the whole suite only).
if [ $# -eq 0 ]; then
  scripts/contract.sh "http://127.0.0.1:$port"
fi
