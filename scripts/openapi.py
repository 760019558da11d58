#!/usr/bin/env python3
"""Writes openapi.json, the OpenAPI 3.1 document the Worker serves at
GET /api/openapi.json, from the table of operations below. Edit the table
and run `scripts/openapi.py`; a test (src/router.rs) fails when a route is
in the router but not here, or here but not in the router."""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ID = {"type": "string", "pattern": "^[A-Za-z0-9_]{1,64}$"}
TEXT = {"type": "string"}
OBJ = {"type": "object"}
ANY_OBJECT = {"type": "object", "additionalProperties": True}

def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}

SCHEMAS = {
    "Error": {"type": "object", "required": ["error", "code"], "properties": {
        "error": TEXT, "code": TEXT, "field": TEXT, "request_id": TEXT}},
    # Healthchecks' v3 API refuses with only a message, and so does ours there.
    "HealthchecksError": {"type": "object", "required": ["error"], "properties": {"error": TEXT}},
    "Data": {"type": "object", "required": ["data"], "properties": {"data": {}}},
    "List": {"type": "object", "required": ["data", "count"], "properties": {
        "data": {"type": "array", "items": {}}, "count": {"type": "integer"}, "next_cursor": TEXT}},
    "MonitorInput": {"type": "object", "properties": {
        "type": {"type": "string", "enum": ["http", "tcp", "dns", "heartbeat"]}, "name": TEXT, "url": TEXT,
        "host": TEXT, "port": {"type": "integer"}, "record_type": TEXT, "interval_seconds": {"type": "integer"},
        "grace_seconds": {"type": "integer"}, "tags": {"type": "array", "items": TEXT}}},
    "Credentials": {"type": "object", "required": ["email", "password"], "properties": {
        "email": TEXT, "password": TEXT, "name": TEXT}},
    # PingFlow's profile, camelCase as its API has it.
    "AccountMe": {"type": "object", "required": ["id", "email", "name", "isPro", "points", "activeIcon"], "properties": {
        "id": TEXT, "email": TEXT, "name": TEXT, "isPro": {"type": "boolean"}, "points": {"type": "integer"},
        "activeIcon": TEXT}},
    "NewThread": {"type": "object", "required": ["title", "body", "category"], "properties": {
        "title": TEXT, "body": TEXT, "category": {"type": "string", "enum": ["general", "outages", "configurations"]},
        "service_id": TEXT, "incident_id": TEXT, "host": TEXT}},
    "ThreadChange": {"type": "object", "properties": {
        "title": TEXT, "category": {"type": "string", "enum": ["general", "outages", "configurations"]},
        "pinned": {"type": "boolean"}, "locked": {"type": "boolean"}}},
    "PostBody": {"type": "object", "required": ["body"], "properties": {"body": TEXT}},
    "Accept": {"type": "object", "required": ["post_id"], "properties": {"post_id": TEXT}},
    "Report": {"type": "object", "required": ["reason"], "properties": {"reason": TEXT}},
    # What export writes and apply takes, in YAML or JSON alike.
    "Document": {"type": "object", "required": ["monitors", "status_pages", "channels"], "properties": {
        "monitors": {"type": "array", "items": OBJ}, "status_pages": {"type": "array", "items": OBJ},
        "channels": {"type": "array", "items": OBJ}}},
}

RATE_HEADERS = {name: {"schema": {"type": "integer"}, "description": d} for name, d in [
    ("X-RateLimit-Limit", "Requests allowed in the window"),
    ("X-RateLimit-Remaining", "Requests left in the window"),
    ("X-RateLimit-Reset", "When the window ends, epoch seconds")]}

ERRORS = [("400", "BadRequest", "Malformed request"), ("401", "Unauthorized", "Missing or invalid credential"),
          ("403", "Forbidden", "Not allowed"), ("404", "NotFound", "Not found"),
          ("405", "MethodNotAllowed", "Method not allowed"), ("409", "Conflict", "Conflict"), ("410", "Gone", "Gone"),
          ("413", "TooLarge", "Body over 1 MiB"), ("422", "Invalid", "Invalid field"),
          ("426", "UpgradeRequired", "Upgrade required"), ("503", "Unavailable", "Unavailable")]

RESPONSES = {name: {"description": text, "content": {"application/json": {"schema": ref("Error")}}}
             for _, name, text in ERRORS}
RESPONSES["RateLimited"] = {"description": "Rate limited", "headers": {
    "Retry-After": {"schema": {"type": "integer"}}, **{h: {"$ref": f"#/components/headers/{h}"} for h in RATE_HEADERS}},
    "content": {"application/json": {"schema": ref("Error")}}}


STRUCTURED = ("application/json", "application/yaml")

def op(summary, *, auth=True, params=(), query=(), body=None, ok="200", shape="Data", content="application/json",
       tag="api", limited=True, healthchecks=False):
    success = {"description": "OK"}
    kinds = content if isinstance(content, tuple) else (content,)
    if shape is not None:
        schema = ref(shape) if isinstance(shape, str) else shape
        # Text answers (pages, badges, metrics) are strings; a structured
        # document keeps its schema in every format it is written in.
        success["content"] = {kind: {"schema": schema if kind in STRUCTURED else TEXT} for kind in kinds}
    if limited:
        success["headers"] = {h: {"$ref": f"#/components/headers/{h}"} for h in RATE_HEADERS}
    responses = {ok: success}
    if not set(kinds) & set(STRUCTURED):
        # A page, badge or ping that is refused says so in its own kind.
        for code, name, text in ERRORS:
            if code in ("400", "404", "409"):
                responses[code] = {"description": text, "content": {content: {"schema": TEXT}, "application/json": {"schema": ref("Error")}}}
    for code, name, text in ERRORS:
        if healthchecks:
            responses.setdefault(code, {"description": text, "content": {"application/json": {"schema": ref("HealthchecksError")}}})
        responses.setdefault(code, {"$ref": f"#/components/responses/{name}"})
    if limited:
        responses["429"] = {"$ref": "#/components/responses/RateLimited"}
    operation = {"summary": summary, "tags": [tag], "responses": responses,
                 "parameters": [{"name": p, "in": "path", "required": True, "schema": ID} for p in params] +
                               [{"name": q, "in": "query", "required": False, "schema": s} for q, s in query]}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if not auth:
        operation["security"] = []
    return operation

PAGE = [("limit", {"type": "integer", "minimum": 1, "maximum": 200}), ("cursor", TEXT)]
THREAD_FILTERS = [("sort", {"type": "string", "enum": ["newest", "active", "unanswered"]}),
                  ("category", {"type": "string", "enum": ["general", "outages", "configurations"]}),
                  ("q", TEXT), ("service_id", TEXT), ("incident_id", TEXT), ("host", TEXT)]

PATHS = {
    "/api/health": {"get": op("Liveness and D1", auth=False, shape=ANY_OBJECT)},
    "/api/v1/auth/register": {"post": op("Register a user and their organization", auth=False, body=ref("Credentials"), ok="201")},
    "/api/v1/auth/login": {"post": op("Sign in: a token", auth=False, body=ref("Credentials"))},
    "/api/v1/auth/session": {
        "post": op("Sign the dashboard in: the token in an HttpOnly cookie, and a CSRF cookie", auth=False, body=ref("Credentials"), ok="201"),
        "delete": op("Sign the dashboard out: the cookies are cleared", auth=False, ok="204", shape=None)},
    "/api/v1/me": {"get": op("The caller, their organization, plan, limits and usage")},
    "/api/v1/organizations/{org_id}/members": {
        "get": op("Members", params=["org_id"], shape="List"),
        "post": op("Gone: members join by invitation", params=["org_id"], body=OBJ, ok="410", shape="Error")},
    "/api/v1/organizations/{org_id}/members/{user_id}": {
        "patch": op("Change a member's role", params=["org_id", "user_id"], body=OBJ),
        "delete": op("Remove a member", params=["org_id", "user_id"], ok="204", shape=None)},
    "/api/v1/organizations/{org_id}/invitations": {
        "get": op("Pending invitations", params=["org_id"], shape="List"),
        "post": op("Invite", params=["org_id"], body=OBJ, ok="201")},
    "/api/v1/organizations/{org_id}/invitations/{id}": {
        "delete": op("Revoke an invitation", params=["org_id", "id"], ok="204", shape=None)},
    "/api/v1/invitations/{token}/accept": {"post": op("Accept an invitation", params=["token"], ok="201")},
    "/api/v1/api-keys": {"get": op("API keys", shape="List"), "post": op("Create a key (shown once)", body=OBJ, ok="201")},
    "/api/v1/api-keys/{id}": {"delete": op("Revoke a key", params=["id"], ok="204", shape=None)},
    "/api/v1/monitors": {
        "get": op("Monitors", query=PAGE + [("status", TEXT), ("type", TEXT), ("tag", TEXT), ("search", TEXT)], shape="List"),
        "post": op("Create a monitor", body=ref("MonitorInput"), ok="201")},
    "/api/v1/monitors/summary": {"get": op("Each monitor's uptime over 24 h and 30 d and today's response times (the dashboard's list)", shape="List")},
    "/api/v1/monitors/{id}": {
        "get": op("A monitor", params=["id"]),
        "patch": op("Change a monitor", params=["id"], body=ref("MonitorInput")),
        "delete": op("Delete a monitor", params=["id"], ok="204", shape=None)},
    "/api/v1/monitors/{id}/pause": {"post": op("Pause", params=["id"])},
    "/api/v1/monitors/{id}/resume": {"post": op("Resume", params=["id"])},
    "/api/v1/monitors/{id}/checks": {"get": op("Check results", params=["id"], query=PAGE + [("status", TEXT), ("since", TEXT), ("until", TEXT)], shape="List")},
    "/api/v1/monitors/{id}/incidents": {"get": op("A monitor's incidents", params=["id"], query=PAGE, shape="List")},
    "/api/v1/monitors/{id}/uptime": {"get": op("Uptime 24h, 7d, 30d, 90d; median phase timings over 24h", params=["id"])},
    "/api/v1/monitors/{id}/pings": {"get": op("A heartbeat's pings", params=["id"], query=PAGE + [("kind", TEXT)], shape="List")},
    "/api/v1/monitors/{id}/rotate-token": {"post": op("A new ping token", params=["id"], ok="201")},
    "/api/v1/status-pages": {"get": op("Status pages", shape="List"), "post": op("Create a page", body=OBJ, ok="201")},
    "/api/v1/status-pages/{id}": {
        "get": op("A page", params=["id"]), "patch": op("Change a page", params=["id"], body=OBJ),
        "delete": op("Delete a page", params=["id"], ok="204", shape=None)},
    "/api/v1/incidents": {
        "get": op("Incidents", query=PAGE + [("status", TEXT), ("monitor_id", TEXT)], shape="List"),
        "post": op("Open an incident", body=OBJ, ok="201")},
    "/api/v1/incidents/{id}": {"get": op("An incident", params=["id"]), "patch": op("Change an incident", params=["id"], body=OBJ)},
    "/api/v1/incidents/{id}/updates": {"post": op("Post an update", params=["id"], body=OBJ, ok="201")},
    "/api/v1/channels": {"get": op("Notification channels", shape="List"), "post": op("Create a channel", body=OBJ, ok="201")},
    "/api/v1/channels/{id}": {
        "get": op("A channel", params=["id"]), "patch": op("Change a channel", params=["id"], body=OBJ),
        "delete": op("Delete a channel", params=["id"], ok="204", shape=None)},
    "/api/v1/channels/{id}/test": {"post": op("Send a test event", params=["id"])},
    "/api/v1/channels/{id}/rotate-secret": {"post": op("A new signing secret", params=["id"])},
    "/api/v1/channels/{id}/deliveries": {"get": op("The delivery log", params=["id"], query=PAGE, shape="List")},
    "/api/v1/deliveries/{id}/retry": {"post": op("Send a delivery again", params=["id"])},
    "/api/v1/maintenances": {"get": op("Maintenance windows", query=PAGE, shape="List", tag="operations"),
                             "post": op("Schedule a maintenance window", body=OBJ, ok="201", tag="operations")},
    "/api/v1/maintenances/{id}": {
        "get": op("A maintenance window", params=["id"], tag="operations"),
        "patch": op("Change a maintenance window", params=["id"], body=OBJ, tag="operations"),
        "delete": op("Delete a maintenance window", params=["id"], ok="204", shape=None, tag="operations")},
    "/api/v1/apply": {"post": op("Apply a document of monitors, pages and channels (YAML or JSON)", query=[("dry_run", TEXT), ("prune", TEXT)], body=OBJ, tag="operations")},
    "/api/v1/export": {"get": op("The organization as a document apply takes", query=[("format", {"type": "string", "enum": ["yaml", "json"]})],
                                   content=("application/yaml", "application/json"), shape="Document", tag="operations")},
    "/api/v1/metrics": {"get": op("The organization's monitors as Prometheus metrics (text format 0.0.4)", content="text/plain; version=0.0.4; charset=utf-8", tag="metrics")},
    "/api/v1/audit-log": {"get": op("The audit log, newest first (owners' and admins' tokens)", shape="List", tag="operations",
                                    query=PAGE + [(name, TEXT) for name in ["action", "actor_id", "target_id", "since", "until"]])},
    "/api/v1/live": {"get": op("The live stream (WebSocket)", query=[("organization", TEXT)], ok="101", shape=None, tag="live")},
    "/live": {"get": op("The live stream, PingFlow's path (WebSocket)", query=[("token", TEXT)], ok="101", shape=None, tag="live", limited=False)},
    "/status/{slug}": {"get": op("A public status page (HTML)", auth=False, params=["slug"], content="text/html", tag="public", limited=False)},
    "/status/{slug}.json": {"get": op("A public status page (JSON)", auth=False, params=["slug"], shape=ANY_OBJECT, tag="public", limited=False)},
    "/status/{slug}/live": {"get": op("A status page's live stream (WebSocket)", auth=False, params=["slug"], ok="101", shape=None, tag="live", limited=False)},
    "/status/{slug}/badge.svg": {"get": op("A page's badge", auth=False, params=["slug"], query=[("metric", TEXT)], content="image/svg+xml", tag="public", limited=False)},
    "/status/{slug}/monitors/{id}/badge.svg": {"get": op("A monitor's badge", auth=False, params=["slug", "id"], query=[("metric", TEXT)], content="image/svg+xml", tag="public", limited=False)},
    "/p/{token}": {m: op("A heartbeat ping", auth=False, params=["token"], content="text/plain", tag="ping", limited=False) for m in ["get", "post"]},
    "/p/{token}/{suffix}": {m: op("A start, fail or exit-code ping", auth=False, params=["token", "suffix"], content="text/plain", tag="ping", limited=False) for m in ["get", "post"]},
    "/api/v1/heartbeat/{token}": {m: op("A heartbeat ping", auth=False, params=["token"], content="text/plain", tag="ping", limited=False) for m in ["get", "post"]},
    "/api/v1/heartbeat/{token}/{suffix}": {m: op("A start, fail or exit-code ping", auth=False, params=["token", "suffix"], content="text/plain", tag="ping", limited=False) for m in ["get", "post"]},
    "/ping/{uuid}": {m: op("A Healthchecks-style ping by check UUID: OK, or not found", auth=False, params=["uuid"], content="text/plain", tag="healthchecks", limited=False) for m in ["get", "post"]},
    "/ping/{code}/{suffix}": {m: op("A check UUID's start, fail, log or exit-status ping, or a slug ping under a ping key (?create=1)", auth=False, params=["code", "suffix"], query=[("rid", TEXT), ("create", TEXT)], content="text/plain", tag="healthchecks", limited=False) for m in ["get", "post"]},
    "/ping/{ping_key}/{slug}/{suffix}": {m: op("A slug's start, fail, log or exit-status ping (?create=1)", auth=False, params=["ping_key", "slug", "suffix"], query=[("rid", TEXT), ("create", TEXT)], content="text/plain", tag="healthchecks", limited=False) for m in ["get", "post"]},
    # Healthchecks' own shapes, not the {data} envelope (docs/HEALTHCHECKS.md).
    "/api/v3/checks/": {"get": op("Healthchecks v3: the checks (heartbeats with an hc_uuid)", query=[("tag", TEXT), ("slug", TEXT)], shape=ANY_OBJECT, tag="healthchecks", healthchecks=True)},
    "/api/v3/checks/{uuid}": {"get": op("Healthchecks v3: one check", params=["uuid"], shape=ANY_OBJECT, tag="healthchecks", healthchecks=True)},
    "/api/v3/checks/{uuid}/pause": {"post": op("Healthchecks v3: pause a check", params=["uuid"], shape=ANY_OBJECT, tag="healthchecks", healthchecks=True)},
    "/api/v3/checks/{uuid}/resume": {"post": op("Healthchecks v3: resume a paused check (409 if not paused)", params=["uuid"], shape=ANY_OBJECT, tag="healthchecks", healthchecks=True)},
    "/api/v3/checks/{uuid}/pings/": {"get": op("Healthchecks v3: a check's pings, newest first", params=["uuid"], shape=ANY_OBJECT, tag="healthchecks", healthchecks=True)},
    "/api/v1/organizations/{org_id}/ping-key": {"post": op("Create or rotate the organization's ping key (slug pings)", params=["org_id"], ok="201", tag="healthchecks")},
    "/api/v1/import/healthchecks": {"post": op("Import checks from Healthchecks ({api_url, api_key}, or a v3 checks answer)", query=[("dry_run", TEXT)], body=OBJ, tag="healthchecks")},
    "/api/v1/import/uptime-kuma": {"post": op("Import an Uptime Kuma backup file", query=[("dry_run", TEXT)], body=OBJ, tag="healthchecks")},
    "/api/v1/services": {"get": op("The catalogue of services", auth=False, query=[("category", TEXT), ("search", TEXT)], shape="List", tag="public")},
    "/api/v1/services/{id}/history": {"get": op("A service's 40-tick history (PingFlow's shape)", auth=False, params=["id"], shape=ANY_OBJECT, tag="public")},
    "/api/history/{id}": {"get": op("A service's 40-tick history (PingFlow's path)", auth=False, params=["id"], shape=ANY_OBJECT, tag="public")},
    "/api/v1/status/{host}": {"get": op("A host's last-known status (pingy's shape)", auth=False, params=["host"], shape=ANY_OBJECT, tag="public")},
    "/api/v1/checks": {"post": op("A live check now (pingy's shape)", auth=False, body=OBJ, tag="public")},
    "/api/dns-lookup": {"post": op("DNS lookup (PingFlow's shape)", auth=False, body=OBJ, shape=ANY_OBJECT, tag="public")},
    "/api/v1/dns": {"get": op("DNS lookup (PingFlow's shape)", auth=False, query=[("domain", TEXT)], shape=ANY_OBJECT, tag="public")},
    "/api/port-scan": {"post": op("TCP port scan (PingFlow's shape)", auth=False, body=OBJ, shape=ANY_OBJECT, tag="public")},
    "/mcp": {"post": op("MCP over streamable HTTP (JSON-RPC 2.0)", body=OBJ, shape=ANY_OBJECT, tag="mcp")},
    # A static file (web/api/openapi.json), answered before the Worker runs: no rate limit.
    "/api/openapi.json": {"get": op("This document", auth=False, shape=ANY_OBJECT, tag="api", limited=False)},
    "/api/v1/account/me": {"get": op("The credential's user with Knowledge Points (PingFlow's shape)", shape=ref("AccountMe"), tag="forum")},
    "/api/v1/forum/threads": {
        "get": op("Forum threads, pinned first", auth=False, query=PAGE + THREAD_FILTERS, shape="List", tag="forum"),
        "post": op("Open a thread", body=ref("NewThread"), ok="201", tag="forum")},
    "/api/v1/forum/threads/{id}": {
        "get": op("A thread with a page of its posts", auth=False, params=["id"], query=PAGE, tag="forum"),
        "patch": op("Retitle (author, within the edit window), pin or lock (moderators)", params=["id"], body=ref("ThreadChange"), tag="forum")},
    "/api/v1/forum/threads/{id}/posts": {"post": op("Reply", params=["id"], body=ref("PostBody"), ok="201", tag="forum")},
    "/api/v1/forum/threads/{id}/accept": {"post": op("Accept a reply as the answer (the thread's author)", params=["id"], body=ref("Accept"), tag="forum")},
    "/api/v1/forum/posts/{id}": {
        "patch": op("Edit one's post within the edit window", params=["id"], body=ref("PostBody"), tag="forum"),
        "delete": op("Delete one's post, or remove any (moderators)", params=["id"], ok="204", shape=None, tag="forum")},
    "/api/v1/forum/posts/{id}/vote": {
        "post": op("Upvote a post (once; never one's own)", params=["id"], ok="201", tag="forum"),
        "delete": op("Take one's vote back", params=["id"], ok="204", shape=None, tag="forum")},
    "/api/v1/forum/posts/{id}/report": {"post": op("Report a post to the moderators", params=["id"], body=ref("Report"), ok="201", tag="forum")},
    "/api/v1/forum/reports": {"get": op("Open reports, newest first (moderators)", query=PAGE, shape="List", tag="forum")},
    "/api/v1/forum/reports/{id}": {"delete": op("Dismiss a report (moderators)", params=["id"], ok="204", shape=None, tag="forum")},
    "/api/v1/services/{id}/threads": {"get": op("The forum threads linked to a catalogue service", auth=False, params=["id"], query=PAGE + THREAD_FILTERS, shape="List", tag="public")},
}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "Pingwarden", "version": "0.1.0",
             "description": "Uptime checks, heartbeats, incidents, status pages, notifications, a live stream and public tools."},
    "servers": [{"url": "http://127.0.0.1:8787"}],
    "security": [{"bearer": []}, {"apiKey": []}],
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "An API key (pw_live_…) or a user's token"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}},
        "schemas": SCHEMAS, "responses": RESPONSES, "headers": RATE_HEADERS},
    "paths": PATHS,
}

if __name__ == "__main__":
    with open(os.path.join(ROOT, "web", "api", "openapi.json"), "w", encoding="utf-8") as out:
        json.dump(DOCUMENT, out, separators=(",", ":"), sort_keys=True)
        out.write("\n")
