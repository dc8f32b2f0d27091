//! Passwords: one-time links (made for invitations and resets, each a random secret of which only
//! the hash is kept), the holder of a live link choosing a password by it, and a staff member
//! changing their own.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::Serialize;
use serde_json::json;

use super::accounts::find;
use crate::{
    audit::{AuditAction, EntityRef, record},
    auth::{
        self, Action, Staff,
        model::{Credential, check_password},
    },
    db::{self, Db},
    entities::{staff_link, staff_user},
    error::{AppError, FieldError},
    staff::{model::LinkPurpose, repo},
};

/// A one-time link to hand to the person it is for.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkView {
    /// The staff member the link is for.
    pub id: i32,
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

pub(super) async fn new_link(
    db: &impl ConnectionTrait,
    by: Option<&Staff>,
    staff_id: i32,
    purpose: LinkPurpose,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<LinkView, AppError> {
    let secret = auth::service::new_secret();
    let expires_at = now + purpose.lifetime();
    repo::insert_link(
        db,
        staff_link::ActiveModel {
            staff_id: Set(staff_id),
            purpose: Set(purpose.as_str().to_owned()),
            token_hash: Set(auth::service::hash_secret(&secret)),
            created_by: Set(by.map(Staff::id)),
            created_at: Set(now),
            expires_at: Set(expires_at),
            ..Default::default()
        },
        now,
    )
    .await?;
    Ok(LinkView {
        id: staff_id,
        url: format!("{}/password/{secret}", public_url.trim_end_matches('/')),
        expires_at,
    })
}

/// A one-time link, valid a day, for a staff member to choose a new password. Earlier links
/// stop working. `by` is `None` on the command line.
///
/// # Errors
/// `Forbidden` for all but admins; `NotFound`; `Conflict` for a disabled account.
pub async fn reset_link(
    db: &Db,
    by: Option<&Staff>,
    through: &'static str,
    target: &staff_user::Model,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<LinkView, AppError> {
    if let Some(by) = by {
        by.require(Action::ManageStaff)?;
    }
    if !target.active {
        return Err(AppError::Conflict {
            code: "account_disabled",
            message: format!("{}'s account is disabled: enable it first", target.name),
        });
    }
    let tx = db::begin_write(db).await?;
    let link = new_link(&tx, by, target.id, LinkPurpose::PasswordReset, public_url, now).await?;
    let target_staff = Staff::from(target.clone());
    record(
        &tx,
        by.unwrap_or(&target_staff),
        EntityRef::Staff(target.id),
        AuditAction::PasswordLinkIssued,
        json!({"by": through}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(link)
}

/// The staff member an admin names by id, for [`reset_link`].
///
/// # Errors
/// `Forbidden` for all but admins; `NotFound`.
pub async fn reset_link_for(
    db: &Db,
    staff: &Staff,
    id: i32,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<LinkView, AppError> {
    staff.require(Action::ManageStaff)?;
    let target = find(&db.read, staff, id).await?;
    reset_link(db, Some(staff), "admin", &target, public_url, now).await
}

/// The command line's `user reset-password --email E`.
///
/// # Errors
/// `NotFound` for an unknown email.
pub async fn reset_link_by_email(
    db: &Db,
    email: &str,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<LinkView, AppError> {
    let email = auth::model::parse_email("email", email)?;
    let target = auth::service::find_staff_by_email(&db.read, &email)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no account for {email}")))?;
    reset_link(db, None, "command line", &target, public_url, now).await
}

/// Who a live link is for, as its page greets them.
#[derive(Debug, Clone)]
pub struct LinkHolder {
    pub name: String,
    pub email: String,
    pub invitation: bool,
}

const DEAD_LINK: &str =
    "this link has been used, has expired or was replaced by a newer one: ask an admin for a new link";

/// The person a live link is for.
///
/// # Errors
/// `NotFound` for a used, expired or unknown link.
pub async fn holder(
    db: &impl ConnectionTrait,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<LinkHolder, AppError> {
    let link = repo::live_link(db, &auth::service::hash_secret(secret), now)
        .await?
        .ok_or_else(|| AppError::NotFound(DEAD_LINK.into()))?;
    let staff = auth::service::find_staff_by_id(db, link.staff_id)
        .await?
        .ok_or_else(|| AppError::NotFound(DEAD_LINK.into()))?;
    Ok(LinkHolder {
        name: staff.name,
        email: staff.email,
        invitation: LinkPurpose::parse(&link.purpose) == LinkPurpose::Invitation,
    })
}

/// Sets the password a link's holder chose, using the link up; their other sessions end.
///
/// # Errors
/// `Invalid` on `password` or `confirm`; `NotFound` for a dead link.
pub async fn choose_password(
    db: &Db,
    secret: &str,
    password: &str,
    confirm: &str,
    now: DateTime<Utc>,
) -> Result<LinkHolder, AppError> {
    check_password("password", password)?;
    if password != confirm {
        return Err(FieldError::new("confirm", "the two passwords are not the same").into());
    }
    let hash = auth::service::hash_password(password.to_owned()).await?;
    let tx = db::begin_write(db).await?;
    let link = repo::live_link(&tx, &auth::service::hash_secret(secret), now)
        .await?
        .ok_or_else(|| AppError::NotFound(DEAD_LINK.into()))?;
    let row = auth::service::find_staff_by_id(&tx, link.staff_id)
        .await?
        .ok_or_else(|| AppError::NotFound(DEAD_LINK.into()))?;
    if !repo::use_link(&tx, link.id, now).await? {
        return Err(AppError::NotFound(DEAD_LINK.into()));
    }
    repo::set_password(&tx, row.id, hash).await?;
    repo::sign_out_everywhere(&tx, row.id).await?;
    let holder = LinkHolder {
        name: row.name.clone(),
        email: row.email.clone(),
        invitation: LinkPurpose::parse(&link.purpose) == LinkPurpose::Invitation,
    };
    record(
        &tx,
        &Staff::from(row.clone()),
        EntityRef::Staff(row.id),
        AuditAction::PasswordSet,
        json!({"through": link.purpose}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(holder)
}

/// Changes the signed-in staff member's own password, after checking the current one (throttled);
/// every other session and token of theirs ends, the one in use stays.
///
/// # Errors
/// `Invalid` on `current_password`, `new_password` or `confirm`; `TooManyRequests`.
pub async fn change_password(
    db: &Db,
    staff: &Staff,
    credential: &Credential,
    current: &str,
    new: &str,
    confirm: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    check_password("new_password", new)?;
    if new != confirm {
        return Err(FieldError::new("confirm", "the two new passwords are not the same").into());
    }
    auth::service::check_own_password(db, staff, current, now).await?;
    let hash = auth::service::hash_password(new.to_owned()).await?;
    let tx = db::begin_write(db).await?;
    repo::set_password(&tx, staff.id(), hash).await?;
    repo::sign_out_elsewhere(&tx, staff.id(), credential).await?;
    record(
        &tx,
        staff,
        EntityRef::Staff(staff.id()),
        AuditAction::PasswordSet,
        json!({"through": "own_change"}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
