#!/usr/bin/env bash
# The OpenAPI contract, checked by schemathesis against a running Worker
# ($1, e.g. http://127.0.0.1:8787) with a registered user's read+write key:
# every operation, bounded examples and time. Gate: no server error (5xx)
# and no answer that breaks the document. Run it only inside a network
# namespace with nothing but loopback (scripts/e2e.sh does): the fuzzer
# makes monitors with arbitrary target addresses.
set -euo pipefail
cd "$(dirname "$0")/.."
base=$1
venv=${PW_CONTRACT_VENV:-.venv-contract}
email="contract-$(python3 -c 'import secrets; print(secrets.token_hex(6))')@example.com"
token=$(curl -fsS "$base/api/v1/auth/register" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"correct horse battery\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["token"])')
key=$(curl -fsS "$base/api/v1/api-keys" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"name":"contract","scopes":["read","write"]}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["key"])')
"$venv/bin/schemathesis" run "$base/api/openapi.json" \
  --header "Authorization: Bearer $key" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --exclude-path-regex '^/(live|status/\{slug\}/live|api/v1/live|mcp)$' \
  --phases examples,fuzzing,stateful \
  --max-examples "${PW_CONTRACT_EXAMPLES:-15}" --workers 2 \
  --request-timeout 20 --no-color "${@:2}"
