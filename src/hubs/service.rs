//! Adding and listing hubs.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, SqlErr};
use serde::{Deserialize, Serialize};

use super::{model::HubDetails, repo};
use crate::audit::AuditAction;
use crate::validate::optional_text;
use crate::{
    audit::{self, Actor, EntityRef, NewEvent},
    auth::{Action, Staff},
    db::{self, Db},
    entities::hub,
    error::{AppError, FieldError},
    organisations::model::parse_name,
};

// What other features may read and write of this feature's tables: they come here, never to
// `repo` (`.ci/imports.py` checks), so each use is one the feature has chosen to share.
pub use super::repo::{find as find_row, insert, list as list_rows};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HubView {
    pub id: i32,
    pub name: String,
    pub address: Option<String>,
    pub opening_hours: Option<String>,
    pub phone: Option<String>,
}

impl HubView {
    /// The phone number as a `tel:` link takes it: digits and a leading plus.
    pub fn phone_digits(&self) -> String {
        self.phone
            .as_deref()
            .unwrap_or_default()
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect()
    }
}

impl From<hub::Model> for HubView {
    fn from(row: hub::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            address: row.address,
            opening_hours: row.opening_hours,
            phone: row.phone,
        }
    }
}

/// `POST /hubs` and the add-hub form.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct HubRequest {
    #[schema(value_type = String, required = true, format = "line", min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(max_length = 500)]
    pub address: Option<String>,
    /// Told to borrowers in reminders, e.g. "Monday to Friday, 10am to 4pm".
    #[schema(max_length = 500)]
    pub opening_hours: Option<String>,
    /// The hub's phone number, for borrowers and for whoever finds a lost device.
    #[schema(pattern = r"^[0-9 +()-]{0,30}$")]
    pub phone: Option<String>,
}

impl HubRequest {
    fn parse(&self) -> Result<HubDetails, FieldError> {
        let name = parse_name(
            "name",
            "the hub's name",
            self.name.as_deref().unwrap_or_default(),
            100,
        )?;
        let optional =
            |field: &str, label: &str, value: Option<&str>| optional_text(field, label, value, 500);
        let phone = crate::validate::optional_phone("phone", self.phone.as_deref())?;
        Ok(HubDetails {
            name,
            address: optional("address", "the address", self.address.as_deref())?,
            opening_hours: optional(
                "opening_hours",
                "the opening hours",
                self.opening_hours.as_deref(),
            )?,
            phone,
        })
    }
}

pub async fn create(
    db: &Db,
    staff: &Staff,
    request: &HubRequest,
    now: DateTime<Utc>,
) -> Result<HubView, AppError> {
    staff.require(Action::ManageHubs)?;
    let details = request.parse()?;
    let name = details.name.clone();
    let tx = db::begin_write(db).await?;
    let row = repo::insert(&tx, staff.organisation_id(), &details, now)
        .await
        .map_err(|err| duplicate_name(err, &name))?;
    audit::insert(
        &tx,
        NewEvent {
            organisation_id: staff.organisation_id(),
            at: now,
            actor: Actor::Staff(staff),
            entity: EntityRef::Hub(row.id),
            action: AuditAction::HubAdded,
            details: snapshot(&row),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row.into())
}

fn duplicate_name(err: sea_orm::DbErr, name: &str) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code: "duplicate_hub",
            message: format!("there is already a hub called {name}"),
        },
        _ => err.into(),
    }
}

/// What the audit log keeps of a hub.
fn snapshot(row: &hub::Model) -> serde_json::Value {
    serde_json::json!({ "name": row.name, "address": row.address, "opening_hours": row.opening_hours, "phone": row.phone })
}

/// One of the organisation's hubs.
pub async fn find(db: &impl ConnectionTrait, staff: &Staff, id: i32) -> Result<HubView, AppError> {
    Ok(own(db, staff, id).await?.into())
}

async fn own(db: &impl ConnectionTrait, staff: &Staff, id: i32) -> Result<hub::Model, AppError> {
    repo::find(db, id)
        .await?
        .filter(|hub| hub.organisation_id == staff.organisation_id())
        .ok_or_else(|| AppError::NotFound(format!("there is no hub with id {id}")))
}

/// Changes a hub's details. A field the request leaves out keeps its value; an empty one clears
/// it (the name cannot be cleared).
pub async fn update(
    db: &Db,
    staff: &Staff,
    id: i32,
    request: &HubRequest,
    now: DateTime<Utc>,
) -> Result<HubView, AppError> {
    staff.require(Action::ManageHubs)?;
    let tx = db::begin_write(db).await?;
    let before = own(&tx, staff, id).await?;
    let keep = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
    let details = HubRequest {
        name: request.name.clone().or_else(|| Some(before.name.clone())),
        address: keep(&request.address, &before.address),
        opening_hours: keep(&request.opening_hours, &before.opening_hours),
        phone: keep(&request.phone, &before.phone),
    }
    .parse()?;
    let old = snapshot(&before);
    let row = repo::update(&tx, before, &details)
        .await
        .map_err(|err| duplicate_name(err, &details.name))?;
    audit::insert(
        &tx,
        NewEvent {
            organisation_id: staff.organisation_id(),
            at: now,
            actor: Actor::Staff(staff),
            entity: EntityRef::Hub(row.id),
            action: AuditAction::HubUpdated,
            details: serde_json::json!({ "before": old, "after": snapshot(&row) }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row.into())
}

/// The organisation's hubs, by name: every hub for admins, coordinators and trainers, and a hub
/// staff member's own hubs for them.
pub async fn list(db: &impl ConnectionTrait, staff: &Staff) -> Result<Vec<HubView>, AppError> {
    Ok(repo::list(db, staff.organisation_id())
        .await?
        .into_iter()
        .filter(|hub| staff.sees_hub(hub.id))
        .map(HubView::from)
        .collect())
}
