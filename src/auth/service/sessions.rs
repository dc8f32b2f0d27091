//! Browser sessions and API tokens: started, found again by their secret (with the hubs hub staff
//! are kept to), ended, and purged once expired or idle.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;

use super::{
    passwords::{hash_secret, new_secret},
    sign_in::THROTTLE_WINDOW,
};
use crate::{
    auth::{
        model::{Role, Staff},
        repo,
    },
    db::Db,
    entities::staff_user,
    error::AppError,
};

/// How long a browser stays signed in: a working day.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
const TOKEN_LIFETIME: Duration = Duration::days(90);

/// Deletes expired sessions and tokens, sessions idle longer than `idle`, and sign-in attempts
/// past the throttling window.
pub async fn purge(db: &Db, now: DateTime<Utc>, idle: Duration) -> Result<u64, AppError> {
    Ok(repo::purge(&db.write, now, now - THROTTLE_WINDOW, now - idle).await?)
}

/// The daily purge as `serve` runs it.
pub async fn purge_tick(db: &Db, idle: Duration) {
    match purge(db, Utc::now(), idle).await {
        Ok(rows) => tracing::info!(rows, "expired sessions, tokens and sign-in attempts purged"),
        Err(err) => tracing::error!(%err, "purge failed; will try again tomorrow"),
    }
}

/// Starts a browser session and returns the cookie's secret. Each sign-in gets a new one.
pub async fn start_session(
    db: &impl ConnectionTrait,
    staff: &Staff,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let secret = new_secret();
    repo::insert_session(db, hash_secret(&secret), staff.id(), now, now + SESSION_LIFETIME).await?;
    Ok(secret)
}

pub async fn end_session(db: &impl ConnectionTrait, secret: &str) -> Result<(), AppError> {
    repo::delete_session(db, &hash_secret(secret)).await?;
    Ok(())
}

/// The staff member signed in with session `secret`, unless it expired or went unused for
/// `idle`; marks it used.
pub async fn staff_for_session(
    db: &Db,
    secret: &str,
    now: DateTime<Utc>,
    idle: Duration,
) -> Result<Option<Staff>, AppError> {
    let id = hash_secret(secret);
    let staff = repo::staff_for_session(&db.read, &id, now, now - idle).await?;
    if staff.is_some() {
        repo::touch_session(&db.write, &id, now).await?;
    }
    scoped(&db.read, staff).await
}

/// The staff member of `row` with the hubs they are kept to: hub staff see only the hubs an
/// admin assigned them.
async fn scoped(
    db: &impl ConnectionTrait,
    row: Option<staff_user::Model>,
) -> Result<Option<Staff>, AppError> {
    let Some(row) = row else { return Ok(None) };
    let hubs = if row.role == Role::HubStaff {
        crate::staff::service::hubs_of(db, row.id).await?
    } else {
        Vec::new()
    };
    Ok(Some(Staff::new(row, hubs)))
}

/// A token as its owner sees it: never the secret, which is shown once when it is made.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: i32,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The caller's own unexpired API tokens, newest first.
pub async fn tokens(
    db: &impl ConnectionTrait,
    staff: &Staff,
    now: DateTime<Utc>,
) -> Result<Vec<TokenInfo>, AppError> {
    Ok(repo::tokens_of(db, staff.id(), now, 200)
        .await?
        .into_iter()
        .map(|t| TokenInfo {
            id: t.id,
            created_at: t.created_at,
            expires_at: t.expires_at,
        })
        .collect())
}

/// Revokes one of the caller's own tokens (404 for anyone else's).
pub async fn revoke_token(db: &impl ConnectionTrait, staff: &Staff, id: i32) -> Result<(), AppError> {
    if repo::delete_token(db, staff.id(), id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound("you have no API token with that id".into()))
    }
}

/// Issues an API bearer token for `staff`.
pub async fn issue_token(
    db: &impl ConnectionTrait,
    staff: &Staff,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), AppError> {
    let secret = new_secret();
    let expires_at = now + TOKEN_LIFETIME;
    repo::insert_token(db, hash_secret(&secret), staff.id(), now, expires_at).await?;
    Ok((secret, expires_at))
}

pub async fn staff_for_token(
    db: &impl ConnectionTrait,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<Staff>, AppError> {
    let row = repo::staff_for_token(db, &hash_secret(secret), now).await?;
    scoped(db, row).await
}
