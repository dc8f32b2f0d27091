//! Booking devices for a session, cancelling a booking, listing what is booked, and the check
//! the counter makes before a device leaves the shelf.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, IntoActiveModel};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{model::most_at_once, repo};
use crate::{
    audit::{AuditAction, EntityRef, record},
    auth::{Action, Staff},
    dates::london_time,
    db::{self, Db},
    devices::model::DeviceKind,
    entities::{device, reservation},
    error::{AppError, FieldError},
    paging::{cut_by, page_size},
    training::model::parse_starts_at,
};

/// The longest a booking may run.
const LONGEST_DAYS: i64 = 31;

/// `POST /reservations`. With `session_id`, what is left out is the session's: its hub, its start
/// and its end.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReservationRequest {
    pub hub_id: Option<i32>,
    #[schema(value_type = DeviceKind, required = true)]
    pub kind: Option<String>,
    /// How many devices (1 to 500).
    #[schema(value_type = i32, required = true, minimum = 1, maximum = 500)]
    pub count: Option<i32>,
    /// RFC 3339, or a London time as `2027-03-10T10:00`.
    #[schema(format = "line", max_length = 40)]
    pub starts_at: Option<String>,
    #[schema(format = "line", max_length = 40)]
    pub ends_at: Option<String>,
    pub session_id: Option<i32>,
}

/// A booking as the API and pages show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReservationView {
    pub id: i32,
    pub hub_id: i32,
    pub kind: DeviceKind,
    pub count: i32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub session_id: Option<i32>,
    pub made_by: i32,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl From<reservation::Model> for ReservationView {
    fn from(row: reservation::Model) -> Self {
        Self {
            id: row.id,
            hub_id: row.hub_id,
            kind: row.kind,
            count: row.count,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            session_id: row.session_id,
            made_by: row.made_by,
            created_at: row.created_at,
            cancelled_at: row.cancelled_at,
        }
    }
}

/// `GET /reservations`: bookings still to end, soonest first.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReservationQuery {
    pub hub_id: Option<i32>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^[0-9]{1,19}\.[0-9]{1,9}$")]
    pub cursor: Option<String>,
    /// How many a page holds (1 to 200; 50 unless given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReservationPage {
    pub items: Vec<ReservationView>,
    pub total: u64,
    pub next_cursor: Option<String>,
}

fn when(
    field: &str,
    text: Option<&str>,
    session: Option<DateTime<Utc>>,
) -> Result<DateTime<Utc>, FieldError> {
    match (text.map(str::trim).filter(|t| !t.is_empty()), session) {
        (None, Some(at)) => Ok(at),
        (None, None) => Err(FieldError::new(
            field,
            "enter a date and time like 2027-03-10T10:00",
        )),
        (text, _) => parse_starts_at(field, text),
    }
}

/// Books devices; refused with `409 not_enough_devices` when the hub's shelf cannot cover this
/// booking and those it overlaps.
pub async fn make(
    db: &Db,
    staff: &Staff,
    request: &ReservationRequest,
    now: DateTime<Utc>,
) -> Result<ReservationView, AppError> {
    staff.require(Action::Train)?;
    let session = match request.session_id {
        Some(id) => Some(
            crate::training::service::sessions_by_ids(&db.read, staff.organisation_id(), vec![id])
                .await?
                .pop()
                .filter(|s| s.cancelled_at.is_none())
                .ok_or_else(|| {
                    AppError::invalid(
                        "session_id",
                        format!("there is no session with id {id} still to run"),
                    )
                })?,
        ),
        None => None,
    };
    let kind = request
        .kind
        .as_deref()
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| AppError::invalid("kind", "choose which devices to book"))?;
    let kind = DeviceKind::parse(kind)?;
    let count = request
        .count
        .filter(|c| (1..=500).contains(c))
        .ok_or_else(|| AppError::invalid("count", "book from 1 to 500 devices"))?;
    let starts_at = when(
        "starts_at",
        request.starts_at.as_deref(),
        session.as_ref().map(|s| s.starts_at),
    )?;
    let session_end = session
        .as_ref()
        .map(|s| s.starts_at + Duration::minutes(i64::from(s.duration_minutes)));
    let ends_at = when("ends_at", request.ends_at.as_deref(), session_end)?;
    if ends_at <= starts_at {
        return Err(AppError::invalid(
            "ends_at",
            "the booking must end after it starts",
        ));
    }
    if ends_at <= now {
        return Err(AppError::invalid("ends_at", "that time has passed"));
    }
    if ends_at - starts_at > Duration::days(LONGEST_DAYS) {
        return Err(AppError::invalid(
            "ends_at",
            format!("a booking runs for {LONGEST_DAYS} days at most"),
        ));
    }
    let hub_id = request
        .hub_id
        .or(session.as_ref().and_then(|s| s.hub_id))
        .ok_or_else(|| AppError::invalid("hub_id", "choose the hub the devices are at"))?;
    let unknown_hub = || AppError::invalid("hub_id", format!("there is no hub with id {hub_id}"));
    if !staff.sees_hub(hub_id) {
        return Err(unknown_hub());
    }
    let tx = db::begin_write(db).await?;
    let hub = repo::lock_hub(&tx, hub_id)
        .await?
        .filter(|h| h.organisation_id == staff.organisation_id())
        .ok_or_else(unknown_hub)?;
    let mut bookings = repo::overlapping(&tx, hub_id, kind, starts_at, ends_at).await?;
    bookings.push((starts_at, ends_at, count));
    let needed = most_at_once(&bookings, starts_at.max(now), ends_at);
    let shelf = repo::on_the_shelf(&tx, hub_id, kind).await?;
    if i64::try_from(shelf).unwrap_or(i64::MAX) < needed {
        return Err(AppError::Conflict {
            code: "not_enough_devices",
            message: format!(
                "{} has {} on the shelf, and this booking with the others then needs {needed}",
                hub.name,
                kind.count(shelf)
            ),
        });
    }
    let row = repo::insert(
        &tx,
        reservation::ActiveModel {
            organisation_id: Set(staff.organisation_id()),
            hub_id: Set(hub_id),
            kind: Set(kind),
            count: Set(count),
            starts_at: Set(starts_at),
            ends_at: Set(ends_at),
            session_id: Set(request.session_id),
            made_by: Set(staff.id()),
            created_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    let details = json!({"reservation_id": row.id, "kind": kind, "count": count, "starts_at": starts_at, "ends_at": ends_at});
    record(
        &tx,
        staff,
        EntityRef::Hub(hub_id),
        AuditAction::ReservationMade,
        details,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row.into())
}

/// Lets the devices of a booking go back to lending.
pub async fn cancel(
    db: &Db,
    staff: &Staff,
    id: i32,
    now: DateTime<Utc>,
) -> Result<ReservationView, AppError> {
    let scope = staff.scope(Action::Train)?;
    let tx = db::begin_write(db).await?;
    let row = repo::find(&tx, &scope, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no booking with id {id}")))?;
    if row.cancelled_at.is_some() {
        return Ok(row.into());
    }
    let hub_id = row.hub_id;
    let mut active = row.into_active_model();
    active.cancelled_at = Set(Some(now));
    let row = repo::update(&tx, active).await?;
    record(
        &tx,
        staff,
        EntityRef::Hub(hub_id),
        AuditAction::ReservationCancelled,
        json!({"reservation_id": id}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row.into())
}

fn parse_cursor(text: Option<&str>) -> Result<Option<(DateTime<Utc>, i32)>, FieldError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let bad = || FieldError::new("cursor", "cursor must be the next_cursor of an earlier page");
    let (seconds, id) = text.split_once('.').ok_or_else(bad)?;
    let at = seconds
        .parse::<i64>()
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .ok_or_else(bad)?;
    Ok(Some((at, id.parse().map_err(|_| bad())?)))
}

pub async fn list(
    db: &Db,
    staff: &Staff,
    query: &ReservationQuery,
    now: DateTime<Utc>,
) -> Result<ReservationPage, AppError> {
    let scope = staff.scope_within(Action::ViewTraining, query.hub_id)?;
    let limit = page_size(query.limit, 50, 200)?;
    let after = parse_cursor(query.cursor.as_deref())?;
    let (rows, total) = repo::upcoming(&db.read, &scope, now, after, limit + 1).await?;
    let (rows, next) = cut_by(rows, limit, |r| format!("{}.{}", r.ends_at.timestamp(), r.id));
    Ok(ReservationPage {
        items: rows.into_iter().map(Into::into).collect(),
        total,
        next_cursor: next,
    })
}

/// Asked when `device` has just left the shelf (lent until `until`, or given away for good when
/// `None`), in the same transaction: refused with `409 reserved` when what is left at its hub no
/// longer covers the sessions booked in that time.
pub async fn check_free(
    db: &impl ConnectionTrait,
    device: &device::Model,
    now: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
) -> Result<(), AppError> {
    let until = until.unwrap_or(now + Duration::days(3650));
    repo::wait_for_hub(db, device.hub_id).await?;
    let bookings = repo::overlapping(db, device.hub_id, device.kind, now, until).await?;
    if bookings.is_empty() {
        return Ok(());
    }
    let needed = most_at_once(&bookings, now, until);
    let shelf = repo::on_the_shelf(db, device.hub_id, device.kind).await?;
    if i64::try_from(shelf).unwrap_or(i64::MAX) >= needed {
        return Ok(());
    }
    let first = bookings[0];
    Err(AppError::Conflict {
        code: "reserved",
        message: format!(
            "{} is kept for a training session: {} booked from {} to {}",
            device.asset_tag,
            device.kind.count(u64::try_from(first.2).unwrap_or(0)),
            london_time(first.0),
            london_time(first.1)
        ),
    })
}
