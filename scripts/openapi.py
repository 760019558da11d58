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
    "Data": {"type": "object", "required": ["data"], "properties": {"data": {}}},
    "List": {"type": "object", "required": ["data", "count"], "properties": {
        "data": {"type": "array", "items": {}}, "count": {"type": "integer"}, "next_cursor": TEXT}},
    "MonitorInput": {"type": "object", "properties": {
        "type": {"type": "string", "enum": ["http", "tcp", "dns", "heartbeat"]}, "name": TEXT, "url": TEXT,
        "host": TEXT, "port": {"type": "integer"}, "record_type": TEXT, "interval_seconds": {"type": "integer"},
        "grace_seconds": {"type": "integer"}, "tags": {"type": "array", "items": TEXT}}},
    "Credentials": {"type": "object", "required": ["email", "password"], "properties": {
        "email": TEXT, "password": TEXT, "name": TEXT}},
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


def op(summary, *, auth=True, params=(), query=(), body=None, ok="200", shape="Data", content="application/json",
       tag="api", limited=True):
    success = {"description": "OK"}
    if shape is not None:
        schema = (ref(shape) if isinstance(shape, str) else shape) if content == "application/json" else TEXT
        success["content"] = {content: {"schema": schema}}
    if limited:
        success["headers"] = {h: {"$ref": f"#/components/headers/{h}"} for h in RATE_HEADERS}
    responses = {ok: success}
    if content != "application/json":
        # A page or badge that is not found is said in its own kind.
        responses["404"] = {"description": "Not found", "content": {content: {"schema": TEXT}, "application/json": {"schema": ref("Error")}}}
    for code, name, _ in ERRORS:
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

PATHS = {
    "/api/health": {"get": op("Liveness and D1", auth=False, shape=ANY_OBJECT)},
    "/api/v1/auth/register": {"post": op("Register a user and their organization", auth=False, body=ref("Credentials"), ok="201")},
    "/api/v1/auth/login": {"post": op("Sign in: a token", auth=False, body=ref("Credentials"))},
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
    "/api/v1/monitors/{id}": {
        "get": op("A monitor", params=["id"]),
        "patch": op("Change a monitor", params=["id"], body=ref("MonitorInput")),
        "delete": op("Delete a monitor", params=["id"], ok="204", shape=None)},
    "/api/v1/monitors/{id}/pause": {"post": op("Pause", params=["id"])},
    "/api/v1/monitors/{id}/resume": {"post": op("Resume", params=["id"])},
    "/api/v1/monitors/{id}/checks": {"get": op("Check results", params=["id"], query=PAGE + [("status", TEXT), ("since", TEXT), ("until", TEXT)], shape="List")},
    "/api/v1/monitors/{id}/incidents": {"get": op("A monitor's incidents", params=["id"], query=PAGE, shape="List")},
    "/api/v1/monitors/{id}/uptime": {"get": op("Uptime 24h, 7d, 30d, 90d", params=["id"])},
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
    "/api/v1/live": {"get": op("The live stream (WebSocket)", ok="101", shape=None, tag="live")},
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
    "/api/v1/services": {"get": op("The catalogue of services", auth=False, query=[("category", TEXT), ("search", TEXT)], shape="List", tag="public")},
    "/api/v1/services/{id}/history": {"get": op("A service's 40-tick history (PingFlow's shape)", auth=False, params=["id"], shape=ANY_OBJECT, tag="public")},
    "/api/history/{id}": {"get": op("A service's 40-tick history (PingFlow's path)", auth=False, params=["id"], shape=ANY_OBJECT, tag="public")},
    "/api/v1/status/{host}": {"get": op("A host's last-known status (pingy's shape)", auth=False, params=["host"], shape=ANY_OBJECT, tag="public")},
    "/api/v1/checks": {"post": op("A live check now (pingy's shape)", auth=False, body=OBJ, tag="public")},
    "/api/dns-lookup": {"post": op("DNS lookup (PingFlow's shape)", auth=False, body=OBJ, shape=ANY_OBJECT, tag="public")},
    "/api/v1/dns": {"get": op("DNS lookup (PingFlow's shape)", auth=False, query=[("domain", TEXT)], shape=ANY_OBJECT, tag="public")},
    "/api/port-scan": {"post": op("TCP port scan (PingFlow's shape)", auth=False, body=OBJ, shape=ANY_OBJECT, tag="public")},
    "/mcp": {"post": op("MCP over streamable HTTP (JSON-RPC 2.0)", body=OBJ, shape=ANY_OBJECT, tag="mcp")},
    "/api/openapi.json": {"get": op("This document", auth=False, shape=ANY_OBJECT, tag="api")},
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
    with open(os.path.join(ROOT, "openapi.json"), "w", encoding="utf-8") as out:
        json.dump(DOCUMENT, out, separators=(",", ":"), sort_keys=True)
        out.write("\n")
