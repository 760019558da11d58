//! `users`: accounts that sign in with an email and a password.

use super::{first, statement, Arg, Db};
use serde::Deserialize;
use worker::Result;

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub personal_org_id: String,
    pub created_at: String,
    /// Knowledge Points earned in the forums (`domain::points`).
    pub forum_points: i64,
}

#[derive(Debug, Deserialize)]
pub struct Credentials {
    pub id: String,
    pub password_hash: String,
}

pub struct NewAccount<'a> {
    pub user_id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub org_id: &'a str,
    pub org_name: &'a str,
    pub plan: &'a str,
    pub now: &'a str,
}

/// Creates the user, their personal organization and their owner membership
/// in one batch, so that none exists without the others. A duplicate email
/// fails the batch with a UNIQUE violation.
pub async fn create_with_organization(db: &Db, account: &NewAccount<'_>) -> Result<()> {
    let a = account;
    db.batch(vec![
        statement(db, "INSERT INTO organizations (id, name, plan, created_at) VALUES (?1, ?2, ?3, ?4)", &[a.org_id.into(), a.org_name.into(), a.plan.into(), a.now.into()])?,
        statement(
            db,
            "INSERT INTO users (id, email, name, password_hash, personal_org_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[a.user_id.into(), a.email.into(), a.name.into(), a.password_hash.into(), a.org_id.into(), a.now.into()],
        )?,
        statement(db, "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?1, ?2, 'owner', ?3)", &[a.org_id.into(), a.user_id.into(), a.now.into()])?,
    ])
    .await?;
    Ok(())
}

pub async fn credentials_by_email(db: &Db, email: &str) -> Result<Option<Credentials>> {
    first(
        db,
        "SELECT id, password_hash FROM users WHERE email = ?1",
        &[Arg::Text(email)],
    )
    .await
}

const COLUMNS: &str = "id, email, name, personal_org_id, created_at, forum_points";

pub async fn by_id(db: &Db, id: &str) -> Result<Option<User>> {
    first(db, &format!("SELECT {COLUMNS} FROM users WHERE id = ?1"), &[id.into()]).await
}

pub async fn by_email(db: &Db, email: &str) -> Result<Option<User>> {
    first(
        db,
        &format!("SELECT {COLUMNS} FROM users WHERE email = ?1"),
        &[email.into()],
    )
    .await
}

/// The user who made an API key (a key made before keys recorded their
/// maker has none).
pub async fn by_key(db: &Db, key_id: &str) -> Result<Option<User>> {
    first(
        db,
        &format!("SELECT {COLUMNS} FROM users WHERE id = (SELECT created_by FROM api_keys WHERE id = ?1)"),
        &[key_id.into()],
    )
    .await
}
