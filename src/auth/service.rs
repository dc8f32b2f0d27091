//! Signing in and out, sessions, tokens, staff accounts and first-run set-up. Passwords are
//! argon2id, hashed off the async threads; secrets are random and stored only as SHA-256 hashes.

use std::fmt::Write;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, SqlErr};
use sha2::{Digest, Sha256};

use super::{
    model::{Action, Role, Staff, check_password, parse_email},
    repo,
};
use crate::audit::AuditAction;
use crate::{
    audit::{self, Actor, EntityRef, NewEvent},
    db::{self, Db},
    entities::staff_user,
    error::{AppError, FieldError},
    organisations::{
        self,
        model::{AssetPrefix, parse_name},
    },
};

/// How long a browser stays signed in: a working day.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
const TOKEN_LIFETIME: Duration = Duration::days(90);
/// Sign-in attempts allowed from one address for one email in [`THROTTLE_WINDOW`]...
const MAX_ATTEMPTS_PER_EMAIL: u64 = 5;
/// ...and from one address for any emails: enough for a hub's shared connection.
const MAX_ATTEMPTS_PER_ADDRESS: u64 = 50;
const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// How long a sign-in waits for a free password check before it is told to try again.
const CHECK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// One argon2 check per core at a time: each takes 19 MiB and a core for tens of milliseconds,
/// and a flood of them must queue here, not in 512 blocking threads.
static PASSWORD_CHECKS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZero::get))
});

/// Runs an argon2 job when a core is free for it, or answers 429 when none comes free in time.
async fn with_password_check<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let busy = || {
        AppError::TooManyRequests("lendhub is busy checking other sign-ins. Try again in a moment.".into())
    };
    let _permit = tokio::time::timeout(CHECK_WAIT, PASSWORD_CHECKS.acquire())
        .await
        .map_err(|_| busy())?
        .map_err(|_| busy())?;
    tokio::task::spawn_blocking(job).await.map_err(AppError::internal)
}

/// A fresh random secret, URL-safe.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored in place of a secret.
pub fn hash_secret(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

/// The SHA-256 of `bytes` in lower-case hexadecimal.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

pub async fn hash_password(password: String) -> Result<String, AppError> {
    with_password_check(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|err| AppError::Internal(err.to_string().into()))
    })
    .await?
}

async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    with_password_check(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
}

/// Hashed once so that an unknown email costs as much time as a wrong password.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1xR8b6oH1E0mUSm0kOMqHCNdp/pAOyrJsDq9MNVC9Zo";

/// Checks an email and password signing in from `address` (the client's IP address). Each
/// attempt is recorded before the password is checked, so parallel guesses count as they arrive:
/// from one address, five attempts at one email or fifty at any in 15 minutes, and the rest wait
/// out the window, whichever instance they reach. Attempts from elsewhere are not held up, so
/// nobody can lock a colleague out from their own address.
pub async fn sign_in(
    db: &Db,
    email: &str,
    password: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<Staff, AppError> {
    let email = email.trim().to_lowercase();
    let since = now - THROTTLE_WINDOW;
    let tx = db::begin_write(db).await?;
    repo::lock_address(&tx, address).await?;
    if repo::count_attempts_since(&tx, address, Some(&email), since).await? >= MAX_ATTEMPTS_PER_EMAIL {
        return Err(AppError::TooManyRequests(
            "Too many failed sign-ins for this email address. Wait 15 minutes and try again.".into(),
        ));
    }
    if repo::count_attempts_since(&tx, address, None, since).await? >= MAX_ATTEMPTS_PER_ADDRESS {
        return Err(AppError::TooManyRequests(
            "Too many failed sign-ins from this connection. Wait 15 minutes and try again.".into(),
        ));
    }
    repo::insert_attempt(&tx, address, &email, now).await?;
    tx.commit().await?;
    // An invited account has no password hash yet: it is checked against the dummy hash, so it
    // takes as long to refuse as any other.
    let found = repo::find_staff_by_email(&db.read, &email)
        .await?
        .filter(|row| row.active && row.password_hash.starts_with("$argon2"));
    let hash = found
        .as_ref()
        .map_or(DUMMY_HASH.to_owned(), |row| row.password_hash.clone());
    let matches = verify_password(password.to_owned(), hash).await?;
    match found {
        Some(row) if matches => {
            repo::clear_attempts(&db.write, address, &email).await?;
            Ok(row.into())
        }
        _ => Err(AppError::invalid(
            "email",
            "the email address or password is not right",
        )),
    }
}

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
        crate::staff::repo::hubs_of(db, row.id).await?
    } else {
        Vec::new()
    };
    Ok(Some(Staff::new(row, hubs)))
}

/// Whether `password` is the staff member's current one.
///
/// # Errors
/// A database error.
pub async fn password_matches(
    db: &impl ConnectionTrait,
    staff_id: i32,
    password: &str,
) -> Result<bool, AppError> {
    let Some(row) = repo::find_staff_by_id(db, staff_id).await? else {
        return Ok(false);
    };
    verify_password(password.to_owned(), row.password_hash).await
}

/// Counts one attempt at something throttled under `key` (recorded before it is tried, so parallel
/// attempts count as they arrive): five in 15 minutes, and the rest wait out the window.
///
/// # Errors
/// `TooManyRequests`, starting with `refusal`, past the limit.
pub async fn count_attempt(
    db: &Db,
    key: &str,
    label: &str,
    refusal: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let tx = db::begin_write(db).await?;
    repo::lock_address(&tx, key).await?;
    if repo::count_attempts_since(&tx, key, None, now - THROTTLE_WINDOW).await? >= MAX_ATTEMPTS_PER_EMAIL {
        return Err(AppError::TooManyRequests(format!(
            "{refusal}. Wait 15 minutes and try again."
        )));
    }
    repo::insert_attempt(&tx, key, label, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks a signed-in staff member's own password before it is changed, throttled as sign-ins
/// are: five wrong answers in 15 minutes and the rest wait out the window, so a session left open
/// cannot be used to guess the password.
///
/// # Errors
/// `TooManyRequests` past the limit; `Invalid` on `current_password` when it is wrong.
pub async fn check_own_password(
    db: &Db,
    staff: &Staff,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let key = format!("password-change:{}", staff.id());
    count_attempt(db, &key, staff.email(), "Too many wrong passwords", now).await?;
    if password_matches(&db.read, staff.id(), password).await? {
        repo::clear_attempts(&db.write, &key, staff.email()).await?;
        Ok(())
    } else {
        Err(AppError::invalid(
            "current_password",
            "that is not your current password",
        ))
    }
}

/// The conflict a second account for one email is.
pub fn duplicate_email(err: sea_orm::DbErr, email: &str) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code: "duplicate_email",
            message: format!("there is already an account for {email}"),
        },
        _ => err.into(),
    }
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

/// A staff account as asked for, before it is checked.
#[derive(Debug, Clone)]
pub struct NewStaffRequest {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password: String,
}

/// Creates a staff account in `organisation_id`. `actor` is `None` only for the command line.
pub async fn create_staff(
    db: &Db,
    actor: Option<&Staff>,
    organisation_id: i32,
    request: NewStaffRequest,
    now: DateTime<Utc>,
) -> Result<Staff, AppError> {
    if let Some(actor) = actor {
        actor.require(Action::ManageStaff)?;
    }
    let email = parse_email("email", &request.email)?;
    let name = parse_name("name", "a name", &request.name, 100)?;
    check_password("password", &request.password)?;
    let hash = hash_password(request.password).await?;
    let tx = db::begin_write(db).await?;
    let row = repo::insert_staff(&tx, organisation_id, &email, &name, request.role, hash, now)
        .await
        .map_err(|err| duplicate_email(err, &email))?;
    audit::repo::insert(
        &tx,
        NewEvent {
            organisation_id,
            at: now,
            actor: actor.map_or(Actor::System("command line"), Actor::Staff),
            entity: EntityRef::Staff(row.id),
            action: AuditAction::StaffCreated,
            details: serde_json::json!({"email": email, "name": name, "role": request.role}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row.into())
}

/// What the first-run set-up page asks for.
#[derive(Debug, Clone, Default)]
pub struct SetupRequest {
    pub organisation_name: String,
    pub asset_prefix: String,
    pub name: String,
    pub email: String,
    pub password: String,
}

/// Every problem with a set-up form, so the page can show them all at once.
pub fn check_setup(request: &SetupRequest) -> Vec<FieldError> {
    [
        parse_name(
            "organisation_name",
            "the organisation's name",
            &request.organisation_name,
            100,
        )
        .err(),
        AssetPrefix::parse("asset_prefix", &request.asset_prefix).err(),
        parse_name("name", "your name", &request.name, 100).err(),
        parse_email("email", &request.email).err(),
        check_password("password", &request.password).err(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// First run: creates the organisation and its first admin, while no account exists yet.
pub async fn setup(db: &Db, request: SetupRequest, now: DateTime<Utc>) -> Result<Staff, AppError> {
    if let Some(first) = check_setup(&request).into_iter().next() {
        return Err(first.into());
    }
    let prefix = AssetPrefix::parse("asset_prefix", &request.asset_prefix)?;
    let hash = hash_password(request.password).await?;
    let tx = db::begin_write(db).await?;
    if repo::count_staff(&tx).await? > 0 {
        return Err(AppError::NotFound("lendhub is already set up".into()));
    }
    let org =
        organisations::repo::insert(&tx, request.organisation_name.trim(), prefix.as_str(), now).await?;
    let row = repo::insert_staff(
        &tx,
        org.id,
        &parse_email("email", &request.email)?,
        request.name.trim(),
        Role::Admin,
        hash,
        now,
    )
    .await?;
    let actor = Actor::System("first-run set-up");
    for (entity, action) in [
        (EntityRef::Organisation(org.id), AuditAction::OrganisationCreated),
        (EntityRef::Staff(row.id), AuditAction::StaffCreated),
    ] {
        audit::repo::insert(
            &tx,
            NewEvent {
                organisation_id: org.id,
                at: now,
                actor,
                entity,
                action,
                details: serde_json::json!({"name": row.name, "organisation": org.name}),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(row.into())
}

pub async fn needs_setup(db: &impl ConnectionTrait) -> Result<bool, AppError> {
    Ok(repo::count_staff(db).await? == 0)
}

/// Used by the command line: the organisation to add accounts to, created on first use when a
/// name and prefix are given.
pub async fn organisation_for_cli(
    db: &Db,
    name: Option<&str>,
    prefix: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i32, AppError> {
    if let Some(org) = organisations::repo::first(&db.read).await? {
        return Ok(org.id);
    }
    let (Some(name), Some(prefix)) = (name, prefix) else {
        return Err(AppError::invalid(
            "organisation",
            "there is no organisation yet: give --organisation and --prefix, or use the set-up link that `lendhub serve` prints",
        ));
    };
    let name = parse_name("organisation", "the organisation's name", name, 100)?;
    let prefix = AssetPrefix::parse("prefix", prefix)?;
    let tx = db::begin_write(db).await?;
    let org = organisations::repo::insert(&tx, &name, prefix.as_str(), now).await?;
    tx.commit().await?;
    Ok(org.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_hashes_hide_them() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_secret(&a).len(), 64);
        assert_ne!(hash_secret(&a), hash_secret(&b));
    }

    #[tokio::test]
    async fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify_password("correct horse battery".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(!verify_password("wrong horse battery".into(), hash).await.unwrap());
    }

    #[tokio::test]
    async fn the_dummy_hash_parses_so_unknown_emails_cost_the_same() {
        assert!(
            !verify_password("anything".into(), DUMMY_HASH.into())
                .await
                .unwrap()
        );
        assert!(argon2::password_hash::phc::PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn setup_reports_every_problem_at_once() {
        let fields: Vec<_> = check_setup(&SetupRequest::default())
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["organisation_name", "asset_prefix", "name", "email", "password"]
        );
    }
}
