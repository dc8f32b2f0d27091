//! Signing in, and the throttle on it: attempts from one address are counted before the password
//! is checked, and an unknown email costs as much time as a wrong password.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;

use super::passwords::verify_password;
use crate::{
    auth::{model::Staff, repo},
    db::{self, Db},
    error::AppError,
};

/// Sign-in attempts allowed from one address for one email in [`THROTTLE_WINDOW`]...
const MAX_ATTEMPTS_PER_EMAIL: u64 = 5;
/// ...and from one address for any emails: enough for a hub's shared connection.
const MAX_ATTEMPTS_PER_ADDRESS: u64 = 50;
pub(super) const THROTTLE_WINDOW: Duration = Duration::minutes(15);

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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_dummy_hash_parses_so_unknown_emails_cost_the_same() {
        assert!(
            !verify_password("anything".into(), DUMMY_HASH.into())
                .await
                .unwrap()
        );
        assert!(argon2::password_hash::phc::PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
