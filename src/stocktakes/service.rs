//! Starting, scanning into and closing stocktakes, and the two actions a result leads to: report
//! a missing device lost, or move a device that turned up here to this hub. Staff who lend (hub
//! staff, coordinators, admins) do all of it; trainers have no part in it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    model::{StocktakeView, on_the_shelf, sort, unexpected_because},
    repo,
};
use crate::{
    audit::{AuditAction, EntityRef, record},
    auth::{Action, Staff},
    db::{self, Db},
    devices::{model::AssetTag, service::DeviceView},
    entities::{device, hub, stocktake},
    error::AppError,
};

/// `POST /stocktakes`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct StartRequest {
    pub hub_id: Option<i32>,
}

/// `POST /stocktakes/{id}/scans`, and the actions on a closed stocktake's devices.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct TagRequest {
    /// The tag as typed, or the label's whole QR address as a scanner types it.
    pub asset_tag: Option<String>,
}

/// What one scan found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScanView {
    pub asset_tag: String,
    pub make_model: String,
    /// `found` (on its hub's shelf, as expected) or `unexpected`.
    pub outcome: String,
    /// Why it is unexpected, when it is.
    pub reason: Option<String>,
    /// True when this device had already been scanned in this stocktake (it counts once).
    pub already_scanned: bool,
}

/// One stocktake in the list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StocktakeSummary {
    pub id: i32,
    pub hub_id: i32,
    pub hub_name: String,
    pub started_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StocktakeList {
    pub items: Vec<StocktakeSummary>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_cursor: Option<i32>,
}

async fn own(
    db: &impl sea_orm::ConnectionTrait,
    staff: &Staff,
    id: i32,
) -> Result<stocktake::Model, AppError> {
    repo::find(db, &staff.scope(Action::Lend)?, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no stocktake with id {id}")))
}

fn hub_name(hubs: &[hub::Model], id: i32) -> String {
    hubs.iter()
        .find(|h| h.id == id)
        .map_or_else(|| format!("hub {id}"), |h| h.name.clone())
}

/// Starts counting a hub.
pub async fn start(
    db: &Db,
    staff: &Staff,
    request: &StartRequest,
    now: DateTime<Utc>,
) -> Result<StocktakeView, AppError> {
    staff.require(Action::Lend)?;
    let hub_id = request
        .hub_id
        .ok_or_else(|| AppError::invalid("hub_id", "choose the hub to count"))?;
    let hub = crate::hubs::service::find_row(&db.read, hub_id)
        .await?
        .filter(|h| h.organisation_id == staff.organisation_id() && staff.sees_hub(h.id))
        .ok_or_else(|| AppError::invalid("hub_id", format!("there is no hub with id {hub_id}")))?;
    let tx = db::begin_write(db).await?;
    let row = repo::insert(&tx, staff.organisation_id(), hub.id, staff.id(), now).await?;
    record(
        &tx,
        staff,
        EntityRef::Hub(hub.id),
        AuditAction::StocktakeStarted,
        json!({"stocktake_id": row.id}),
        now,
    )
    .await?;
    tx.commit().await?;
    view(&db.read, staff, row.id).await
}

/// Counts one device: scanned or typed, in any form the one tag reader takes.
pub async fn scan(
    db: &Db,
    staff: &Staff,
    id: i32,
    request: &TagRequest,
    now: DateTime<Utc>,
) -> Result<ScanView, AppError> {
    staff.require(Action::Lend)?;
    let stocktake = own(&db.read, staff, id).await?;
    if stocktake.closed_at.is_some() {
        return Err(AppError::Conflict {
            code: "stocktake_closed",
            message: "this stocktake is closed: start a new one to count again".into(),
        });
    }
    let device = device_for(db, staff, request).await?;
    let new = repo::add_scan(&db.write, id, device.id, staff.id(), now).await?;
    let hubs = crate::hubs::service::list_rows(&db.read, staff.organisation_id()).await?;
    let reason = unexpected_because(&device, stocktake.hub_id, |h| hub_name(&hubs, h));
    Ok(ScanView {
        outcome: if reason.is_some() { "unexpected" } else { "found" }.into(),
        make_model: format!("{} {}", device.make, device.model),
        asset_tag: device.asset_tag,
        reason,
        already_scanned: !new,
    })
}

async fn device_for(db: &Db, staff: &Staff, request: &TagRequest) -> Result<device::Model, AppError> {
    let text = request
        .asset_tag
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AppError::invalid("asset_tag", "scan the label or type the device's asset tag"))?;
    let tag = AssetTag::parse("asset_tag", text)?;
    crate::devices::service::find_by_tag(&db.read, staff.organisation_id(), &tag)
        .await?
        .ok_or_else(|| AppError::invalid("asset_tag", format!("there is no device with asset tag {tag}")))
}

/// A stocktake and what it has counted: found and unexpected so far, and what is still missing.
pub async fn view(
    db: &impl sea_orm::ConnectionTrait,
    staff: &Staff,
    id: i32,
) -> Result<StocktakeView, AppError> {
    staff.require(Action::Lend)?;
    let stocktake = own(db, staff, id).await?;
    let hubs = crate::hubs::service::list_rows(db, staff.organisation_id()).await?;
    let scanned = repo::scanned(db, id).await?;
    let expected = repo::expected(db, staff.organisation_id(), stocktake.hub_id).await?;
    let (found, missing, unexpected) = sort(stocktake.hub_id, &scanned, &expected, |h| hub_name(&hubs, h));
    Ok(StocktakeView {
        id,
        hub_id: stocktake.hub_id,
        hub_name: hub_name(&hubs, stocktake.hub_id),
        started_at: stocktake.started_at,
        closed_at: stocktake.closed_at,
        found,
        missing,
        unexpected,
    })
}

/// Ends the count; the result is what `view` shows from then on.
pub async fn close(db: &Db, staff: &Staff, id: i32, now: DateTime<Utc>) -> Result<StocktakeView, AppError> {
    staff.require(Action::Lend)?;
    let tx = db::begin_write(db).await?;
    let stocktake = own(&tx, staff, id).await?;
    if !repo::close(&tx, id, staff.id(), now).await? {
        return Err(AppError::Conflict {
            code: "stocktake_closed",
            message: "this stocktake is already closed".into(),
        });
    }
    let result = view(&tx, staff, id).await?;
    record(
        &tx,
        staff,
        EntityRef::Hub(stocktake.hub_id),
        AuditAction::StocktakeClosed,
        json!({
            "stocktake_id": id,
            "found": result.found.len(),
            "missing": result.missing.len(),
            "unexpected": result.unexpected.len(),
        }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(result)
}

/// A closed stocktake's device, for acting on its result.
async fn closed_with(
    db: &Db,
    staff: &Staff,
    id: i32,
    request: &TagRequest,
) -> Result<(stocktake::Model, device::Model), AppError> {
    let stocktake = own(&db.read, staff, id).await?;
    if stocktake.closed_at.is_none() {
        return Err(AppError::Conflict {
            code: "stocktake_open",
            message: "close the stocktake first: until then a device may still be scanned".into(),
        });
    }
    Ok((stocktake, device_for(db, staff, request).await?))
}

/// Reports a device the stocktake found missing as lost.
pub async fn report_missing(
    db: &Db,
    staff: &Staff,
    id: i32,
    request: &TagRequest,
    now: DateTime<Utc>,
) -> Result<DeviceView, AppError> {
    staff.require(Action::Lend)?;
    let (stocktake, device) = closed_with(db, staff, id, request).await?;
    let missing = device.hub_id == stocktake.hub_id
        && on_the_shelf(device.status)
        && !repo::was_scanned(&db.read, id, device.id).await?;
    if !missing {
        return Err(AppError::invalid(
            "asset_tag",
            format!("{} was not missing at this stocktake", device.asset_tag),
        ));
    }
    let hubs = crate::hubs::service::list_rows(&db.read, staff.organisation_id()).await?;
    let hub = hub_name(&hubs, stocktake.hub_id);
    crate::loans::service::report_missing(db, staff, &device.asset_tag, id, &hub, now).await
}

/// Moves a device scanned at this stocktake, but belonging to another hub, to this one.
pub async fn move_here(
    db: &Db,
    staff: &Staff,
    id: i32,
    request: &TagRequest,
    now: DateTime<Utc>,
) -> Result<DeviceView, AppError> {
    staff.require(Action::Lend)?;
    let (stocktake, device) = closed_with(db, staff, id, request).await?;
    let elsewhere = device.hub_id != stocktake.hub_id && repo::was_scanned(&db.read, id, device.id).await?;
    if !elsewhere {
        return Err(AppError::invalid(
            "asset_tag",
            format!("{} was not scanned here from another hub", device.asset_tag),
        ));
    }
    crate::devices::service::move_to_hub(db, staff, &device.asset_tag, stocktake.hub_id, now).await
}

/// The organisation's stocktakes, newest first, `limit` at a time.
pub async fn list(
    db: &impl sea_orm::ConnectionTrait,
    staff: &Staff,
    before: Option<i32>,
    limit: u64,
) -> Result<StocktakeList, AppError> {
    let scope = staff.scope(Action::Lend)?;
    let hubs = crate::hubs::service::list_rows(db, staff.organisation_id()).await?;
    let mut rows = repo::list(db, &scope, before, limit + 1).await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = if more { rows.last().map(|r| r.id) } else { None };
    Ok(StocktakeList {
        items: rows
            .into_iter()
            .map(|r| StocktakeSummary {
                id: r.id,
                hub_id: r.hub_id,
                hub_name: hub_name(&hubs, r.hub_id),
                started_at: r.started_at,
                closed_at: r.closed_at,
            })
            .collect(),
        next_cursor,
    })
}
