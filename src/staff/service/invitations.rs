//! Inviting someone: an account with no password and a link, valid 7 days, to choose one; the
//! link emailed too when lendhub has a mail server, saying truthfully what became of it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::{accounts::check_hubs, passwords::new_link};
use crate::{
    audit::{AuditAction, EntityRef, record},
    auth::{self, Action, Staff},
    db::{self, Db},
    error::AppError,
    staff::{
        model::{InviteRequest, LinkPurpose, NO_PASSWORD},
        repo,
    },
};

/// `POST /staff` answers the new account's id and the invitation to hand over.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Invited {
    pub id: i32,
    pub invitation_url: String,
    pub expires_at: DateTime<Utc>,
    /// Whether the link was also emailed to them (when lendhub has a mail server).
    pub emailed: bool,
}

/// What became of emailing an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emailing {
    /// The mail server took it.
    Sent,
    /// The mail server refused it or did not answer in time.
    Failed,
    /// lendhub has no mail server set.
    Off,
}

/// How long the admin waits for the mail server before being told to hand the link over.
const SEND_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Emails an invitation to the person it is for, when lendhub has a mail server, and says
/// truthfully what became of it (the admin has the link on screen either way).
pub async fn email_invitation(
    config: &crate::config::Config,
    name: &str,
    email: &str,
    invited: &Invited,
) -> Emailing {
    let mailer = match crate::reminders::service::mailer(config) {
        Ok(Some(mailer)) => mailer,
        Ok(None) => return Emailing::Off,
        Err(error) => {
            tracing::warn!(%error, "no invitation email: the mail settings do not read");
            return Emailing::Failed;
        }
    };
    let text = format!(
        "Hello {name},\n\nYou have a lendhub account for lending devices to people in your scheme.\n\n\
         Choose your password here. The link works once, for 7 days:\n{}\n\n\
         If you were not expecting this email, you can ignore it.\n",
        invited.invitation_url
    );
    let reference = format!("invitation-{}-{}", invited.id, invited.expires_at.timestamp());
    let send = mailer.send(&reference, email, "Your lendhub account", &text, None);
    match tokio::time::timeout(SEND_WAIT, send).await {
        Ok(Ok(_)) => Emailing::Sent,
        // The server's answer may quote the address, so only the failure is logged.
        _ => {
            tracing::warn!("an invitation email was not sent; the admin has its link on screen");
            Emailing::Failed
        }
    }
}

/// Adds an account with no password and makes its invitation link, valid 7 days.
///
/// # Errors
/// `Forbidden` for all but admins; `Invalid` naming the first field at fault; `Conflict`
/// `duplicate_email`.
pub async fn invite(
    db: &Db,
    staff: &Staff,
    public_url: &str,
    request: &InviteRequest,
    now: DateTime<Utc>,
) -> Result<Invited, AppError> {
    staff.require(Action::ManageStaff)?;
    let invitation = request
        .parse()
        .map_err(|errors| AppError::Invalid(errors.into_iter().next().expect("parse names a field")))?;
    check_hubs(&db.read, staff.organisation_id(), &invitation.hub_ids).await?;
    let tx = db::begin_write(db).await?;
    let row = auth::service::insert_staff(
        &tx,
        staff.organisation_id(),
        &invitation.email,
        &invitation.name,
        invitation.role,
        NO_PASSWORD.to_owned(),
        now,
    )
    .await
    .map_err(|err| auth::service::duplicate_email(err, &invitation.email))?;
    repo::set_hubs(&tx, row.id, &invitation.hub_ids).await?;
    let link = new_link(&tx, Some(staff), row.id, LinkPurpose::Invitation, public_url, now).await?;
    record(
        &tx,
        staff,
        EntityRef::Staff(row.id),
        AuditAction::StaffCreated,
        json!({"role": invitation.role, "hub_ids": invitation.hub_ids, "invited": true}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Invited {
        id: row.id,
        invitation_url: link.url,
        expires_at: link.expires_at,
        emailed: false,
    })
}

/// The first admin of a partner organisation just added (in its transaction): an account with no
/// password and its invitation link, as any invitation.
///
/// # Errors
/// `Conflict` `duplicate_email` when the email is already someone's account.
pub async fn invite_first_admin(
    tx: &impl sea_orm::ConnectionTrait,
    by: Option<&Staff>,
    organisation_id: i32,
    name: &str,
    email: &str,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<Invited, AppError> {
    let row = auth::service::insert_staff(
        tx,
        organisation_id,
        email,
        name,
        auth::Role::Admin,
        NO_PASSWORD.to_owned(),
        now,
    )
    .await
    .map_err(|err| auth::service::duplicate_email(err, email))?;
    let link = new_link(tx, by, row.id, LinkPurpose::Invitation, public_url, now).await?;
    Ok(Invited {
        id: row.id,
        invitation_url: link.url,
        expires_at: link.expires_at,
        emailed: false,
    })
}
