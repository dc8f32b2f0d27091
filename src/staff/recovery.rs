//! "Forgot your password?": anyone may ask for a reset link for an email address. The answer is
//! the same whether or not there is an account for it, asking is throttled by the address asked
//! from, and the link goes only to the account's own email, never to the screen.

use chrono::{DateTime, Utc};

use super::service::reset_link;
use crate::{auth, config::Config, db::Db, error::AppError};

/// What the person who asked is told: the same for every address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// "If there is an account for it, a link is on its way."
    Emailed,
    /// lendhub has no mail server: only an admin can make a link.
    AskAnAdmin,
}

/// Asks for a password link for `email`, from the connection `address`.
///
/// # Errors
/// `Invalid` on `email` when it is not an address; `TooManyRequests` after five asks in 15
/// minutes from one connection.
pub async fn forgotten(
    db: &Db,
    config: &Config,
    email: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<Asked, AppError> {
    let email = auth::model::parse_email("email", email)?;
    let key = format!("password-forgotten:{address}");
    auth::service::count_attempt(db, &key, "", "Too many requests for password links", now).await?;
    let mailer = match crate::reminders::service::mailer(config) {
        Ok(Some(mailer)) => mailer,
        Ok(None) => return Ok(Asked::AskAnAdmin),
        Err(error) => {
            tracing::warn!(%error, "no password email: the mail settings do not read");
            return Ok(Asked::AskAnAdmin);
        }
    };
    let Some(account) = auth::service::find_staff_by_email(&db.read, &email)
        .await?
        .filter(|row| row.active)
    else {
        return Ok(Asked::Emailed);
    };
    let link = reset_link(db, None, "forgotten password", &account, &config.public_url, now).await?;
    let text = format!(
        "Hello {},\n\nSomeone (we hope you) asked to choose a new lendhub password for this address.\n\n\
         Choose it here. The link works once, for a day:\n{}\n\n\
         If you did not ask, you can ignore this email: your password stays as it is.\n",
        account.name, link.url
    );
    let reference = format!("password-{}-{}", account.id, link.expires_at.timestamp());
    tokio::spawn(async move {
        // The server's answer may quote the address, so only the failure is logged.
        if mailer
            .send(
                &reference,
                &account.email,
                "Choose a new lendhub password",
                &text,
                None,
            )
            .await
            .is_err()
        {
            tracing::warn!("a password email was not sent");
        }
    });
    Ok(Asked::Emailed)
}
