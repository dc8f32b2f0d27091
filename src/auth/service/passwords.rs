//! Secrets and passwords: random secrets stored only as SHA-256 hashes, and argon2id hashing and
//! checking, done off the async threads one per core at a time.

use std::fmt::Write;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use crate::error::AppError;

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

pub(super) async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    with_password_check(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
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
}
