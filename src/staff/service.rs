//! Staff accounts from the web: admins invite people, change their role and hubs, disable an
//! account (its sessions and tokens end at once) and issue a one-time password-reset link;
//! everyone changes their own password. Links carry a random secret of which only the hash is
//! kept, and work once.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    model::{InviteRequest, LinkPurpose, NO_PASSWORD, parse_hub_ids, parse_role},
    repo,
};
use crate::{
    audit::{AuditAction, EntityRef, record},
    auth::{
        self, Action, Role, Staff,
        model::{Credential, check_password},
    },
    db::{self, Db},
    entities::{staff_link, staff_user},
    error::{AppError, FieldError},
    hubs,
};

/// A staff account as the staff page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffView {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    /// The hubs a hub staff member works at (others are not limited by hub).
    pub hub_ids: Vec<i32>,
    /// Invited, and has not yet chosen a password.
    pub invitation_pending: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffList {
    pub items: Vec<StaffView>,
    /// Pass as `after` for the next page; null on the last.
    pub next_cursor: Option<i32>,
}

/// A one-time link to hand to the person it is for.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkView {
    /// The staff member the link is for.
    pub id: i32,
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

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

/// `PATCH /staff/{id}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct StaffPatch {
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<String>,
    pub disabled: Option<bool>,
    pub hub_ids: Option<Vec<i32>>,
}

/// The organisation's staff by id, a page at a time.
///
/// # Errors
/// `Forbidden` for all but admins.
pub async fn list(
    db: &impl ConnectionTrait,
    staff: &Staff,
    after: Option<i32>,
    limit: u64,
    now: DateTime<Utc>,
) -> Result<StaffList, AppError> {
    staff.require(Action::ManageStaff)?;
    let mut rows = repo::page(db, staff.organisation_id(), after.unwrap_or(0), limit + 1).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let items = views(db, rows, now).await?;
    Ok(StaffList {
        next_cursor: if more { items.last().map(|s| s.id) } else { None },
        items,
    })
}

/// One staff member.
///
/// # Errors
/// `Forbidden` for all but admins; `NotFound`.
pub async fn get(
    db: &impl ConnectionTrait,
    staff: &Staff,
    id: i32,
    now: DateTime<Utc>,
) -> Result<StaffView, AppError> {
    staff.require(Action::ManageStaff)?;
    let row = find(db, staff, id).await?;
    Ok(views(db, vec![row], now).await?.remove(0))
}

async fn find(db: &impl ConnectionTrait, staff: &Staff, id: i32) -> Result<staff_user::Model, AppError> {
    repo::find(db, staff.organisation_id(), id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no staff member with id {id}")))
}

async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<staff_user::Model>,
    now: DateTime<Utc>,
) -> Result<Vec<StaffView>, AppError> {
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut hubs = repo::hubs_of_many(db, ids.clone()).await?;
    let pending = repo::pending_invitations(db, ids, now).await?;
    Ok(rows
        .into_iter()
        .map(|row| StaffView {
            hub_ids: hubs.remove(&row.id).unwrap_or_default(),
            invitation_pending: row.password_hash == NO_PASSWORD && pending.contains(&row.id),
            id: row.id,
            email: row.email,
            name: row.name,
            role: row.role,
            disabled: !row.active,
            created_at: row.created_at,
        })
        .collect())
}

/// Checks every hub is one of the organisation's.
async fn check_hubs(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    hub_ids: &[i32],
) -> Result<(), FieldError> {
    if hub_ids.is_empty() {
        return Ok(());
    }
    let known: Vec<i32> = hubs::repo::list(db, organisation_id)
        .await
        .map_err(|_| FieldError::new("hub_ids", "the hubs could not be read; try again"))?
        .into_iter()
        .map(|h| h.id)
        .collect();
    match hub_ids.iter().find(|id| !known.contains(id)) {
        Some(id) => Err(FieldError::new(
            "hub_ids",
            format!("there is no hub with id {id}"),
        )),
        None => Ok(()),
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
    let row = auth::repo::insert_staff(
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

async fn new_link(
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

/// Changes a staff member's role, hubs, or whether the account works. Disabling ends its
/// sessions, tokens and links at once. Nobody disables or demotes their own account (another
/// admin does), so a scheme always keeps the admin who is acting.
///
/// # Errors
/// `Forbidden` for all but admins; `NotFound`; `Invalid`; `Conflict` `own_account`.
pub async fn update(
    db: &Db,
    staff: &Staff,
    id: i32,
    patch: &StaffPatch,
    now: DateTime<Utc>,
) -> Result<StaffView, AppError> {
    staff.require(Action::ManageStaff)?;
    let name = patch
        .name
        .as_deref()
        .map(|n| crate::organisations::model::parse_name("name", "their name", n, 100))
        .transpose()?;
    let email = patch
        .email
        .as_deref()
        .map(|e| auth::model::parse_email("email", e))
        .transpose()?;
    let role = patch.role.as_deref().map(|r| parse_role(Some(r))).transpose()?;
    let hub_ids = patch
        .hub_ids
        .as_deref()
        .map(|ids| parse_hub_ids(Some(ids)))
        .transpose()?;
    if let Some(hub_ids) = &hub_ids {
        check_hubs(&db.read, staff.organisation_id(), hub_ids).await?;
    }
    let tx = db::begin_write(db).await?;
    let row = find(&tx, staff, id).await?;
    let role = role.unwrap_or(row.role);
    let active = patch.disabled.map_or(row.active, |disabled| !disabled);
    if id == staff.id() && (role != row.role || !active) {
        return Err(AppError::Conflict {
            code: "own_account",
            message: "you cannot disable your own account or change your own role: ask another admin".into(),
        });
    }
    repo::update(&tx, id, role, active).await?;
    let name = name.unwrap_or_else(|| row.name.clone());
    let email = email.unwrap_or_else(|| row.email.clone());
    if name != row.name || email != row.email {
        repo::rename(&tx, id, &name, &email)
            .await
            .map_err(|err| auth::service::duplicate_email(err, &email))?;
    }
    if let Some(hub_ids) = &hub_ids {
        repo::set_hubs(&tx, id, hub_ids).await?;
    }
    if !active {
        repo::sign_out_everywhere(&tx, id).await?;
        repo::expire_links(&tx, id, now).await?;
    }
    record(
        &tx,
        staff,
        EntityRef::Staff(id),
        AuditAction::StaffUpdated,
        json!({
            "role": {"before": row.role, "after": role},
            "name_changed": name != row.name,
            "email_changed": email != row.email,
            "disabled": {"before": !row.active, "after": !active},
            "hub_ids": hub_ids,
        }),
        now,
    )
    .await?;
    tx.commit().await?;
    get(&db.read, staff, id, now).await
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
    let target = auth::repo::find_staff_by_email(&db.read, &email)
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
    let staff = auth::repo::find_staff_by_id(db, link.staff_id)
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
    let row = auth::repo::find_staff_by_id(&tx, link.staff_id)
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

/// The command line's `user create --hub NAME`: assigns the hubs named, and answers their names.
///
/// # Errors
/// `Invalid` on `hub` for a name that is not one of the organisation's hubs.
pub async fn assign_hubs_by_name(db: &Db, staff: &Staff, names: &[String]) -> Result<Vec<String>, AppError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let hubs = hubs::repo::list(&db.read, staff.organisation_id()).await?;
    let mut chosen = Vec::new();
    for name in names {
        let hub = hubs
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| AppError::invalid("hub", format!("there is no hub called {name:?}")))?;
        chosen.push(hub);
    }
    let ids: Vec<i32> = chosen.iter().map(|h| h.id).collect();
    let tx = db::begin_write(db).await?;
    repo::set_hubs(&tx, staff.id(), &parse_hub_ids(Some(&ids))?).await?;
    tx.commit().await?;
    Ok(chosen.into_iter().map(|h| h.name.clone()).collect())
}

/// Whom the command line's `import` acts as: the staff member with `email`, or the first active
/// admin.
///
/// # Errors
/// `NotFound` when there is no such account (or no admin yet).
pub async fn importer(db: &Db, email: Option<&str>) -> Result<Staff, AppError> {
    let row = match email {
        Some(email) => auth::repo::find_staff_by_email(&db.read, &auth::model::parse_email("as", email)?)
            .await?
            .filter(|s| s.active),
        None => repo::first_admin(&db.read).await?,
    };
    let row = row.ok_or_else(|| {
        AppError::NotFound("there is no such active account: create one with `lendhub user create`".into())
    })?;
    Ok(Staff::from(row))
}
