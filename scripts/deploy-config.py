#!/usr/bin/env python3
"""The parts of scripts/deploy.sh that read TOML or JSON (Python 3.11+: tomllib).

  resources          what wrangler.toml binds that lives in the account, a line each:
                     `d1|kv BINDING NAME ID`, ID `-` when it is to be found by NAME
  account            (`wrangler whoami --json` on stdin) the id of the only account
  find NAME          (`wrangler d1 list --json` or `kv namespace list` on stdin) NAME's id
  write OUT ACCOUNT [BINDING=ID ...]
                     wrangler.toml as JSONC into OUT, with those ids and that account
  has-secret NAME    (`wrangler secret list` on stdin) succeeds if NAME is set
  url OUTPUT_FILE    where the Worker answers, from wrangler's output file of a deploy
"""
import contextlib
import json
import sys
import tomllib


def config():
    with open("wrangler.toml", "rb") as f:
        return tomllib.load(f)


def real(resource_id):
    # wrangler.toml's D1 id is all zeros: the name `make dev`'s local D1 is kept under.
    return resource_id if resource_id.strip("0-") else "-"


def stdin_json(empty):
    # Under DRY_RUN nothing ran, so there is nothing on stdin.
    text = sys.stdin.read()
    return json.loads(text) if text.strip() else empty


def resources():
    c = config()
    for db in c.get("d1_databases", []):
        print("d1", db["binding"], db["database_name"], real(db.get("database_id", "")))
    for ns in c.get("kv_namespaces", []):
        # A KV binding has no name of its own: the one wrangler gives those it provisions.
        name = f"{c['name']}-{ns['binding'].lower().replace('_', '-')}"
        print("kv", ns["binding"], name, real(ns.get("id", "")))


def account():
    accounts = stdin_json({}).get("accounts", [])
    if len(accounts) != 1:
        names = ", ".join(f"{a['id']} ({a['name']})" for a in accounts) or "none"
        sys.exit(f"deploy: set CLOUDFLARE_ACCOUNT_ID to the account to deploy to; this login has {names}")
    print(accounts[0]["id"])


def find(name):
    for r in stdin_json([]):
        if name in (r.get("name"), r.get("title")):
            print(r.get("uuid") or r["id"])
            return


def write(out, account_id, *pairs):
    ids = dict(pair.split("=", 1) for pair in pairs)
    c = config()
    for db in c.get("d1_databases", []):
        db["database_id"] = ids.get(db["binding"]) or db.get("database_id", "")
    for ns in c.get("kv_namespaces", []):
        ns["id"] = ids.get(ns["binding"]) or ns.get("id", "")
    if account_id:
        c["account_id"] = account_id
    with open(out, "w") as f:
        f.write("// Written by scripts/deploy.sh: wrangler.toml with the ids found in the account.\n")
        f.write("// Edit wrangler.toml, not this: every `make deploy` writes it again.\n")
        json.dump(c, f, indent=2)
        f.write("\n")


def has_secret(name):
    sys.exit(0 if any(s.get("name") == name for s in stdin_json([])) else 1)


def url(output_file):
    targets = []
    with contextlib.suppress(FileNotFoundError), open(output_file) as f:
        for line in f:
            entry = json.loads(line)
            if entry.get("type") == "deploy":
                targets = entry.get("targets") or []
    # workers.dev first: it answers as soon as the deploy is done; then the
    # address the operator set (a custom domain or route).
    https = [t for t in targets if t.startswith("https://")]
    print(https[0] if https else config().get("vars", {}).get("PW_PUBLIC_URL", "").rstrip("/"))


if __name__ == "__main__":
    commands = {"resources": resources, "account": account, "find": find,
                "write": write, "has-secret": has_secret, "url": url}
    commands[sys.argv[1]](*sys.argv[2:])
