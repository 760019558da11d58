//! `POST /api/v1/auth/register`, `POST /api/v1/auth/login`, and the
//! dashboard's session: `POST` and `DELETE /api/v1/auth/session`.

use super::{created, limits, no_content, ok, read_json, required_str, Ctx};
use crate::api::credentials::password;
use crate::api::credentials::session;
use crate::domain::account::{display_name, normalize_email, validate_password};
use crate::domain::ids::{new_id, random_base62, sha256_hex};
use crate::domain::jwt;
use crate::domain::rate_limit::{Bucket, Rule, MINUTE_MS};
use crate::error::{ApiError, ApiResult};
use crate::store::{self, users::NewAccount};
use serde_json::{json, Map, Value};
use worker::{Request, Response};

/// Creates a user, their personal organization (they are its owner) and a token.
pub async fn register(ctx: &Ctx, mut req: Request) -> ApiResult<Response> {
    let body = read_json(&mut req).await?;
    let email = normalize_email(required_str(&body, "email")?)?;
    let password = required_str(&body, "password")?;
    validate_password(password)?;
    let name = match body.get("name") {
        None | Some(Value::Null) => display_name(None, &email)?,
        Some(Value::String(name)) => display_name(Some(name), &email)?,
        Some(_) => {
            return Err(ApiError::Invalid(crate::domain::validation::FieldError::new(
                "name",
                "name must be a string",
            )))
        }
    };
    if store::users::by_email(&ctx.db, &email).await?.is_some() {
        return Err(email_taken());
    }
    let password_hash = password::hash(password).await.map_err(ApiError::Internal)?;
    let (user_id, org_id, now) = (new_id("usr"), new_id("org"), ctx.now());
    let plan = ctx.config.default_plan.name;
    let org_name = format!("{name}'s organization");
    let account = NewAccount {
        user_id: &user_id,
        email: &email,
        name: &name,
        password_hash: &password_hash,
        org_id: &org_id,
        org_name: &org_name,
        plan,
        now: &now,
    };
    if let Err(error) = store::users::create_with_organization(&ctx.db, &account).await {
        // Two registrations of one email at once: the second fails on the unique index.
        return Err(if store::is_unique_violation(&error) {
            email_taken()
        } else {
            error.into()
        });
    }
    let (token, expires_ms) = jwt::issue(ctx.jwt_secret()?, &user_id, ctx.now_ms).map_err(ApiError::Internal)?;
    created(json!({
        "user": { "id": user_id, "email": email, "name": name, "created_at": now },
        "organization": { "id": org_id, "name": org_name, "plan": plan, "role": "owner" },
        "token": token,
        "expires_at": ctx.iso(expires_ms),
    }))
}

fn email_taken() -> ApiError {
    ApiError::conflict("email_taken", "an account with this email already exists")
}

/// Sign-in attempts allowed per account and per address in each window.
const SIGN_INS_PER_ACCOUNT: u32 = 10;
const SIGN_INS_PER_ADDRESS: u32 = 30;
const SIGN_IN_WINDOW_MS: i64 = 15 * MINUTE_MS;

/// Exchanges an email and password for a 7-day token. An unknown email and a
/// wrong password get the same answer, after the same work.
pub async fn login(ctx: &Ctx, mut req: Request) -> ApiResult<Response> {
    let body = read_json(&mut req).await?;
    let signed_in = sign_in(ctx, &req, &body).await?;
    ok(json!({ "token": signed_in.token, "expires_at": ctx.iso(signed_in.expires_ms), "user_id": signed_in.user_id }))
}

/// `POST /api/v1/auth/session`: signs in as `login` does, with the token in
/// the dashboard's cookies (`credentials::session`) rather than in the answer.
pub async fn open_session(ctx: &Ctx, mut req: Request) -> ApiResult<Response> {
    // Against login CSRF: another site cannot sign a browser in as someone else.
    session::require_same_origin(&req, &ctx.public_base(&req)?)?;
    let body = read_json(&mut req).await?;
    let signed_in = sign_in(ctx, &req, &body).await?;
    let max_age_s = (signed_in.expires_ms - ctx.now_ms) / 1000;
    let cookies = session::open(&signed_in.token, &random_base62(CSRF_TOKEN_CHARS), max_age_s);
    let answer = json!({ "user_id": signed_in.user_id, "expires_at": ctx.iso(signed_in.expires_ms) });
    with_cookies(created(answer)?, &cookies)
}

/// `DELETE /api/v1/auth/session`: the cookies are cleared. The token itself
/// stays valid until it expires (tokens cannot be revoked), but no page of
/// this browser holds it any more.
pub fn close_session() -> ApiResult<Response> {
    with_cookies(no_content()?, &session::close())
}

fn with_cookies(mut response: Response, cookies: &[String]) -> ApiResult<Response> {
    let headers = response.headers_mut();
    for cookie in cookies {
        headers.append("Set-Cookie", cookie)?;
    }
    headers.set("Cache-Control", "no-store")?;
    Ok(response)
}

/// Characters of the CSRF cookie's random value.
const CSRF_TOKEN_CHARS: usize = 32;

struct SignedIn {
    token: String,
    expires_ms: i64,
    user_id: String,
}

/// Checks an email and password; a token for the user.
async fn sign_in(ctx: &Ctx, req: &Request, body: &Map<String, Value>) -> ApiResult<SignedIn> {
    let email = required_str(body, "email")?.trim().to_lowercase();
    let password = required_str(body, "password")?;
    // Against password guessing: attempts per account, and per address.
    let sign_ins = |limit| vec![Rule::new("sign_ins", limit, SIGN_IN_WINDOW_MS, 1)];
    let account = Bucket::Login(sha256_hex(&email)[..32].to_string());
    limits::spend(ctx, &account, sign_ins(SIGN_INS_PER_ACCOUNT)).await?;
    limits::spend(ctx, &Bucket::Ip(limits::address(req)), sign_ins(SIGN_INS_PER_ADDRESS)).await?;
    let refused = ApiError::Unauthorized("invalid email or password");
    let Some(user) = store::users::credentials_by_email(&ctx.db, &email).await? else {
        password::verify_nothing(password).await;
        return Err(refused);
    };
    if !password::verify(password, &user.password_hash)
        .await
        .map_err(ApiError::Internal)?
    {
        return Err(refused);
    }
    let (token, expires_ms) = jwt::issue(ctx.jwt_secret()?, &user.id, ctx.now_ms).map_err(ApiError::Internal)?;
    Ok(SignedIn {
        token,
        expires_ms,
        user_id: user.id,
    })
}
