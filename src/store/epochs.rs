//! KV `epoch:{org_id}`: changes whenever something an organization's status
//! pages show changes (a monitor's status, name or membership of a page, an
//! incident). Public pages are cached under their organization's epoch, so a
//! change is seen on the next request instead of when a cache entry expires.

use worker::{console_error, Env, Result};

fn key(org_id: &str) -> String {
    format!("epoch:{org_id}")
}

pub async fn current(env: &Env, org_id: &str) -> Result<String> {
    crate::meter::kv_read();
    Ok(env.kv("CACHE")?.get(&key(org_id)).text().await?.unwrap_or_default())
}

/// Best effort: it runs after the change itself is stored, and KV takes
/// about one write a second per key, so a failure is logged, not returned;
/// cached pages then expire on their own within a minute (`s-maxage`).
pub async fn bump(env: &Env, org_id: &str) {
    let now = worker::Date::now().as_millis().to_string();
    crate::meter::kv_write();
    let written = async { Ok::<_, worker::Error>(env.kv("CACHE")?.put(&key(org_id), now)?.execute().await?) };
    if let Err(error) = written.await {
        console_error!("bumping the status-page epoch of {org_id} failed: {error}");
    }
}
