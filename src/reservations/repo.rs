//! Reservation rows, and the counts a booking is checked against.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::{
    auth::model::Scope,
    devices::model::{DeviceKind, DeviceStatus},
    entities::{device, hub, reservation, waiting},
};

/// Bookings are checked against each other under the hub's row lock (on PostgreSQL; SQLite has
/// one writer): two bookings, or a booking and a loan, at one hub wait for each other.
pub async fn lock_hub(db: &impl ConnectionTrait, hub_id: i32) -> Result<Option<hub::Model>, DbErr> {
    let query = hub::Entity::find_by_id(hub_id);
    if db.get_database_backend() == DbBackend::Postgres {
        query.lock_exclusive().one(db).await
    } else {
        query.one(db).await
    }
}

/// Waits for the hub's row lock on PostgreSQL, as [`lock_hub`], without reading the hub. On
/// SQLite the caller's write transaction is already the only one, so it asks nothing: a loan
/// holds the single writer for one statement fewer.
pub async fn wait_for_hub(db: &impl ConnectionTrait, hub_id: i32) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        lock_hub(db, hub_id).await?;
    }
    Ok(())
}

pub async fn insert(
    db: &impl ConnectionTrait,
    row: reservation::ActiveModel,
) -> Result<reservation::Model, DbErr> {
    row.insert(db).await
}

pub async fn update(
    db: &impl ConnectionTrait,
    row: reservation::ActiveModel,
) -> Result<reservation::Model, DbErr> {
    row.update(db).await
}

fn scoped(scope: &Scope) -> Condition {
    scope.condition(reservation::Column::OrganisationId, reservation::Column::HubId)
}

pub async fn find(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i32,
) -> Result<Option<reservation::Model>, DbErr> {
    reservation::Entity::find_by_id(id)
        .filter(scoped(scope))
        .one(db)
        .await
}

/// The bookings not cancelled of `kind` at `hub_id` that are still running after `from` and
/// start before `until`, as (start, end, count); at most 500 (a hub's term of sessions).
pub async fn overlapping(
    db: &impl ConnectionTrait,
    hub_id: i32,
    kind: DeviceKind,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>, i32)>, DbErr> {
    reservation::Entity::find()
        .select_only()
        .columns([
            reservation::Column::StartsAt,
            reservation::Column::EndsAt,
            reservation::Column::Count,
        ])
        .filter(reservation::Column::HubId.eq(hub_id))
        .filter(reservation::Column::Kind.eq(kind))
        .filter(reservation::Column::CancelledAt.is_null())
        .filter(reservation::Column::EndsAt.gt(from))
        .filter(reservation::Column::StartsAt.lt(until))
        .order_by_asc(reservation::Column::StartsAt)
        .limit(500)
        .into_tuple()
        .all(db)
        .await
}

/// Devices of `kind` at `hub_id` on the shelf now and not held for anyone on the waiting list.
pub async fn on_the_shelf(db: &impl ConnectionTrait, hub_id: i32, kind: DeviceKind) -> Result<u64, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let held = Query::select()
        .column(waiting::Column::HeldDeviceId)
        .from(waiting::Entity)
        .and_where(Expr::col(waiting::Column::HeldDeviceId).is_not_null())
        .to_owned();
    device::Entity::find()
        .filter(device::Column::HubId.eq(hub_id))
        .filter(device::Column::Kind.eq(kind))
        .filter(device::Column::Status.eq(DeviceStatus::Available))
        .filter(device::Column::Id.not_in_subquery(held))
        .count(db)
        .await
}

/// Bookings still to end, within the scope, soonest first, after `after` (a booking's id in that
/// order: its end, then id), and how many there are.
pub async fn upcoming(
    db: &impl ConnectionTrait,
    scope: &Scope,
    now: DateTime<Utc>,
    after: Option<(DateTime<Utc>, i32)>,
    limit: u64,
) -> Result<(Vec<reservation::Model>, u64), DbErr> {
    let filter = scoped(scope)
        .add(reservation::Column::CancelledAt.is_null())
        .add(reservation::Column::EndsAt.gt(now));
    let total = reservation::Entity::find()
        .filter(filter.clone())
        .count(db)
        .await?;
    let mut query = reservation::Entity::find().filter(filter);
    if let Some((ends_at, id)) = after {
        query = query.filter(
            Condition::any().add(reservation::Column::EndsAt.gt(ends_at)).add(
                Condition::all()
                    .add(reservation::Column::EndsAt.eq(ends_at))
                    .add(reservation::Column::Id.gt(id)),
            ),
        );
    }
    let rows = query
        .order_by_asc(reservation::Column::EndsAt)
        .order_by_asc(reservation::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}
