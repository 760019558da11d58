//! `pingwarden tail`: the live stream (`/api/v1/live`) as lines, one per
//! event after the `hello`, until interrupted or `--count` events.

use crate::api::Api;
use crate::commands::Output;
use serde_json::{json, Value};
use tungstenite::client::IntoClientRequest;
use tungstenite::Message;

pub fn follow(api: &Api, out: &Output, monitors: &[String], count: Option<usize>) -> Result<(), String> {
    let url = format!("{}/api/v1/live", api.url.replacen("http", "ws", 1));
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    if let Some(credential) = &api.credential {
        let value = format!("Bearer {credential}")
            .parse()
            .map_err(|_| "the key is not a valid header")?;
        request.headers_mut().insert("Authorization", value);
    }
    let (mut socket, _) = tungstenite::connect(request).map_err(|e| match e {
        tungstenite::Error::Http(response) => format!("the live stream answered {}", response.status()),
        other => format!("the live stream could not be reached: {other}"),
    })?;
    if !monitors.is_empty() {
        let subscribe = json!({ "type": "subscribe", "monitor_ids": monitors }).to_string();
        socket.send(Message::text(subscribe)).map_err(|e| e.to_string())?;
    }
    let mut seen = 0;
    while count.is_none_or(|count| seen < count) {
        let message = match socket.read().map_err(|e| e.to_string())? {
            Message::Text(text) => serde_json::from_str::<Value>(&text).map_err(|e| e.to_string())?,
            Message::Close(frame) => {
                return Err(format!(
                    "the stream closed: {}",
                    frame.map_or(String::new(), |f| f.reason.to_string())
                ))
            }
            _ => continue,
        };
        if matches!(message["type"].as_str(), Some("hello" | "subscribed" | "pong")) {
            continue;
        }
        seen += 1;
        if out.json {
            println!("{message}");
        } else {
            println!("{}", line(&message));
        }
    }
    Ok(())
}

/// An event in one line for people.
fn line(event: &Value) -> String {
    let text = |key: &str| event[key].as_str().unwrap_or("").to_string();
    let time = text("timestamp").get(11..19).unwrap_or("").to_string();
    match event["type"].as_str() {
        Some("telemetry_tick") => {
            let took = event["latency_ms"].as_i64().or(event["duration_ms"].as_i64());
            format!(
                "{time}  {:<8} {}  {} {}{}",
                text("kind"),
                text("name"),
                text("status"),
                took.map_or(String::new(), |ms| format!("{ms} ms")),
                event["status_code"]
                    .as_i64()
                    .map_or(String::new(), |code| format!(" HTTP {code}"))
            )
        }
        Some("status_changed") => format!(
            "{time}  changed  {}  {} -> {}  {}",
            text("name"),
            text("from"),
            text("to"),
            text("reason")
        ),
        Some("global_alert") => format!(
            "{time}  alert    {}  {}",
            text("event"),
            event["incident"]["title"].as_str().unwrap_or(&text("region"))
        ),
        _ => event.to_string(),
    }
}
