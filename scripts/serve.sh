#!/usr/bin/env bash
# Serves the built Worker with `wrangler dev` on 127.0.0.1:$PORT with its
# local D1 and Durable Object state in $STATE_DIR, after applying the
# migrations there. Every PW_* variable of the environment becomes a Worker var.
# The cron trigger is fired every $CRON_EVERY_SECONDS (default 60; 0: never,
# for tests that fire it themselves).
# Used by `make dev`, the end-to-end suite and the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PORT:=8787}" "${STATE_DIR:=.wrangler/state}" "${CRON_EVERY_SECONDS:=60}"
# No request for Cloudflare's `request.cf` data either: traffic stays on this machine.
export WRANGLER_SEND_METRICS=false CI=true CLOUDFLARE_CF_FETCH_ENABLED=false
wrangler=node_modules/.bin/wrangler

"$wrangler" d1 migrations apply DB --local --persist-to "$STATE_DIR" >/dev/null
# A restart can lose an alarm that fell due while the server was down, so no
# object's lease is trusted: the reconciler visits (and re-arms, if need be)
# every active monitor again, 40 a run.
"$wrangler" d1 execute DB --local --persist-to "$STATE_DIR" \
  --command "UPDATE monitors SET lease_until = 0 WHERE lease_until > 0" >/dev/null

# The Worker is served as built (callers run `make -s build` first), without
# wrangler.toml's [build] section: with it, wrangler dev rebuilds and restarts
# workerd whenever anything under src/ changes, and a restart in the middle of
# a test run drops requests in flight and can fail to take its port back
# ("Address already in use"). Only `make dev` (SERVE_WATCH=1) rebuilds on edits.
#
# SERVE_API_ONLY=1 also leaves out the dashboard's static files ([assets]).
# With them, wrangler dev (4.86) sends workerd's own cron trigger,
# /cdn-cgi/handler/scheduled (the one that takes a `time`), to the assets
# router, which has no scheduled handler: servers of tests and benchmarks
# that fire it at chosen times serve the API alone. (`/__scheduled`, which
# `make dev` and the suite's main server fire, works either way; deployed,
# cron triggers reach the Worker whatever the assets.)
config=()
if [ "${SERVE_WATCH:-}" != 1 ]; then
  left_out='build'
  generated=wrangler.prebuilt.toml
  if [ "${SERVE_API_ONLY:-}" = 1 ]; then
    left_out='build|assets'
    generated=wrangler.api-only.toml
  fi
  # Written only when it changes: wrangler dev watches its config, and every
  # server running on this file would restart (dropping what is in flight)
  # if the next one to start rewrote it.
  awk -v sections="^\\[($left_out)\\]" '/^\[/ { skip = ($0 ~ sections) } !skip' wrangler.toml >"$generated.$$"
  if cmp -s "$generated.$$" "$generated"; then
    rm "$generated.$$"
  else
    mv "$generated.$$" "$generated"
  fi
  config=(--config "$generated")
fi

vars=()
for name in $(compgen -e | grep '^PW_' || true); do
  vars+=(--var "$name:${!name}")
done
"$wrangler" dev "${config[@]}" --ip 127.0.0.1 --port "$PORT" --persist-to "$STATE_DIR" \
  --test-scheduled --show-interactive-dev-session=false "${vars[@]}" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null; wait "$server"' EXIT INT TERM

# `wrangler dev` does not fire cron triggers by itself: fire the reconciler
# once the server answers (an alarm can be lost across a restart) and then every
# minute, as Cloudflare would, for as long as the server runs.
cron="http://127.0.0.1:$PORT/__scheduled?cron=*+*+*+*+*"
until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/api/health" 2>/dev/null; do
  kill -0 "$server" 2>/dev/null || exit 1
  sleep 0.5
done
if [ "$CRON_EVERY_SECONDS" -eq 0 ]; then
  wait "$server"
fi
while kill -0 "$server" 2>/dev/null; do
  curl -fsS -o /dev/null "$cron" || echo "serve.sh: firing the cron trigger failed" >&2
  sleep "$CRON_EVERY_SECONDS"
done
