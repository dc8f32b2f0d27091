//! Rows on the device side of a loan: the device locked for a transition, its status moved only
//! if it is still what was read, its accessories and home hub, and its checks, repairs and
//! disposal.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::{
    devices::model::{AssetTag, DeviceStatus},
    entities::{
        device::{self, Entity as Device},
        device_check, disposal,
        repair::{self, Entity as Repair},
    },
};

/// The device, locked for the rest of the transaction on PostgreSQL (SQLite's `BEGIN IMMEDIATE`
/// already holds the only write lock).
pub async fn lock_device(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    tag: &AssetTag,
) -> Result<Option<device::Model>, DbErr> {
    let query = Device::find()
        .filter(device::Column::AssetTag.eq(tag.as_str()))
        .filter(device::Column::OrganisationId.eq(organisation_id));
    if db.get_database_backend() == DbBackend::Postgres {
        query.lock_exclusive().one(db).await
    } else {
        query.one(db).await
    }
}

pub async fn lock_device_by_id(db: &impl ConnectionTrait, id: i32) -> Result<Option<device::Model>, DbErr> {
    let query = Device::find_by_id(id);
    if db.get_database_backend() == DbBackend::Postgres {
        query.lock_exclusive().one(db).await
    } else {
        query.one(db).await
    }
}

/// Replaces the accessories a device has (the checks found some missing).
pub async fn set_accessories(
    db: &impl ConnectionTrait,
    device_id: i32,
    accessories: Vec<String>,
) -> Result<(), DbErr> {
    Device::update_many()
        .col_expr(
            device::Column::Accessories,
            sea_orm::sea_query::Expr::value(crate::entities::JsonList::from(accessories)),
        )
        .filter(device::Column::Id.eq(device_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Makes `hub_id` the device's home (it came back there).
pub async fn set_home_hub(db: &impl ConnectionTrait, device_id: i32, hub_id: i32) -> Result<(), DbErr> {
    Device::update_many()
        .col_expr(device::Column::HubId, sea_orm::sea_query::Expr::value(hub_id))
        .filter(device::Column::Id.eq(device_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Moves a device from `from` to `to`, only if it is still in `from`. Returns whether it moved.
pub async fn set_status(
    db: &impl ConnectionTrait,
    device_id: i32,
    from: DeviceStatus,
    to: DeviceStatus,
    condition: Option<crate::devices::model::Condition>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = Device::update_many()
        .col_expr(device::Column::Status, sea_orm::sea_query::Expr::value(to))
        .col_expr(device::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now));
    if let Some(condition) = condition {
        update = update.col_expr(
            device::Column::Condition,
            sea_orm::sea_query::Expr::value(condition),
        );
    }
    let result = update
        .filter(device::Column::Id.eq(device_id))
        .filter(device::Column::Status.eq(from))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Up to `limit` available devices of an organisation after device `after`, by id: (id, hub)
/// (demo data).
pub async fn available_devices(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    after: i32,
    limit: u64,
) -> Result<Vec<(i32, i32)>, DbErr> {
    Device::find()
        .select_only()
        .column(device::Column::Id)
        .column(device::Column::HubId)
        .filter(device::Column::OrganisationId.eq(organisation_id))
        .filter(device::Column::Status.eq(DeviceStatus::Available))
        .filter(device::Column::Id.gt(after))
        .order_by_asc(device::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// Marks devices on loan (demo data; real loans go through `set_status`).
pub async fn mark_on_loan(db: &impl ConnectionTrait, ids: Vec<i32>, now: DateTime<Utc>) -> Result<(), DbErr> {
    Device::update_many()
        .col_expr(device::Column::Status, DeviceStatus::OnLoan.as_str().into())
        .col_expr(device::Column::UpdatedAt, now.into())
        .filter(device::Column::Id.is_in(ids))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn insert_check(db: &impl ConnectionTrait, row: device_check::ActiveModel) -> Result<(), DbErr> {
    row.insert(db).await?;
    Ok(())
}

pub async fn insert_repair(
    db: &impl ConnectionTrait,
    row: repair::ActiveModel,
) -> Result<repair::Model, DbErr> {
    row.insert(db).await
}

pub async fn find_repair(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
) -> Result<Option<repair::Model>, DbErr> {
    Repair::find_by_id(id)
        .filter(repair::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await
}

pub async fn repairs_of_device(
    db: &impl ConnectionTrait,
    device_id: i32,
) -> Result<Vec<repair::Model>, DbErr> {
    Repair::find()
        .filter(repair::Column::DeviceId.eq(device_id))
        .order_by_desc(repair::Column::Id)
        .all(db)
        .await
}

pub async fn update_repair(
    db: &impl ConnectionTrait,
    row: repair::Model,
    outcome: repair::ActiveModel,
) -> Result<repair::Model, DbErr> {
    let mut active = row.into_active_model();
    active.outcome = outcome.outcome;
    active.cost_pence = outcome.cost_pence;
    active.notes = outcome.notes;
    active.closed_by = outcome.closed_by;
    active.closed_at = outcome.closed_at;
    active.update(db).await
}

pub async fn insert_disposal(db: &impl ConnectionTrait, row: disposal::ActiveModel) -> Result<(), DbErr> {
    row.insert(db).await?;
    Ok(())
}
