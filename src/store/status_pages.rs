//! `status_pages`, and the reads a public page is drawn from: its monitors'
//! current statuses, their daily rollups and their incidents.

use super::{all, execute, first, statement, Arg, Db};
use crate::domain::status_page::PageSpec;
use serde::Deserialize;
use worker::Result;

const COLUMNS: &str = "id, org_id, slug, title, description, sections, created_at, updated_at";

#[derive(Debug, Clone, Deserialize)]
pub struct PageRow {
    pub id: String,
    pub org_id: String,
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    /// JSON of `Vec<domain::status_page::Section>`.
    pub sections: String,
    pub created_at: String,
    pub updated_at: String,
}

impl PageRow {
    pub fn spec(&self) -> serde_json::Result<PageSpec> {
        Ok(PageSpec {
            slug: self.slug.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            sections: serde_json::from_str(&self.sections)?,
        })
    }
}

/// Inserts a page unless the organization has `max_pages` already (false).
/// A taken slug fails with a UNIQUE violation.
pub async fn create(db: &Db, id: &str, org_id: &str, spec: &PageSpec, max_pages: i64, now: &str) -> Result<bool> {
    let sections = serde_json::to_string(&spec.sections)?;
    let sql = "INSERT INTO status_pages (id, org_id, slug, title, description, sections, created_at, updated_at)
        SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7 WHERE (SELECT COUNT(*) FROM status_pages WHERE org_id = ?2) < ?8";
    let args = [
        id.into(),
        org_id.into(),
        (&spec.slug).into(),
        (&spec.title).into(),
        spec.description.as_deref().into(),
        (&sections).into(),
        now.into(),
        max_pages.into(),
    ];
    Ok(execute(db, sql, &args).await? == 1)
}

pub async fn update(db: &Db, org_id: &str, id: &str, spec: &PageSpec, now: &str) -> Result<bool> {
    let sections = serde_json::to_string(&spec.sections)?;
    let sql = "UPDATE status_pages SET slug = ?3, title = ?4, description = ?5, sections = ?6, updated_at = ?7 WHERE id = ?1 AND org_id = ?2";
    let args = [
        id.into(),
        org_id.into(),
        (&spec.slug).into(),
        (&spec.title).into(),
        spec.description.as_deref().into(),
        (&sections).into(),
        now.into(),
    ];
    Ok(execute(db, sql, &args).await? == 1)
}

pub async fn delete(db: &Db, org_id: &str, id: &str) -> Result<bool> {
    Ok(execute(
        db,
        "DELETE FROM status_pages WHERE id = ?1 AND org_id = ?2",
        &[id.into(), org_id.into()],
    )
    .await?
        == 1)
}

pub async fn get(db: &Db, org_id: &str, id: &str) -> Result<Option<PageRow>> {
    first(
        db,
        &format!("SELECT {COLUMNS} FROM status_pages WHERE id = ?1 AND org_id = ?2"),
        &[id.into(), org_id.into()],
    )
    .await
}

pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<PageRow>> {
    first(
        db,
        &format!("SELECT {COLUMNS} FROM status_pages WHERE slug = ?1"),
        &[slug.into()],
    )
    .await
}

pub async fn list(db: &Db, org_id: &str) -> Result<Vec<PageRow>> {
    all(
        db,
        &format!("SELECT {COLUMNS} FROM status_pages WHERE org_id = ?1 ORDER BY created_at, id"),
        &[org_id.into()],
    )
    .await
}

/// The slugs of an organization's pages (to drop them from the cache).
pub async fn slugs(db: &Db, org_id: &str) -> Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Slug {
        slug: String,
    }
    let rows: Vec<Slug> = all(db, "SELECT slug FROM status_pages WHERE org_id = ?1", &[org_id.into()]).await?;
    Ok(rows.into_iter().map(|row| row.slug).collect())
}

/// A shown monitor's name and current status.
#[derive(Debug, Clone, Deserialize)]
pub struct ShownMonitor {
    pub id: String,
    pub name: String,
    pub status: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RollupRow {
    pub monitor_id: String,
    pub day: String,
    pub downtime_seconds: i64,
    pub observed_seconds: i64,
    pub maintenance_seconds: i64,
}

/// Everything a page shows but its incidents, in one batch of reads:
/// the monitors (of the page's organization only) and their rollups since `from_day`.
pub async fn shown(
    db: &Db,
    org_id: &str,
    ids_json: &str,
    from_day: &str,
) -> Result<(Vec<ShownMonitor>, Vec<RollupRow>)> {
    let results = db
        .batch(vec![
            statement(db, "SELECT id, name, status FROM monitors WHERE org_id = ?1 AND id IN (SELECT value FROM json_each(?2))", &[org_id.into(), ids_json.into()])?,
            statement(
                db,
                "SELECT r.monitor_id, r.day, r.downtime_seconds, r.observed_seconds, r.maintenance_seconds FROM daily_rollups r
                 WHERE r.monitor_id IN (SELECT m.id FROM monitors m WHERE m.org_id = ?1 AND m.id IN (SELECT value FROM json_each(?2))) AND r.day >= ?3",
                &[org_id.into(), ids_json.into(), Arg::Text(from_day)],
            )?,
        ])
        .await?;
    let monitors = results.first().map(|r| r.results()).transpose()?.unwrap_or_default();
    let rollups = results.get(1).map(|r| r.results()).transpose()?.unwrap_or_default();
    Ok((monitors, rollups))
}
