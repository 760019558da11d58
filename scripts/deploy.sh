#!/usr/bin/env bash
# `make deploy`: deploys Pingwarden to the Cloudflare account wrangler is logged
# in to (`npx wrangler login`, or CLOUDFLARE_API_TOKEN), the first time and every
# time after. Each step finds what is already there before it creates anything,
# so running it again only deploys the new code. docs/DEPLOY.md has the details.
#   1. who is logged in, and which account;
#   2. find or create the D1 database (and any KV namespace) wrangler.toml binds;
#   3. write wrangler.deploy.jsonc: wrangler.toml with their ids and the account.
#      wrangler.toml keeps its all-zero id, which names `make dev`'s local D1;
#   4. apply the D1 migrations not applied yet to the remote database;
#   5. deploy (wrangler runs `make -s build`);
#   6. set the secret PW_JWT_SECRET to a random value, if it is not set;
#   7. print the URL and what GET /api/health answers there.
# DRY_RUN=1 prints the commands of a first deploy (to an account that has
# nothing yet) and runs only `wrangler deploy --dry-run`, which builds and
# bundles without contacting Cloudflare: no account, no network.
set -euo pipefail
cd "$(dirname "$0")/.."
# No questions asked (migrations apply without a confirmation prompt): the same
# run at a terminal as in the workflow (.github/workflows/deploy.yml).
export CI=true WRANGLER_SEND_METRICS=false
# WRANGLER: another wrangler to run, e.g. a fake one that tests this script.
wrangler=${WRANGLER:-node_modules/.bin/wrangler}
helper=scripts/deploy-config.py
dry_run=${DRY_RUN:-}
case $dry_run in 0 | false | no) dry_run="" ;; esac

config=wrangler.deploy.jsonc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -n "$dry_run" ]; then
  # Its own file, removed afterwards: a real deploy's ids stay where they are.
  config=wrangler.dry-run.jsonc
  trap 'rm -rf "$work" "$config"' EXIT
  echo "DRY RUN: the commands of a first deploy; only \`wrangler deploy --dry-run\` runs." >&2
fi

step() { printf '\n[%s] %s\n' "$1" "$2" >&2; }
# Runs wrangler, printing the command first; under DRY_RUN only prints it.
cf() {
  echo "+ wrangler $*" >&2
  [ -n "$dry_run" ] || "$wrangler" "$@"
}

step 1/7 "Cloudflare login"
if ! who=$(cf whoami --json); then
  echo "deploy: not logged in to Cloudflare (or it could not be reached). Run \`npx wrangler login\`, or set CLOUDFLARE_API_TOKEN." >&2
  exit 1
fi
# Every later command needs one account; wrangler would ask which, or fail.
if [ -z "${CLOUDFLARE_ACCOUNT_ID:-}" ] && [ -z "$dry_run" ]; then
  CLOUDFLARE_ACCOUNT_ID=$(python3 "$helper" account <<<"$who")
  export CLOUDFLARE_ACCOUNT_ID
fi
[ -z "${CLOUDFLARE_ACCOUNT_ID:-}" ] || echo "    account $CLOUDFLARE_ACCOUNT_ID" >&2

step 2/7 "D1 database and KV namespaces"
resources=$(python3 "$helper" resources)
ids=() databases=()
while read -r kind binding name id; do
  [ -n "$kind" ] || continue
  if [ "$kind" = d1 ]; then databases+=("$binding"); fi
  if [ "$id" = - ]; then
    if [ "$kind" = d1 ]; then list=(d1 list --json) create=(d1 create "$name")
    else list=(kv namespace list) create=(kv namespace create "$name"); fi
    id=$(cf "${list[@]}" | python3 "$helper" find "$name")
    if [ -z "$id" ]; then
      echo "    no $name yet: creating it" >&2
      cf "${create[@]}" >&2
      id=$(cf "${list[@]}" | python3 "$helper" find "$name")
    fi
    if [ -z "$id" ] && [ -z "$dry_run" ]; then
      echo "deploy: $name is still not listed after creating it" >&2
      exit 1
    fi
  fi
  echo "    $binding: $name ${id:-(its id, once created)}" >&2
  ids+=("$binding=$id")
done <<<"$resources"

step 3/7 "Config with the ids: $config"
python3 "$helper" write "$config" "${CLOUDFLARE_ACCOUNT_ID:-}" "${ids[@]}"

step 4/7 "Remote D1 migrations"
for binding in "${databases[@]}"; do
  cf d1 migrations apply "$binding" --remote --config "$config" >&2
done

step 5/7 "Deploy"
if [ -n "$dry_run" ]; then
  # The bundle goes to build/dry-run, to be looked at; stale files go first, so
  # that a bundle that was not made is missing.
  rm -rf build/dry-run
  echo "+ wrangler deploy --config $config --dry-run --outdir build/dry-run" >&2
  "$wrangler" deploy --config "$config" --dry-run --outdir build/dry-run 2>&1 | tee "$work/deploy.log" >&2
  size=$(grep -o 'Total Upload: .*' "$work/deploy.log" || true)
  if [ -z "$size" ] || ! compgen -G 'build/dry-run/*.wasm' >/dev/null || ! compgen -G 'build/dry-run/*.js' >/dev/null; then
    echo "deploy: the dry run made no bundle in build/dry-run" >&2
    exit 1
  fi
else
  # wrangler writes what it deployed to (its targets) into this file, as JSON.
  WRANGLER_OUTPUT_FILE_PATH="$work/output.json" cf deploy --config "$config" >&2
fi

step 6/7 "Secret PW_JWT_SECRET"
# After the deploy, when the Worker exists: `secret list` then either lists its
# secrets or fails, and stops the script. A secret that is set is never
# replaced because listing it failed (that would log every user out).
secrets=$(cf secret list --format json --config "$config")
if python3 "$helper" has-secret PW_JWT_SECRET <<<"$secrets"; then
  echo "    set already: kept (docs/DEPLOY.md says how to rotate it)" >&2
else
  echo "+ wrangler secret put PW_JWT_SECRET --config $config  < 64 random hex digits made here" >&2
  if [ -z "$dry_run" ]; then
    python3 -c 'import secrets; print(secrets.token_hex(32))' \
      | "$wrangler" secret put PW_JWT_SECRET --config "$config" >&2
  fi
fi

step 7/7 "Health"
if [ -n "$dry_run" ]; then
  echo "+ curl https://pingwarden.<your-subdomain>.workers.dev/api/health" >&2
  echo
  echo "Dry run passed. Bundle: ${size#Total Upload: } (build/dry-run)"
  exit 0
fi
url=$(python3 "$helper" url "$work/output.json")
if [ -z "$url" ]; then
  echo "deploy: deployed, but to no https URL that wrangler reported; set PW_PUBLIC_URL to check it" >&2
  exit 1
fi
echo "+ curl $url/api/health" >&2
# A first deploy's workers.dev name can take a minute or two to resolve.
if ! health=$(curl -fsS --retry 12 --retry-delay 5 --retry-all-errors --max-time 10 "$url/api/health"); then
  echo "deploy: deployed to $url, but GET /api/health did not answer 200" >&2
  exit 1
fi
echo
echo "Deployed: $url"
echo "GET /api/health: $health"
