//! Device rows. The list query pages by asset tag over an index that matches each filter, and
//! searches through the text index of the migration (FTS5 on SQLite, trigrams on PostgreSQL).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};

use super::model::{AssetTag, DeviceDetails, DeviceKind, DeviceStatus};
use crate::entities::device::{self, Entity as Device};

/// What a device list is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceFilter {
    pub status: Option<DeviceStatus>,
    pub kind: Option<DeviceKind>,
    pub hub_id: Option<i32>,
    /// Text to find within tag, serial number, make, model or IMEI: at least 3 characters.
    pub q: Option<String>,
    /// The asset tag after which the page starts.
    pub after: Option<String>,
}

fn set_details(row: &mut device::ActiveModel, details: &DeviceDetails, now: DateTime<Utc>) {
    let sim = details.sim.as_ref();
    row.make = Set(details.make.clone());
    row.model = Set(details.model.clone());
    row.serial_number = Set(details.serial_number.clone());
    row.imei = Set(details.imei.clone());
    row.condition = Set(details.condition);
    row.accessories = Set(serde_json::to_string(&details.accessories).unwrap_or_else(|_| "[]".into()));
    row.hub_id = Set(details.hub_id);
    row.funding_source = Set(details.funding_source.clone());
    row.purchased_on = Set(details.purchased_on);
    row.purchase_cost_pence = Set(details.purchase_cost_pence);
    row.notes = Set(details.notes.clone());
    row.sim_iccid = Set(sim.map(|s| s.iccid.clone()));
    row.sim_network = Set(sim.map(|s| s.network.clone()));
    row.sim_allowance_gb = Set(sim.and_then(|s| s.allowance_gb));
    row.sim_plan_ends_on = Set(sim.and_then(|s| s.plan_ends_on));
    row.updated_at = Set(now);
}

/// A new row, not yet written: for `insert` and for bulk loading.
pub fn new_row(
    organisation_id: i32,
    tag: &AssetTag,
    kind: DeviceKind,
    status: DeviceStatus,
    details: &DeviceDetails,
    now: DateTime<Utc>,
) -> device::ActiveModel {
    let mut row = device::ActiveModel {
        organisation_id: Set(organisation_id),
        asset_tag: Set(tag.as_str().to_owned()),
        kind: Set(kind),
        status: Set(status),
        created_at: Set(now),
        ..Default::default()
    };
    set_details(&mut row, details, now);
    row
}

pub async fn insert(db: &impl ConnectionTrait, row: device::ActiveModel) -> Result<device::Model, DbErr> {
    row.insert(db).await
}

pub async fn insert_many(db: &impl ConnectionTrait, rows: Vec<device::ActiveModel>) -> Result<(), DbErr> {
    Device::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

pub async fn update_details(
    db: &impl ConnectionTrait,
    row: device::Model,
    details: &DeviceDetails,
    now: DateTime<Utc>,
) -> Result<device::Model, DbErr> {
    let mut row = row.into_active_model();
    set_details(&mut row, details, now);
    row.update(db).await
}

pub async fn find_by_tag(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    tag: &AssetTag,
) -> Result<Option<device::Model>, DbErr> {
    Device::find()
        .filter(device::Column::AssetTag.eq(tag.as_str()))
        .filter(device::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await
}

/// Up to `limit` devices of the organisation matching `filter`, in asset-tag order.
pub async fn list(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    filter: &DeviceFilter,
    limit: u64,
) -> Result<Vec<device::Model>, DbErr> {
    let mut query = Device::find().filter(device::Column::OrganisationId.eq(organisation_id));
    if let Some(status) = filter.status {
        query = query.filter(device::Column::Status.eq(status));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(device::Column::Kind.eq(kind));
    }
    if let Some(hub_id) = filter.hub_id {
        query = query.filter(device::Column::HubId.eq(hub_id));
    }
    if let Some(after) = &filter.after {
        query = query.filter(device::Column::AssetTag.gt(after.as_str()));
    }
    if let Some(q) = &filter.q {
        query = query.filter(search_condition(db.get_database_backend(), q));
    }
    query
        .order_by_asc(device::Column::AssetTag)
        .limit(limit)
        .all(db)
        .await
}

fn search_condition(backend: DbBackend, q: &str) -> Expr {
    if backend == DbBackend::Postgres {
        // Must match the expression of the `devices_search_trgm` index word for word.
        let escaped = q
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        Expr::cust_with_values(
            "lower(asset_tag || ' ' || coalesce(serial_number, '') || ' ' || make || ' ' || model || ' ' || \
             coalesce(imei, '')) LIKE $1",
            [format!("%{escaped}%")],
        )
    } else {
        // One FTS5 phrase: the text is matched as a substring, quotes doubled.
        let phrase = format!("\"{}\"", q.replace('"', "\"\""));
        Expr::cust_with_values(
            "devices.id IN (SELECT rowid FROM devices_fts WHERE devices_fts MATCH ?)",
            [phrase],
        )
    }
}
