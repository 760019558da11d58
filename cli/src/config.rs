//! Where the deployment is and who calls it: `PINGWARDEN_API_URL` and
//! `PINGWARDEN_API_KEY` (PingBase's `PINGBASE_*` names too), else the file
//! `pingwarden login` writes (`$PINGWARDEN_CONFIG`, or
//! `~/.config/pingwarden/config.json`).

use serde_json::{json, Value};
use std::path::PathBuf;

/// Where a fresh `make dev` serves the API.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8787";

pub struct Config {
    pub url: String,
    pub credential: Option<String>,
}

fn env(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|name| std::env::var(name).ok())
        .filter(|v| !v.trim().is_empty())
}

pub fn path() -> PathBuf {
    if let Some(path) = env(&["PINGWARDEN_CONFIG"]) {
        return PathBuf::from(path);
    }
    let home = env(&["XDG_CONFIG_HOME"])
        .map(PathBuf::from)
        .or_else(|| env(&["HOME"]).map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    home.join("pingwarden").join("config.json")
}

impl Config {
    pub fn load() -> Result<Config, String> {
        let saved: Value = std::fs::read_to_string(path())
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or(Value::Null);
        let url = env(&["PINGWARDEN_API_URL", "PINGBASE_API_URL"])
            .or_else(|| saved["url"].as_str().map(str::to_string))
            .unwrap_or_else(|| DEFAULT_URL.to_string());
        let credential =
            env(&["PINGWARDEN_API_KEY", "PINGBASE_API_KEY"]).or_else(|| saved["token"].as_str().map(str::to_string));
        Ok(Config {
            url: url.trim_end_matches('/').to_string(),
            credential,
        })
    }

    /// Keeps a signed-in user's token (readable by the user only).
    pub fn save_login(url: &str, token: &str) -> Result<PathBuf, String> {
        let path = path();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let text = json!({ "url": url, "token": token }).to_string();
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
        Ok(path)
    }
}
