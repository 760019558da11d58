//! One function per command: its API requests, then its answer as a table
//! or a line for people, or as the API's JSON with `--json`.

pub mod forum;

use crate::api::Api;
use crate::config::Config;
use crate::table;
use reqwest::Method;
use serde_json::{json, Map, Value};
use std::io::{BufRead, Write};

pub struct Output {
    pub json: bool,
}

impl Output {
    /// The API's JSON, or what `human` prints.
    fn show(&self, value: &Value, human: impl FnOnce(&Value)) {
        if self.json {
            println!("{value}");
        } else {
            human(value);
        }
    }
}

const MONITOR_FIELDS: &[&str] = &["id", "name", "type", "status", "interval_seconds"];

pub fn login(out: &Output, email: &str, password: Option<String>, url: Option<String>) -> Result<(), String> {
    let url = url.unwrap_or(Config::load()?.url);
    let password = match password {
        Some(password) => password,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let api = Api::new(&url, None)?;
    let answer = api.post("/api/v1/auth/login", &json!({ "email": email, "password": password }))?;
    let token = answer["data"]["token"]
        .as_str()
        .ok_or("the login answer has no token")?;
    let path = Config::save_login(&url, token)?;
    out.show(&answer["data"], |_| {
        println!("Signed in to {url}; the token is kept in {}", path.display())
    });
    Ok(())
}

pub fn monitors(api: &Api, out: &Output, status: Option<String>, kind: Option<String>) -> Result<(), String> {
    let mut query = vec!["limit=200".to_string()];
    query.extend(status.map(|s| format!("status={s}")));
    query.extend(kind.map(|k| format!("type={k}")));
    list(
        api,
        out,
        &format!("/api/v1/monitors?{}", query.join("&")),
        MONITOR_FIELDS,
    )
}

/// A list route's `data` as a table of these fields.
pub fn list(api: &Api, out: &Output, path: &str, fields: &[&str]) -> Result<(), String> {
    let answer = api.get(path)?;
    out.show(&answer, |a| {
        table::print(a["data"].as_array().map_or(&[], Vec::as_slice), fields)
    });
    Ok(())
}

fn show_monitor(monitor: &Value) {
    table::print(std::slice::from_ref(monitor), MONITOR_FIELDS);
    for field in ["url", "host", "ping_url"] {
        if let Some(value) = monitor[field].as_str() {
            println!("{field}: {value}");
        }
    }
}

pub fn monitor(api: &Api, out: &Output, id: &str) -> Result<(), String> {
    let answer = api.get(&format!("/api/v1/monitors/{id}"))?;
    out.show(&answer, |a| show_monitor(&a["data"]));
    Ok(())
}

pub fn set_paused(api: &Api, out: &Output, id: &str, paused: bool) -> Result<(), String> {
    let action = if paused { "pause" } else { "resume" };
    let answer = api.post(&format!("/api/v1/monitors/{id}/{action}"), &json!({}))?;
    out.show(&answer, |a| show_monitor(&a["data"]));
    Ok(())
}

pub fn add(
    api: &Api,
    out: &Output,
    name: &str,
    url: Option<String>,
    kind: &str,
    interval: Option<u32>,
    grace: Option<u32>,
) -> Result<(), String> {
    let mut body = Map::new();
    body.insert("name".into(), json!(name));
    body.insert("type".into(), json!(kind));
    match (kind, url) {
        ("http", Some(url)) => {
            body.insert("url".into(), json!(url));
        }
        ("http", None) => return Err("add NAME URL: an http monitor needs a URL".into()),
        (_, Some(target)) => {
            body.insert("host".into(), json!(target));
        }
        (_, None) => {}
    }
    if let Some(interval) = interval {
        body.insert("interval_seconds".into(), json!(interval));
    }
    if let Some(grace) = grace {
        body.insert("grace_seconds".into(), json!(grace));
    }
    let answer = api.post("/api/v1/monitors", &Value::Object(body))?;
    out.show(&answer, |a| show_monitor(&a["data"]));
    Ok(())
}

pub fn status(api: &Api, out: &Output, id: &str) -> Result<(), String> {
    let monitor = api.get(&format!("/api/v1/monitors/{id}"))?;
    let uptime = api.get(&format!("/api/v1/monitors/{id}/uptime"))?;
    let both = json!({ "monitor": monitor["data"], "uptime": uptime["data"] });
    out.show(&both, |b| {
        let m = &b["monitor"];
        println!(
            "{} ({}) is {}",
            m["name"].as_str().unwrap_or("?"),
            m["id"].as_str().unwrap_or(id),
            m["status"].as_str().unwrap_or("?")
        );
        for window in ["24h", "7d", "30d", "90d"] {
            if let Some(pct) = b["uptime"]["windows"][window]["uptime_pct"].as_f64() {
                println!("uptime {window}: {pct}%");
            }
        }
    });
    Ok(())
}

pub fn delete(api: &Api, out: &Output, id: &str) -> Result<(), String> {
    api.call(Method::DELETE, &format!("/api/v1/monitors/{id}"), None)?;
    out.show(&json!({ "deleted": id }), |_| println!("Deleted {id}"));
    Ok(())
}

pub fn pings(api: &Api, out: &Output, id: &str, limit: u32) -> Result<(), String> {
    list(
        api,
        out,
        &format!("/api/v1/monitors/{id}/pings?limit={limit}"),
        &["id", "kind", "created_at", "exit_code", "duration_ms"],
    )
}

const INCIDENT_FIELDS: &[&str] = &["id", "title", "status", "impact", "started_at", "resolved_at"];

pub fn incidents(api: &Api, out: &Output) -> Result<(), String> {
    list(api, out, "/api/v1/incidents", INCIDENT_FIELDS)
}

pub fn create_incident(
    api: &Api,
    out: &Output,
    title: &str,
    message: Option<String>,
    impact: Option<String>,
    monitors: Vec<String>,
) -> Result<(), String> {
    let mut body = json!({ "title": title, "monitor_ids": monitors });
    if let Some(message) = message {
        body["message"] = json!(message);
    }
    if let Some(impact) = impact {
        body["impact"] = json!(impact);
    }
    let answer = api.post("/api/v1/incidents", &body)?;
    out.show(&answer, |a| {
        table::print(std::slice::from_ref(&a["data"]), INCIDENT_FIELDS)
    });
    Ok(())
}

pub fn update_incident(api: &Api, out: &Output, id: &str, status: &str, message: &str) -> Result<(), String> {
    let answer = api.post(
        &format!("/api/v1/incidents/{id}/updates"),
        &json!({ "status": status, "message": message }),
    )?;
    out.show(&answer, |_| println!("Incident {id} is {status}: {message}"));
    Ok(())
}

pub fn keys(api: &Api, out: &Output) -> Result<(), String> {
    list(
        api,
        out,
        "/api/v1/api-keys",
        &["id", "name", "prefix", "scopes", "last_used_at"],
    )
}

pub fn create_key(api: &Api, out: &Output, name: &str, write: bool) -> Result<(), String> {
    let scopes = if write {
        json!(["read", "write"])
    } else {
        json!(["read"])
    };
    let answer = api.post("/api/v1/api-keys", &json!({ "name": name, "scopes": scopes }))?;
    out.show(&answer, |a| {
        println!("{}", a["data"]["key"].as_str().unwrap_or_default());
        eprintln!(
            "Key {} created; the secret above is shown this once.",
            a["data"]["id"].as_str().unwrap_or("?")
        );
    });
    Ok(())
}

pub fn revoke_key(api: &Api, out: &Output, id: &str) -> Result<(), String> {
    api.call(Method::DELETE, &format!("/api/v1/api-keys/{id}"), None)?;
    out.show(&json!({ "revoked": id }), |_| println!("Revoked {id}"));
    Ok(())
}

/// MCP over stdio: each line on stdin is a JSON-RPC message, forwarded to
/// the deployment's `/mcp` with the configured key; each answer is a line
/// on stdout. A message that cannot be forwarded is answered with a
/// JSON-RPC error, so the client is never left waiting.
pub fn mcp(api: &Api) -> Result<(), String> {
    let stdout = std::io::stdout();
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| e.to_string())?;
        if line.trim().is_empty() {
            continue;
        }
        let reply = match api.mcp(&line) {
            Ok(reply) => reply,
            Err(why) => {
                let id = serde_json::from_str::<Value>(&line)
                    .ok()
                    .and_then(|m| m.get("id").cloned());
                id.map(|id| {
                    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": -32603, "message": why } }).to_string()
                })
            }
        };
        if let Some(reply) = reply {
            let mut out = stdout.lock();
            writeln!(out, "{reply}").map_err(|e| e.to_string())?;
            out.flush().map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn read_file(file: &str) -> Result<String, String> {
    if file == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| e.to_string())
    } else {
        std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))
    }
}

pub fn apply(api: &Api, out: &Output, file: &str, dry_run: bool, prune: bool) -> Result<(), String> {
    let text = read_file(file)?;
    let content_type = if file.ends_with(".json") {
        "application/json"
    } else {
        "application/yaml"
    };
    let path = format!("/api/v1/apply?dry_run={dry_run}&prune={prune}");
    report(
        out,
        &api.send(Method::POST, &path, Some((content_type, text)))?,
        dry_run,
    )
}

pub fn import_healthchecks(
    api: &Api,
    out: &Output,
    api_url: Option<String>,
    api_key: Option<String>,
    file: Option<String>,
    dry_run: bool,
) -> Result<(), String> {
    let body = match file {
        Some(file) => read_file(&file)?,
        None => {
            let api_key = api_key.ok_or("--api-key (or HC_API_KEY) is required with --api-url")?;
            serde_json::json!({ "api_url": api_url, "api_key": api_key }).to_string()
        }
    };
    let path = format!("/api/v1/import/healthchecks?dry_run={dry_run}");
    report(
        out,
        &api.send(Method::POST, &path, Some(("application/json", body)))?,
        dry_run,
    )
}

pub fn import_uptime_kuma(api: &Api, out: &Output, file: &str, dry_run: bool) -> Result<(), String> {
    let path = format!("/api/v1/import/uptime-kuma?dry_run={dry_run}");
    report(
        out,
        &api.send(Method::POST, &path, Some(("application/json", read_file(file)?)))?,
        dry_run,
    )
}

/// An apply's or import's report: each change, each skip, and the counts.
fn report(out: &Output, answer: &str, dry_run: bool) -> Result<(), String> {
    let value: Value = serde_json::from_str(answer).map_err(|e| e.to_string())?;
    out.show(&value, |value| {
        let data = &value["data"];
        for change in data["changes"].as_array().into_iter().flatten() {
            let id = change["id"].as_str().unwrap_or("(new)");
            println!(
                "{:<9} {:<11} {:<24} {id}",
                change["action"].as_str().unwrap_or(""),
                change["kind"].as_str().unwrap_or(""),
                change["key"].as_str().unwrap_or("")
            );
            if let Some(url) = change["ping_url"].as_str() {
                println!("          ping URL (shown once): {url}");
            }
        }
        for skipped in data["skipped"].as_array().into_iter().flatten() {
            println!(
                "skip      {:<36} {}",
                skipped["name"].as_str().unwrap_or(""),
                skipped["reason"].as_str().unwrap_or("")
            );
        }
        let s = &data["summary"];
        let verb = if dry_run { "would" } else { "did" };
        let skips = s.get("skip").map(|n| format!(", {n} skipped")).unwrap_or_default();
        println!(
            "{verb}: {} create, {} update, {} delete, {} unchanged{skips}",
            s["create"], s["update"], s["delete"], s["unchanged"]
        );
    });
    Ok(())
}

pub fn export(api: &Api, format: &str) -> Result<(), String> {
    print!(
        "{}",
        api.send(Method::GET, &format!("/api/v1/export?format={format}"), None)?
    );
    Ok(())
}
