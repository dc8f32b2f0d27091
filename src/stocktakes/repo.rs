//! Stocktake queries: the count, its scans, and the devices a hub should have on its shelf.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::OnConflict,
};

use crate::{
    auth::model::Scope,
    devices::model::DeviceStatus,
    entities::{
        device::{self, Entity as Device},
        stocktake::{self, Entity as Stocktake},
        stocktake_scan::{self, Entity as StocktakeScan},
    },
};

pub async fn insert(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    hub_id: i32,
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<stocktake::Model, DbErr> {
    Stocktake::insert(stocktake::ActiveModel {
        organisation_id: Set(organisation_id),
        hub_id: Set(hub_id),
        started_by: Set(Some(staff_id)),
        started_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(db)
    .await
}

fn scoped(scope: &Scope) -> Condition {
    scope.condition(stocktake::Column::OrganisationId, stocktake::Column::HubId)
}

/// One stocktake within the scope.
pub async fn find(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i32,
) -> Result<Option<stocktake::Model>, DbErr> {
    Stocktake::find_by_id(id).filter(scoped(scope)).one(db).await
}

/// Up to `limit` of the stocktakes within the scope, newest first, before id `before` when given.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    before: Option<i32>,
    limit: u64,
) -> Result<Vec<stocktake::Model>, DbErr> {
    let mut query = Stocktake::find().filter(scoped(scope));
    if let Some(before) = before {
        query = query.filter(stocktake::Column::Id.lt(before));
    }
    query
        .order_by_desc(stocktake::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Records a scan; a device scanned twice counts once. True when it was new.
pub async fn add_scan(
    db: &impl ConnectionTrait,
    stocktake_id: i32,
    device_id: i32,
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let row = stocktake_scan::ActiveModel {
        stocktake_id: Set(stocktake_id),
        device_id: Set(device_id),
        scanned_by: Set(Some(staff_id)),
        scanned_at: Set(now),
    };
    let inserted = StocktakeScan::insert(row)
        .on_conflict(
            OnConflict::columns([
                stocktake_scan::Column::StocktakeId,
                stocktake_scan::Column::DeviceId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted > 0)
}

/// The devices scanned in a stocktake.
pub async fn scanned(db: &impl ConnectionTrait, stocktake_id: i32) -> Result<Vec<device::Model>, DbErr> {
    let ids: Vec<i32> = StocktakeScan::find()
        .select_only()
        .column(stocktake_scan::Column::DeviceId)
        .filter(stocktake_scan::Column::StocktakeId.eq(stocktake_id))
        .into_tuple()
        .all(db)
        .await?;
    Device::find()
        .filter(device::Column::Id.is_in(ids))
        .order_by_asc(device::Column::AssetTag)
        .all(db)
        .await
}

/// Whether a device was scanned in a stocktake.
pub async fn was_scanned(
    db: &impl ConnectionTrait,
    stocktake_id: i32,
    device_id: i32,
) -> Result<bool, DbErr> {
    Ok(StocktakeScan::find_by_id((stocktake_id, device_id))
        .one(db)
        .await?
        .is_some())
}

/// The devices that should be on a hub's shelf: available or waiting for their checks.
pub async fn expected(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    hub_id: i32,
) -> Result<Vec<device::Model>, DbErr> {
    Device::find()
        .filter(device::Column::OrganisationId.eq(organisation_id))
        .filter(device::Column::HubId.eq(hub_id))
        .filter(device::Column::Status.is_in([DeviceStatus::Available, DeviceStatus::AwaitingChecks]))
        .order_by_asc(device::Column::AssetTag)
        .all(db)
        .await
}

/// Closes a stocktake that is still open. True when this call closed it.
pub async fn close(
    db: &impl ConnectionTrait,
    id: i32,
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = Stocktake::update_many()
        .col_expr(stocktake::Column::ClosedAt, sea_orm::sea_query::Expr::value(now))
        .col_expr(
            stocktake::Column::ClosedBy,
            sea_orm::sea_query::Expr::value(staff_id),
        )
        .filter(stocktake::Column::Id.eq(id))
        .filter(stocktake::Column::ClosedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
