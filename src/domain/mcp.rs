//! The MCP server's rules, apart from HTTP: the JSON-RPC 2.0 envelopes, the
//! protocol versions spoken, and the tools (PingBase's seven and four more),
//! each with a JSON Schema for its input and the API call it makes. A tool
//! is an API request on the caller's behalf, so the API's validation,
//! scopes and limits are the tools' own.

use serde_json::{json, Map, Value};

/// Protocol versions this server speaks, newest first.
pub const PROTOCOL_VERSIONS: [&str; 4] = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

/// JSON-RPC error codes.
pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;

/// The version to answer `initialize` with: the client's when spoken here,
/// else the newest (the client then decides whether to go on).
pub fn negotiate(requested: Option<&str>) -> &'static str {
    PROTOCOL_VERSIONS
        .iter()
        .find(|v| Some(**v) == requested)
        .copied()
        .unwrap_or(PROTOCOL_VERSIONS[0])
}

pub fn result(id: &Value, result: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "result": result })
}

pub fn error(id: &Value, code: i64, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

/// The API request a tool makes.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiCall {
    pub method: &'static str,
    pub path: String,
    pub body: Option<Value>,
}

struct Tool {
    name: &'static str,
    description: &'static str,
    /// Properties of the input object, and which are required.
    properties: fn() -> Value,
    required: &'static [&'static str],
}

fn id_property(what: &str) -> Value {
    json!({ "type": "string", "description": format!("The {what}'s id") })
}

const TOOLS: &[Tool] = &[
    Tool {
        name: "list_monitors",
        description: "List the organization's monitors with their status, filtered by status, type or tag.",
        properties: || json!({
            "status": { "type": "string", "enum": ["pending", "up", "down", "paused"] },
            "type": { "type": "string", "enum": ["http", "tcp", "dns", "heartbeat"] },
            "tag": { "type": "string" },
            "limit": { "type": "integer", "minimum": 1, "maximum": 200 },
        }),
        required: &[],
    },
    Tool {
        name: "create_monitor",
        description: "Create a monitor: http (url), tcp (host, port), dns (host, record_type) or heartbeat (interval_seconds, grace_seconds; answers the ping URL).",
        properties: || json!({
            "name": { "type": "string" },
            "type": { "type": "string", "enum": ["http", "tcp", "dns", "heartbeat"], "default": "http" },
            "url": { "type": "string", "description": "http: the URL to check" },
            "host": { "type": "string", "description": "tcp and dns: the host" },
            "port": { "type": "integer", "description": "tcp: the port" },
            "record_type": { "type": "string", "description": "dns: A, AAAA, MX, TXT, CNAME or NS" },
            "interval_seconds": { "type": "integer", "description": "How often to check, or a heartbeat's period" },
            "grace_seconds": { "type": "integer", "description": "heartbeat: how late a ping may be" },
        }),
        required: &["name"],
    },
    Tool {
        name: "delete_monitor",
        description: "Delete a monitor and its history.",
        properties: || json!({ "monitor_id": id_property("monitor") }),
        required: &["monitor_id"],
    },
    Tool {
        name: "get_monitor_status",
        description: "A monitor's current status and settings.",
        properties: || json!({ "monitor_id": id_property("monitor") }),
        required: &["monitor_id"],
    },
    Tool {
        name: "list_incidents",
        description: "List incidents, newest first, filtered by status or monitor.",
        properties: || json!({
            "status": { "type": "string", "enum": ["investigating", "identified", "monitoring", "resolved"] },
            "monitor_id": { "type": "string" },
            "limit": { "type": "integer", "minimum": 1, "maximum": 200 },
        }),
        required: &[],
    },
    Tool {
        name: "create_incident",
        description: "Open a manual incident, optionally about some monitors.",
        properties: || json!({
            "title": { "type": "string" },
            "message": { "type": "string" },
            "status": { "type": "string", "enum": ["investigating", "identified", "monitoring", "resolved"] },
            "impact": { "type": "string", "enum": ["none", "minor", "major", "critical"] },
            "monitor_ids": { "type": "array", "items": { "type": "string" } },
        }),
        required: &["title"],
    },
    Tool {
        name: "update_incident",
        description: "Post an update to an incident (status and message), or change its title or impact; status resolved resolves it.",
        properties: || json!({
            "incident_id": id_property("incident"),
            "status": { "type": "string", "enum": ["investigating", "identified", "monitoring", "resolved"] },
            "message": { "type": "string" },
            "title": { "type": "string" },
            "impact": { "type": "string", "enum": ["none", "minor", "major", "critical"] },
        }),
        required: &["incident_id"],
    },
    Tool {
        name: "get_status_page",
        description: "A status page's settings and public URL.",
        properties: || json!({ "page_id": id_property("status page") }),
        required: &["page_id"],
    },
    Tool {
        name: "list_pings",
        description: "A heartbeat monitor's pings and missed deadlines, newest first.",
        properties: || json!({
            "monitor_id": id_property("monitor"),
            "limit": { "type": "integer", "minimum": 1, "maximum": 200 },
        }),
        required: &["monitor_id"],
    },
    Tool {
        name: "pause_monitor",
        description: "Pause a monitor: its checks stop until it is resumed.",
        properties: || json!({ "monitor_id": id_property("monitor") }),
        required: &["monitor_id"],
    },
    Tool {
        name: "resume_monitor",
        description: "Resume a paused monitor.",
        properties: || json!({ "monitor_id": id_property("monitor") }),
        required: &["monitor_id"],
    },
];

/// `tools/list`: every tool with its input schema.
pub fn tool_list() -> Value {
    let tools: Vec<Value> = TOOLS
        .iter()
        .map(|tool| {
            json!({
                "name": tool.name,
                "description": tool.description,
                "inputSchema": {
                    "type": "object",
                    "properties": (tool.properties)(),
                    "required": tool.required,
                    "additionalProperties": false,
                },
            })
        })
        .collect();
    json!({ "tools": tools })
}

/// An id going into a path: the API's id alphabet only.
fn path_id(args: &Map<String, Value>, field: &str) -> Result<String, String> {
    let id = args
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{field} is required and must be a string"))?;
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(format!("{field} is not an id"));
    }
    Ok(id.to_string())
}

/// A query string of the given arguments that are present.
fn query(args: &Map<String, Value>, fields: &[&str]) -> String {
    let pairs: Vec<String> = fields
        .iter()
        .filter_map(|field| {
            let value = match args.get(*field)? {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Some(format!(
                "{field}={}",
                percent_encoding::utf8_percent_encode(&value, percent_encoding::NON_ALPHANUMERIC)
            ))
        })
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// The fields of `args` named, as a JSON body.
fn body(args: &Map<String, Value>, fields: &[&str]) -> Value {
    Value::Object(
        fields
            .iter()
            .filter_map(|f| args.get(*f).map(|v| (f.to_string(), v.clone())))
            .collect(),
    )
}

/// The API call a tool's arguments make; an error for an unknown tool or
/// arguments that cannot make one (JSON-RPC's invalid params).
pub fn api_call(name: &str, args: &Map<String, Value>) -> Result<ApiCall, String> {
    let tool = TOOLS
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| format!("unknown tool {name:?}"))?;
    let allowed: Vec<String> = (tool.properties)()
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    if let Some(unknown) = args.keys().find(|k| !allowed.contains(k)) {
        return Err(format!("{name} takes no argument {unknown:?}"));
    }
    let call = |method, path: String, body| Ok(ApiCall { method, path, body });
    let monitor = || path_id(args, "monitor_id").map(|id| format!("/api/v1/monitors/{id}"));
    match name {
        "list_monitors" => call(
            "GET",
            format!("/api/v1/monitors{}", query(args, &["status", "type", "tag", "limit"])),
            None,
        ),
        "create_monitor" => {
            let mut fields = body(
                args,
                &[
                    "name",
                    "type",
                    "url",
                    "host",
                    "port",
                    "record_type",
                    "interval_seconds",
                    "grace_seconds",
                ],
            );
            fields.as_object_mut().map(|f| f.entry("type").or_insert(json!("http")));
            call("POST", "/api/v1/monitors".into(), Some(fields))
        }
        "delete_monitor" => call("DELETE", monitor()?, None),
        "get_monitor_status" => call("GET", monitor()?, None),
        "list_incidents" => call(
            "GET",
            format!("/api/v1/incidents{}", query(args, &["status", "monitor_id", "limit"])),
            None,
        ),
        "create_incident" => call(
            "POST",
            "/api/v1/incidents".into(),
            Some(body(args, &["title", "message", "status", "impact", "monitor_ids"])),
        ),
        "update_incident" => {
            let incident = path_id(args, "incident_id")?;
            if args.contains_key("message") {
                call(
                    "POST",
                    format!("/api/v1/incidents/{incident}/updates"),
                    Some(body(args, &["status", "message"])),
                )
            } else {
                call(
                    "PATCH",
                    format!("/api/v1/incidents/{incident}"),
                    Some(body(args, &["title", "status", "impact"])),
                )
            }
        }
        "get_status_page" => call(
            "GET",
            format!("/api/v1/status-pages/{}", path_id(args, "page_id")?),
            None,
        ),
        "list_pings" => call("GET", format!("{}/pings{}", monitor()?, query(args, &["limit"])), None),
        "pause_monitor" => call("POST", format!("{}/pause", monitor()?), None),
        "resume_monitor" => call("POST", format!("{}/resume", monitor()?), None),
        _ => Err(format!("unknown tool {name:?}")),
    }
}

/// A tool's result from the API's answer: the JSON as text for a model to
/// read, the same as structured content, and `isError` for a 4xx or 5xx
/// (whose message is the API's).
pub fn tool_result(status: u16, answer: Value) -> Value {
    let failed = status >= 400;
    let text = if failed {
        format!(
            "error {status} ({}): {}",
            answer["code"].as_str().unwrap_or("error"),
            answer["error"].as_str().unwrap_or("the request failed")
        )
    } else if answer.is_null() {
        "done".to_string()
    } else {
        answer.to_string()
    };
    let structured = match answer {
        Value::Object(_) => answer,
        Value::Null => json!({ "status": status }),
        other => json!({ "result": other }),
    };
    json!({ "content": [{ "type": "text", "text": text }], "structuredContent": structured, "isError": failed })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn every_tool_is_listed_with_an_object_schema() {
        let listed = tool_list();
        let names: Vec<&str> = listed["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        for name in [
            "list_monitors",
            "create_monitor",
            "delete_monitor",
            "get_monitor_status",
            "list_incidents",
            "create_incident",
            "update_incident",
            "get_status_page",
            "list_pings",
            "pause_monitor",
            "resume_monitor",
        ] {
            assert!(names.contains(&name), "{name}");
        }
        assert!(listed["tools"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["inputSchema"]["type"] == "object"));
    }

    #[test]
    fn tools_become_api_calls() {
        let created = api_call(
            "create_monitor",
            &args(json!({ "name": "shop", "url": "https://shop.example" })),
        )
        .unwrap();
        assert_eq!((created.method, created.path.as_str()), ("POST", "/api/v1/monitors"));
        assert_eq!(created.body.unwrap()["type"], "http");
        let listed = api_call("list_monitors", &args(json!({ "status": "down", "tag": "a b" }))).unwrap();
        assert_eq!(listed.path, "/api/v1/monitors?status=down&tag=a%20b");
        let update = api_call(
            "update_incident",
            &args(json!({ "incident_id": "inc_1", "status": "resolved", "message": "ok" })),
        )
        .unwrap();
        assert_eq!(
            (update.method, update.path.as_str()),
            ("POST", "/api/v1/incidents/inc_1/updates")
        );
        let rename = api_call(
            "update_incident",
            &args(json!({ "incident_id": "inc_1", "title": "x" })),
        )
        .unwrap();
        assert_eq!(rename.method, "PATCH");
        assert_eq!(
            api_call("pause_monitor", &args(json!({ "monitor_id": "mon_1" })))
                .unwrap()
                .path,
            "/api/v1/monitors/mon_1/pause"
        );
    }

    #[test]
    fn bad_arguments_are_refused_before_any_request() {
        assert!(api_call("dance", &Map::new()).unwrap_err().contains("unknown tool"));
        assert!(api_call("delete_monitor", &Map::new())
            .unwrap_err()
            .contains("monitor_id"));
        assert!(api_call("delete_monitor", &args(json!({ "monitor_id": "../api-keys" }))).is_err());
        assert!(
            api_call("get_monitor_status", &args(json!({ "monitor_id": "mon_1", "x": 1 })))
                .unwrap_err()
                .contains("\"x\"")
        );
    }

    #[test]
    fn results_carry_text_structure_and_errors() {
        let ok = tool_result(200, json!({ "data": { "id": "mon_1" } }));
        assert_eq!(ok["isError"], false);
        assert_eq!(ok["structuredContent"]["data"]["id"], "mon_1");
        let refused = tool_result(403, json!({ "code": "insufficient_scope", "error": "read only" }));
        assert_eq!(refused["isError"], true);
        assert!(refused["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("insufficient_scope"));
        assert_eq!(tool_result(204, Value::Null)["content"][0]["text"], "done");
        assert_eq!(negotiate(Some("2025-06-18")), "2025-06-18");
        assert_eq!(negotiate(Some("1999-01-01")), "2025-11-25");
    }
}
