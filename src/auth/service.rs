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
    error::{AppError, FieldError},
    organisations::{
        self,
        model::{AssetPrefix, parse_name},
    },
};

/// How long a browser stays signed in: a working day.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
const TOKEN_LIFETIME: Duration = Duration::days(90);
/// Failed sign-ins allowed per email address in [`THROTTLE_WINDOW`].
const MAX_FAILURES: u64 = 5;
const THROTTLE_WINDOW: Duration = Duration::minutes(15);

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
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|err| AppError::Internal(err.to_string().into()))
    })
    .await
    .map_err(AppError::internal)?
}

async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .map_err(AppError::internal)
}

/// Hashed once so that an unknown email costs as much time as a wrong password.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1xR8b6oH1E0mUSm0kOMqHCNdp/pAOyrJsDq9MNVC9Zo";

/// Checks an email and password. Five failures for one address in 15 minutes lock it for the
/// rest of the window, whichever instance the attempts reach.
pub async fn sign_in(db: &Db, email: &str, password: &str, now: DateTime<Utc>) -> Result<Staff, AppError> {
    let email = email.trim().to_lowercase();
    if repo::count_failures_since(&db.read, &email, now - THROTTLE_WINDOW).await? >= MAX_FAILURES {
        return Err(AppError::TooManyRequests(
            "Too many failed sign-ins for this email address. Wait 15 minutes and try again.".into(),
        ));
    }
    let found = repo::find_staff_by_email(&db.read, &email)
        .await?
        .filter(|row| row.active);
    let hash = found
        .as_ref()
        .map_or(DUMMY_HASH.to_owned(), |row| row.password_hash.clone());
    let matches = verify_password(password.to_owned(), hash).await?;
    match found {
        Some(row) if matches => {
            repo::clear_failures(&db.write, &email).await?;
            Ok(row.into())
        }
        _ => {
            repo::insert_failure(&db.write, &email, now).await?;
            Err(AppError::invalid(
                "email",
                "the email address or password is not right",
            ))
        }
    }
}

/// Starts a browser session and returns the cookie's secret. Each sign-in gets a new one.
pub async fn start_session(
    db: &impl ConnectionTrait,
    staff: &Staff,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let secret = new_secret();
    repo::insert_session(db, hash_secret(&secret), staff.id, now, now + SESSION_LIFETIME).await?;
    Ok(secret)
}

pub async fn end_session(db: &impl ConnectionTrait, secret: &str) -> Result<(), AppError> {
    repo::delete_session(db, &hash_secret(secret)).await?;
    Ok(())
}

pub async fn staff_for_session(
    db: &impl ConnectionTrait,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<Staff>, AppError> {
    Ok(repo::staff_for_session(db, &hash_secret(secret), now)
        .await?
        .map(Staff::from))
}

/// Issues an API bearer token for `staff`.
pub async fn issue_token(
    db: &impl ConnectionTrait,
    staff: &Staff,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), AppError> {
    let secret = new_secret();
    let expires_at = now + TOKEN_LIFETIME;
    repo::insert_token(db, hash_secret(&secret), staff.id, now, expires_at).await?;
    Ok((secret, expires_at))
}

pub async fn staff_for_token(
    db: &impl ConnectionTrait,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<Staff>, AppError> {
    Ok(repo::staff_for_token(db, &hash_secret(secret), now)
        .await?
        .map(Staff::from))
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
        .map_err(|err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
                code: "duplicate_email",
                message: format!("there is already an account for {email}"),
            },
            _ => err.into(),
        })?;
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
