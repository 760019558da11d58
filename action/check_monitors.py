#!/usr/bin/env python3
"""The `check-monitors` action's step (action.yml): the status of one
monitor (MONITOR_ID) or of every monitor, paused ones aside, from the
Pingwarden API at PINGWARDEN_API_URL with PINGWARDEN_API_KEY. Writes the
outputs `status` (down if any is down, else pending if any is pending, else
up), `monitors-down` and `monitors-up` to $GITHUB_OUTPUT, a table to
$GITHUB_STEP_SUMMARY, and exits 1 when FAIL_ON_DOWN is true and the status is
down, or when the API answers an error. Standard library only: it runs on
any runner with Python 3."""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


def api(base, key, path):
    request = urllib.request.Request(base.rstrip("/") + path, headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as refused:
        try:
            message = json.load(refused).get("error", refused.reason)
        except ValueError:
            message = refused.reason
        sys.exit(f"Pingwarden answered {refused.code} to {path}: {message}")
    except urllib.error.URLError as failed:
        sys.exit(f"Pingwarden could not be reached at {base}: {failed.reason}")


def monitors(base, key, monitor_id):
    if monitor_id:
        return [api(base, key, "/api/v1/monitors/" + urllib.parse.quote(monitor_id, safe=""))["data"]]
    found, cursor = [], None
    while True:
        page = api(base, key, "/api/v1/monitors?limit=200" + (f"&cursor={cursor}" if cursor else ""))
        found += page["data"]
        cursor = page.get("next_cursor")
        if not cursor:
            return [m for m in found if m["status"] != "paused"]


def write(name, lines):
    path = os.environ.get(name)
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")


def main():
    base, key = os.environ.get("PINGWARDEN_API_URL", ""), os.environ.get("PINGWARDEN_API_KEY", "")
    if not base or not key:
        sys.exit("api-url and api-key are required")
    checked = monitors(base, key, os.environ.get("MONITOR_ID", "").strip())
    statuses = [m["status"] for m in checked]
    down, up = statuses.count("down"), statuses.count("up")
    status = "down" if down else "pending" if "pending" in statuses else "up"
    write("GITHUB_OUTPUT", [f"status={status}", f"monitors-down={down}", f"monitors-up={up}"])
    summary = ["### Pingwarden monitors", "", f"**{status}**: {up} up, {down} down", "", "| Monitor | Status |", "|---|---|"]
    summary += [f"| {m['name']} | {m['status']} |" for m in checked]
    write("GITHUB_STEP_SUMMARY", summary)
    print(f"status={status} up={up} down={down}")
    fail = os.environ.get("FAIL_ON_DOWN", "true").strip().lower() != "false"
    if fail and status == "down":
        sys.exit(f"{down} monitor(s) down")


if __name__ == "__main__":
    main()
