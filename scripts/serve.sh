#!/usr/bin/env bash
# Serves the built Worker with `wrangler dev` on 127.0.0.1:$PORT with its
# local D1, KV and Durable Object state in $STATE_DIR, after applying the
# migrations there. Every PW_* variable of the environment becomes a Worker var.
# Used by `make dev`, the end-to-end suite and the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PORT:=8787}" "${STATE_DIR:=.wrangler/state}"
export WRANGLER_SEND_METRICS=false CI=true
wrangler=node_modules/.bin/wrangler

"$wrangler" d1 migrations apply DB --local --persist-to "$STATE_DIR" >/dev/null

vars=()
for name in $(compgen -e | grep '^PW_' || true); do
  vars+=(--var "$name:${!name}")
done
exec "$wrangler" dev --ip 127.0.0.1 --port "$PORT" --persist-to "$STATE_DIR" \
  --test-scheduled --show-interactive-dev-session=false "${vars[@]}"
