#!/usr/bin/env bash
# `make dev`: a local Pingwarden on http://127.0.0.1:${PORT:-8787}.
set -euo pipefail
cd "$(dirname "$0")/.."
# Local targets (127.0.0.1, 10.x, …) are what one watches while developing.
export PW_ALLOW_PRIVATE_TARGETS="${PW_ALLOW_PRIVATE_TARGETS:-true}"
# The demo catalogue: three loopback targets, so nothing local probes the internet.
export PW_CATALOGUE="${PW_CATALOGUE:-demo}"
# Votes of accounts made a minute ago count, so the forums can be tried alone.
export PW_FORUM_MIN_ACCOUNT_AGE_HOURS="${PW_FORUM_MIN_ACCOUNT_AGE_HOURS:-0}"
# A JWT secret made once and kept, so tokens survive restarts.
if ! grep -qs '^PW_JWT_SECRET=' .dev.vars; then
  echo "PW_JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')" >> .dev.vars
fi
make -s build
echo "Pingwarden: the API at http://127.0.0.1:${PORT:-8787}, the dashboard at http://127.0.0.1:${PORT:-8787}/app" >&2
SERVE_WATCH=1 exec scripts/serve.sh
