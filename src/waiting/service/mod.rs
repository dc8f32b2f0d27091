//! Joining the waiting list, reading it in its order, and leaving it. Offers and holds are in
//! `holds.rs`.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    model::{RETURNS_WINDOW_DAYS, WaitingStatus, expected_wait, wait_in_words, waited_in_words},
    repo,
};
use crate::{
    audit::{AuditAction, EntityRef, record},
    auth::{Action, Staff},
    db::{self, Db},
    devices::model::DeviceKind,
    entities::waiting,
    error::AppError,
};

mod holds;

pub use holds::*;

// What other features may read and write of this feature's tables.
pub use super::repo::{forget, waiting_for};

/// `POST /waiting-list`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AddRequest {
    #[schema(required = true)]
    pub borrower_id: Option<i32>,
    #[schema(value_type = DeviceKind, required = true)]
    pub kind: Option<String>,
    #[schema(required = true)]
    pub hub_id: Option<i32>,
    /// Higher goes first (0 to 100; 0 unless given).
    #[schema(minimum = 0, maximum = 100)]
    pub priority: Option<i32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WaitingBorrower {
    pub id: i32,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WaitingView {
    pub id: i32,
    pub borrower: WaitingBorrower,
    pub kind: DeviceKind,
    pub hub_id: i32,
    pub priority: i32,
    pub since: DateTime<Utc>,
    pub status: WaitingStatus,
    /// 1 is next, among those waiting for this kind at this hub.
    pub position: u64,
    /// "2 weeks".
    pub waited: String,
    /// From the last 90 days' returns of this kind at this hub; absent when none came back.
    pub expected_wait_days: Option<i64>,
    /// "about 3 weeks".
    pub expected_wait: String,
    /// The device held for them, and until when.
    pub held_device: Option<String>,
    pub held_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WaitingPage {
    pub items: Vec<WaitingView>,
    pub next_cursor: Option<String>,
    pub total: u64,
}

/// `GET /waiting-list`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitingQuery {
    #[param(value_type = Option<DeviceKind>)]
    pub kind: Option<String>,
    pub hub_id: Option<i32>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^-?[0-9]{1,9}\.[0-9]{1,19}\.[0-9]{1,9}$")]
    pub cursor: Option<String>,
    /// How many a page holds (1 to 200; 50 unless given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

fn cursor_of(entry: &waiting::Model) -> String {
    format!(
        "{}.{}.{}",
        entry.priority,
        entry.since.timestamp_micros(),
        entry.id
    )
}

fn parse_cursor(text: Option<&str>) -> Result<Option<repo::After>, AppError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let wrong = || AppError::invalid("cursor", "cursor must be the next_cursor of an earlier page");
    let mut parts = text.splitn(3, '.');
    let (Some(priority), Some(micros), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(wrong());
    };
    Ok(Some(repo::After {
        priority: priority.parse().map_err(|_| wrong())?,
        since: DateTime::from_timestamp_micros(micros.parse().map_err(|_| wrong())?).ok_or_else(wrong)?,
        id: id.parse().map_err(|_| wrong())?,
    }))
}

/// The views of `entries`: each one's place, and the wait its hub's returns suggest. The names
/// and held devices are read in one query each, and the returns and a place once for each hub
/// and kind: `in_order` says the entries are consecutive in the list's order (a page of it), so
/// each later one of a hub and kind stands one place after the one before.
pub(super) async fn views(
    db: &impl ConnectionTrait,
    entries: Vec<waiting::Model>,
    in_order: bool,
    now: DateTime<Utc>,
) -> Result<Vec<WaitingView>, AppError> {
    use std::collections::HashMap;
    let Some(organisation_id) = entries.first().map(|e| e.organisation_id) else {
        return Ok(Vec::new());
    };
    let borrower_ids: Vec<i32> = entries.iter().map(|e| e.borrower_id).collect();
    let names: HashMap<i32, String> = crate::people::service::find_many(db, organisation_id, &borrower_ids)
        .await?
        .into_iter()
        .map(|b| (b.id, b.name))
        .collect();
    let device_ids: Vec<i32> = entries.iter().filter_map(|e| e.held_device_id).collect();
    let tags: HashMap<i32, String> = if device_ids.is_empty() {
        HashMap::new()
    } else {
        crate::devices::service::find_many(db, device_ids)
            .await?
            .into_iter()
            .map(|d| (d.id, d.asset_tag))
            .collect()
    };
    let mut groups: HashMap<(i32, DeviceKind), (u64, u64)> = HashMap::new();
    let mut views = Vec::with_capacity(entries.len());
    for entry in entries {
        let key = (entry.hub_id, entry.kind);
        let (position, returned) = match groups.get_mut(&key) {
            Some((returned, last)) if in_order => {
                *last += 1;
                (*last, *returned)
            }
            Some((returned, _)) => (repo::position(db, &entry).await?, *returned),
            None => {
                let returned = returns_for(db, entry.hub_id, entry.kind, now).await?;
                let position = repo::position(db, &entry).await?;
                groups.insert(key, (returned, position));
                (position, returned)
            }
        };
        let wait = expected_wait(position, returned);
        views.push(WaitingView {
            id: entry.id,
            borrower: WaitingBorrower {
                id: entry.borrower_id,
                name: names.get(&entry.borrower_id).cloned().unwrap_or_default(),
            },
            kind: entry.kind,
            hub_id: entry.hub_id,
            priority: entry.priority,
            since: entry.since,
            status: entry.status,
            position,
            waited: waited_in_words(now - entry.since),
            expected_wait_days: wait.map(|w| w.num_days()),
            expected_wait: wait_in_words(wait),
            held_device: entry.held_device_id.and_then(|id| tags.get(&id).cloned()),
            held_until: entry.held_until,
        });
    }
    Ok(views)
}

/// The view of one entry.
pub(super) async fn view(
    db: &impl ConnectionTrait,
    entry: waiting::Model,
    now: DateTime<Utc>,
) -> Result<WaitingView, AppError> {
    let id = entry.id;
    let mut views = views(db, vec![entry], false, now).await?;
    views.pop().ok_or_else(|| unknown(id))
}

/// Returns of `entry`'s kind at its hub over the window, the rate the expected wait follows.
async fn returns_for(
    db: &impl ConnectionTrait,
    hub_id: i32,
    kind: DeviceKind,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    Ok(repo::returns_since(
        db,
        hub_id,
        kind,
        now - chrono::Duration::days(RETURNS_WINDOW_DAYS),
    )
    .await?)
}

pub async fn list(
    db: &Db,
    staff: &Staff,
    query: &WaitingQuery,
    now: DateTime<Utc>,
) -> Result<WaitingPage, AppError> {
    let scope = staff.scope_within(Action::Lend, query.hub_id)?;
    let kind = query
        .kind
        .as_deref()
        .filter(|k| !k.is_empty())
        .map(DeviceKind::parse)
        .transpose()?;
    let limit = crate::paging::page_size(query.limit, 50, 200)?;
    let after = parse_cursor(query.cursor.as_deref())?;
    let (rows, total) = repo::list(&db.read, &scope, kind, after, limit + 1).await?;
    let (rows, next_cursor) = crate::paging::cut_by(rows, limit, cursor_of);
    Ok(WaitingPage {
        items: views(&db.read, rows, true, now).await?,
        next_cursor,
        total,
    })
}

pub async fn get(db: &Db, staff: &Staff, id: i32, now: DateTime<Utc>) -> Result<WaitingView, AppError> {
    let scope = staff.scope(Action::Lend)?;
    let entry = repo::find(&db.read, &scope, id)
        .await?
        .ok_or_else(|| unknown(id))?;
    view(&db.read, entry, now).await
}

/// Every waiting-list entry of borrower `borrower_id`, ended ones too: their page and export.
pub async fn of_borrower(
    db: &Db,
    staff: &Staff,
    borrower_id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<WaitingView>, AppError> {
    let scope = staff.scope(Action::Lend)?;
    let entries = repo::of_borrower(&db.read, &scope, borrower_id).await?;
    views(&db.read, entries, false, now).await
}

pub(super) fn unknown(id: i32) -> AppError {
    AppError::NotFound(format!("there is no waiting-list entry with id {id}"))
}

/// A new entry for what to wait for, in `db`'s transaction. A person waits once for a kind at a
/// hub: the database refuses a second entry (409 `already_waiting`).
pub struct Joining {
    pub organisation_id: i32,
    pub borrower_id: i32,
    pub kind: DeviceKind,
    pub hub_id: i32,
    pub priority: i32,
    pub referral_id: Option<i32>,
    pub created_by: Option<i32>,
}

pub async fn join(
    db: &impl ConnectionTrait,
    joining: Joining,
    now: DateTime<Utc>,
) -> Result<waiting::Model, AppError> {
    repo::insert(
        db,
        waiting::ActiveModel {
            organisation_id: Set(joining.organisation_id),
            borrower_id: Set(joining.borrower_id),
            kind: Set(joining.kind),
            hub_id: Set(joining.hub_id),
            priority: Set(joining.priority),
            // Whole microseconds, as the list's cursor writes them: no row is read twice.
            since: Set(DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)),
            referral_id: Set(joining.referral_id),
            status: Set(WaitingStatus::Waiting),
            created_by: Set(joining.created_by),
            ..Default::default()
        },
    )
    .await
    .map_err(|err| match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code: "already_waiting",
            message: format!(
                "they are already waiting for a {} at this hub",
                joining.kind.in_sentence()
            ),
        },
        _ => err.into(),
    })
}

/// `POST /waiting-list`: staff who lend add someone at one of their hubs.
pub async fn add(
    db: &Db,
    staff: &Staff,
    request: &AddRequest,
    now: DateTime<Utc>,
) -> Result<WaitingView, AppError> {
    staff.require(Action::Lend)?;
    let borrower_id = request
        .borrower_id
        .ok_or_else(|| AppError::invalid("borrower_id", "choose who is waiting"))?;
    let kind = match request.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(kind) => DeviceKind::parse(kind)?,
        None => {
            return Err(AppError::invalid(
                "kind",
                "choose what they are waiting for: a laptop, a tablet or a MiFi",
            ));
        }
    };
    let hub_id = request
        .hub_id
        .ok_or_else(|| AppError::invalid("hub_id", "choose the hub"))?;
    let priority = request.priority.unwrap_or(0);
    if !(0..=100).contains(&priority) {
        return Err(AppError::invalid(
            "priority",
            "priority must be a number from 0 to 100",
        ));
    }
    if !staff.sees_hub(hub_id)
        || crate::hubs::service::find_row(&db.read, hub_id)
            .await?
            .is_none_or(|hub| hub.organisation_id != staff.organisation_id())
    {
        return Err(AppError::invalid(
            "hub_id",
            format!("there is no hub with id {hub_id} at your hubs"),
        ));
    }
    let tx = db::begin_write(db).await?;
    let borrower = crate::people::service::find_locked(&tx, staff.organisation_id(), borrower_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                "borrower_id",
                format!("there is no borrower with id {borrower_id}"),
            )
        })?;
    if borrower.anonymised_at.is_some() {
        return Err(AppError::Conflict {
            code: "anonymised",
            message: "this record was anonymised: it cannot join the waiting list".into(),
        });
    }
    let entry = join(
        &tx,
        Joining {
            organisation_id: staff.organisation_id(),
            borrower_id,
            kind,
            hub_id,
            priority,
            referral_id: None,
            created_by: Some(staff.id()),
        },
        now,
    )
    .await?;
    record(
        &tx,
        staff,
        EntityRef::Borrower(borrower_id),
        AuditAction::WaitingJoined,
        json!({"waiting_id": entry.id, "kind": kind, "hub_id": hub_id, "priority": priority}),
        now,
    )
    .await?;
    let view = view(&tx, entry, now).await?;
    tx.commit().await?;
    Ok(view)
}

/// Takes someone off the list, letting go of any device held for them (offered to the next).
pub async fn cancel(
    db: &Db,
    staff: &Staff,
    id: i32,
    hold_days: i64,
    now: DateTime<Utc>,
) -> Result<WaitingView, AppError> {
    let scope = staff.scope(Action::Lend)?;
    let tx = db::begin_write(db).await?;
    let entry = repo::find(&tx, &scope, id).await?.ok_or_else(|| unknown(id))?;
    if entry.status != WaitingStatus::Waiting {
        return Err(AppError::Conflict {
            code: "not_waiting",
            message: "they are no longer on the waiting list".into(),
        });
    }
    let held = entry.held_device_id;
    if let Some(device_id) = held {
        // The device's row first, as a loan and an offer take it.
        crate::loans::service::lock_device_by_id(&tx, device_id).await?;
    }
    if !repo::end_if_waiting(&tx, entry.id, WaitingStatus::Cancelled, now).await? {
        return Err(AppError::Conflict {
            code: "not_waiting",
            message: "they are no longer on the waiting list".into(),
        });
    }
    let entry = repo::find(&tx, &scope, id).await?.ok_or_else(|| unknown(id))?;
    record(
        &tx,
        staff,
        EntityRef::Borrower(entry.borrower_id),
        AuditAction::WaitingLeft,
        json!({"waiting_id": entry.id}),
        now,
    )
    .await?;
    if let Some(device_id) = held {
        offer_next_of(&tx, device_id, hold_days, now).await?;
    }
    let view = view(&tx, entry, now).await?;
    tx.commit().await?;
    Ok(view)
}
