//! The API over HTTP: one request, its JSON, and an API error as the
//! message to exit with.

use crate::config::Config;
use reqwest::blocking::Client;
use reqwest::Method;
use serde_json::Value;
use std::time::Duration;

pub struct Api {
    http: Client,
    pub url: String,
    pub credential: Option<String>,
}

impl Api {
    pub fn new(url: &str, credential: Option<String>) -> Result<Api, String> {
        let http = Client::builder()
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("pingwarden-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Api {
            http,
            url: url.trim_end_matches('/').to_string(),
            credential,
        })
    }

    pub fn from_config(config: &Config) -> Result<Api, String> {
        Api::new(&config.url, config.credential.clone())
    }

    /// The answer's JSON (`null` for an empty one), or the API's error.
    pub fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let body = body.map(|b| ("application/json", b.to_string()));
        let text = self.send(method, path, body)?;
        Ok(if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        })
    }

    /// The answer's text for a body of this content type, or the API's error.
    pub fn send(&self, method: Method, path: &str, body: Option<(&str, String)>) -> Result<String, String> {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(credential) = &self.credential {
            request = request.bearer_auth(credential);
        }
        if let Some((content_type, body)) = body {
            request = request.header("Content-Type", content_type).body(body);
        }
        let response = request
            .send()
            .map_err(|e| format!("{} did not answer: {e}", self.url))?;
        let status = response.status();
        let text = response.text().map_err(|e| e.to_string())?;
        if status.is_success() {
            return Ok(text);
        }
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let message = value["error"].as_str().unwrap_or("the request failed");
        let message = match value["field"].as_str() {
            Some(field) if !message.contains(field) => format!("{message} ({field})"),
            _ => message.to_string(),
        };
        let code = value["code"].as_str().unwrap_or("error");
        let hint = if status.as_u16() == 401 {
            " (set PINGWARDEN_API_KEY or run `pingwarden login`)"
        } else {
            ""
        };
        Err(format!("{} {code}: {message}{hint}", status.as_u16()))
    }

    pub fn get(&self, path: &str) -> Result<Value, String> {
        self.call(Method::GET, path, None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Result<Value, String> {
        self.call(Method::POST, path, Some(body))
    }

    /// Forwards one MCP message to the deployment's `/mcp` as is: its answer
    /// (`None` for a notification), or why not.
    pub fn mcp(&self, message: &str) -> Result<Option<String>, String> {
        let mut request = self
            .http
            .post(format!("{}/mcp", self.url))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .body(message.to_string());
        if let Some(credential) = &self.credential {
            request = request.bearer_auth(credential);
        }
        let response = request.send().map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let text = response.text().map_err(|e| e.to_string())?;
        match status {
            202 => Ok(None),
            200 => Ok(Some(text)),
            _ => Err(format!("{status}: {text}")),
        }
    }
}
