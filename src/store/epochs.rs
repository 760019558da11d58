//! KV `epoch:{org_id}`: changes whenever something an organization's status
//! pages show changes (a monitor's status, name or membership of a page, an
//! incident). Public pages are cached under their organization's epoch, so a
//! change is seen on the next request instead of when a cache entry expires.

use worker::{Env, Result};

fn key(org_id: &str) -> String {
    format!("epoch:{org_id}")
}

pub async fn current(env: &Env, org_id: &str) -> Result<String> {
    Ok(env.kv("CACHE")?.get(&key(org_id)).text().await?.unwrap_or_default())
}

pub async fn bump(env: &Env, org_id: &str) -> Result<()> {
    let now = worker::Date::now().as_millis().to_string();
    env.kv("CACHE")?.put(&key(org_id), now)?.execute().await?;
    Ok(())
}
