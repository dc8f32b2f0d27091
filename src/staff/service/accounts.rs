//! The organisation's staff accounts as admins see and change them: listing, one account, its
//! role, hubs and whether it works; and the command line's hub assignment and importer.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    audit::{AuditAction, EntityRef, record},
    auth::{self, Action, Role, Staff},
    db::{self, Db},
    entities::staff_user,
    error::{AppError, FieldError},
    hubs,
    staff::{
        model::{NO_PASSWORD, parse_hub_ids, parse_role},
        repo,
    },
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

/// `PATCH /staff/{id}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct StaffPatch {
    #[schema(format = "line", min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(pattern = r"^[^\s@]+@[^\s@.][^\s@]*\.[^\s@]*[^\s@.]$", max_length = 254)]
    pub email: Option<String>,
    #[schema(value_type = Option<crate::auth::Role>)]
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

pub(super) async fn find(
    db: &impl ConnectionTrait,
    staff: &Staff,
    id: i32,
) -> Result<staff_user::Model, AppError> {
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
pub(super) async fn check_hubs(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    hub_ids: &[i32],
) -> Result<(), FieldError> {
    if hub_ids.is_empty() {
        return Ok(());
    }
    let known: Vec<i32> = hubs::service::list_rows(db, organisation_id)
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

/// The command line's `user create --hub NAME`: assigns the hubs named, and answers their names.
///
/// # Errors
/// `Invalid` on `hub` for a name that is not one of the organisation's hubs.
pub async fn assign_hubs_by_name(db: &Db, staff: &Staff, names: &[String]) -> Result<Vec<String>, AppError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let hubs = hubs::service::list_rows(&db.read, staff.organisation_id()).await?;
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
        Some(email) => auth::service::find_staff_by_email(&db.read, &auth::model::parse_email("as", email)?)
            .await?
            .filter(|s| s.active),
        None => repo::first_admin(&db.read).await?,
    };
    let row = row.ok_or_else(|| {
        AppError::NotFound("there is no such active account: create one with `lendhub user create`".into())
    })?;
    Ok(Staff::from(row))
}
