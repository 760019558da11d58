#!/usr/bin/env python3
"""Takes docs/status-page.png (and -phone.png, 390 px wide, and -dark.png), and
the dashboard's docs/dashboard-*.png (scripts/screenshot-dashboard.mjs): serves the built Worker with fresh state,
creates a few monitors against the Worker itself (loopback only), one that
is down (with its automatic incident), a heartbeat and a manual incident,
gives the monitors 89 past days of rollups (written straight into the local
D1, as the days cannot be waited for), and shoots the public page with
headless Chromium. Run it with `make screenshot`."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "docs", "status-page.png")
OUTPUT_NARROW = os.path.join(ROOT, "docs", "status-page-phone.png")
OUTPUT_DARK = os.path.join(ROOT, "docs", "status-page-dark.png")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, base):
        self.base, self.token = base, None

    def call(self, method, path, body=None):
        request = urllib.request.Request(self.base + path, method=method)
        if body is not None:
            request.data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            sys.exit(f"{method} {path}: {error.code} {error.read().decode()}")

    def wait_healthy(self, seconds=120):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                return self.call("GET", "/api/health")
            except OSError:
                time.sleep(0.5)
        sys.exit("the Worker did not start")


def d1(state, sql):
    subprocess.run(
        ["node_modules/.bin/wrangler", "d1", "execute", "DB", "--local", "--persist-to", state, "--command", sql],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        env={**os.environ, "WRANGLER_SEND_METRICS": "false", "CI": "true"},
    )


def main():
    subprocess.run(["make", "-s", "build"], cwd=ROOT, check=True)
    port, closed = free_port(), free_port()
    state = tempfile.mkdtemp(prefix="pw-screenshot-")
    env = {**os.environ, "PORT": str(port), "STATE_DIR": state, "CRON_EVERY_SECONDS": "0",
           "PW_ALLOW_PRIVATE_TARGETS": "true", "PW_MIN_INTERVAL_SECONDS": "5", "PW_DEFAULT_PLAN": "pro",
           "PW_REQUESTS_PER_MINUTE": "100000",
           # A throwaway server: a throwaway secret (make dev keeps its own in .dev.vars).
           "PW_JWT_SECRET": os.environ.get("PW_JWT_SECRET") or os.urandom(16).hex()}
    server = subprocess.Popen([os.path.join(ROOT, "scripts", "serve.sh")], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        shoot(Api(f"http://127.0.0.1:{port}"), port, closed, state)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()


def shoot(api, port, closed, state):
    api.wait_healthy()
    api.token = api.call("POST", "/api/v1/auth/register",
                         {"email": "demo@acme.test", "password": "demo-password"})["data"]["token"]
    health = f"http://127.0.0.1:{port}/api/health"

    def monitor(body):
        return api.call("POST", "/api/v1/monitors", {"interval_seconds": 5, **body})["data"]

    website = monitor({"type": "http", "name": "Website", "url": health})
    api_monitor = monitor({"type": "http", "name": "Public API", "url": health + "?v=1"})
    database = monitor({"type": "tcp", "name": "Ledger database", "host": "127.0.0.1", "port": port})
    payments = monitor({"type": "http", "name": "Card payments", "url": f"http://127.0.0.1:{closed}/", "failure_threshold": 1})
    backup = monitor({"type": "heartbeat", "name": "Nightly backup", "interval_seconds": 86400, "grace_seconds": 3600})
    urllib.request.urlopen(f"http://127.0.0.1:{port}/p/{backup['token']}", timeout=10).read()
    ids = [m["id"] for m in (website, api_monitor, database, payments, backup)]

    # 89 past days: mostly whole, a few days with some downtime, one bad day.
    quoted = ",".join(f"'{i}'" for i in ids)
    d1(state, f"""
        INSERT INTO daily_rollups (monitor_id, day, checks, failures, downtime_seconds, observed_seconds,
                                   avg_response_ms, p95_response_ms, apdex_satisfied, apdex_tolerating)
        SELECT m.id, date('now', '-' || d.n || ' days'), 1440, 0,
               CASE WHEN (d.n * 7 + m.rowid * 13) % 31 = 0 THEN 420
                    WHEN m.name = 'Card payments' AND d.n = 12 THEN 5400
                    WHEN (d.n + m.rowid) % 43 = 0 THEN 45 ELSE 0 END,
               86400, 80, 150, 1400, 40
        FROM monitors m, (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 89)
                          SELECT n FROM c) d
        WHERE m.id IN ({quoted})""")

    incident = api.call("POST", "/api/v1/incidents", {
        "title": "Slow dashboard loads", "impact": "minor", "status": "identified",
        "message": "Reports take longer than usual to load.", "monitor_ids": [website["id"]]})["data"]
    api.call("POST", f"/api/v1/incidents/{incident['id']}/updates",
             {"status": "monitoring", "message": "A fix is deployed; we are watching the response times."})

    def section(name, members):
        return {"name": name, "monitors": [{"id": m["id"], "display_name": label} for m, label in members]}

    api.call("POST", "/api/v1/status-pages", {
        "slug": "acme", "title": "Acme Cloud", "description": "Live status of Acme's public services.",
        "sections": [
            section("Web", [(website, "Website"), (api_monitor, "Public API")]),
            section("Payments", [(payments, "Card payments"), (database, "Ledger database")]),
            section("Jobs", [(backup, "Nightly backup")]),
        ]})

    deadline = time.time() + 60
    while api.call("GET", f"/api/v1/monitors/{payments['id']}")["data"]["status"] != "down":
        if time.time() > deadline:
            sys.exit("the payments monitor did not go down")
        time.sleep(1)
    time.sleep(2)
    # The reconciler writes today's rollups (it runs every minute when deployed).
    urllib.request.urlopen(api.base + "/__scheduled?cron=*+*+*+*+*", timeout=60).read()
    for path, size, extra in [(OUTPUT, "1000,1700", []), (OUTPUT_NARROW, "390,1200", []),
                              (OUTPUT_DARK, "1000,900", ["--force-dark-mode"])]:
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *extra,
                        f"--window-size={size}", f"--screenshot={path}", api.base + "/status/acme"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"wrote {path}")
    subprocess.run(["node", os.path.join(ROOT, "scripts", "screenshot-dashboard.mjs"), api.base,
                    "demo@acme.test", "demo-password", website["id"]], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
