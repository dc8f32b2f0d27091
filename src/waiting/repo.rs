//! Waiting-list queries: the list in its order, places in it, holds, and the returns the
//! expected wait is worked out from.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};

use crate::{
    auth::model::Scope,
    devices::model::DeviceKind,
    entities::{
        device, loan,
        waiting::{self, Entity as Waiting},
    },
    waiting::model::WaitingStatus,
};

pub async fn insert(db: &impl ConnectionTrait, row: waiting::ActiveModel) -> Result<waiting::Model, DbErr> {
    Waiting::insert(row).exec_with_returning(db).await
}

pub async fn update(db: &impl ConnectionTrait, row: waiting::ActiveModel) -> Result<waiting::Model, DbErr> {
    Waiting::update(row).exec(db).await
}

fn scoped(scope: &Scope) -> Condition {
    scope.condition(waiting::Column::OrganisationId, waiting::Column::HubId)
}

pub async fn find(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i32,
) -> Result<Option<waiting::Model>, DbErr> {
    Waiting::find_by_id(id).filter(scoped(scope)).one(db).await
}

/// Where a page of the list starts: after this entry in the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct After {
    pub priority: i32,
    pub since: DateTime<Utc>,
    pub id: i32,
}

/// Entries that come before `after` in the order: higher priority, then earlier, then lower id.
fn ahead_of(priority: i32, since: DateTime<Utc>, id: i32) -> Condition {
    Condition::any()
        .add(waiting::Column::Priority.gt(priority))
        .add(
            Condition::all()
                .add(waiting::Column::Priority.eq(priority))
                .add(waiting::Column::Since.lt(since)),
        )
        .add(
            Condition::all()
                .add(waiting::Column::Priority.eq(priority))
                .add(waiting::Column::Since.eq(since))
                .add(waiting::Column::Id.lt(id)),
        )
}

/// Up to `limit` people still waiting, in the order they will be offered a device, after
/// `after`; and how many are waiting in all.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    kind: Option<DeviceKind>,
    after: Option<After>,
    limit: u64,
) -> Result<(Vec<waiting::Model>, u64), DbErr> {
    let mut filter = scoped(scope).add(waiting::Column::Status.eq(WaitingStatus::Waiting));
    if let Some(kind) = kind {
        filter = filter.add(waiting::Column::Kind.eq(kind));
    }
    let total = Waiting::find().filter(filter.clone()).count(db).await?;
    let mut query = Waiting::find().filter(filter);
    if let Some(after) = after {
        query = query.filter(ahead_of(after.priority, after.since, after.id).not());
        query = query.filter(waiting::Column::Id.ne(after.id));
    }
    let rows = query
        .order_by_desc(waiting::Column::Priority)
        .order_by_asc(waiting::Column::Since)
        .order_by_asc(waiting::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// The place of `entry` in its hub's list for its kind: 1 is next.
pub async fn position(db: &impl ConnectionTrait, entry: &waiting::Model) -> Result<u64, DbErr> {
    let ahead = Waiting::find()
        .filter(waiting::Column::HubId.eq(entry.hub_id))
        .filter(waiting::Column::Kind.eq(entry.kind))
        .filter(waiting::Column::Status.eq(WaitingStatus::Waiting))
        .filter(ahead_of(entry.priority, entry.since, entry.id))
        .count(db)
        .await?;
    Ok(ahead + 1)
}

/// How many devices of `kind` belonging to `hub_id` came back from a loan since `since`.
pub async fn returns_since(
    db: &impl ConnectionTrait,
    hub_id: i32,
    kind: DeviceKind,
    since: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let devices = sea_orm::sea_query::Query::select()
        .column(device::Column::Id)
        .from(device::Entity)
        .and_where(device::Column::HubId.eq(hub_id))
        .and_where(device::Column::Kind.eq(kind))
        .to_owned();
    loan::Entity::find()
        .filter(loan::Column::DeviceId.in_subquery(devices))
        .filter(loan::Column::ReturnedAt.gt(since))
        .count(db)
        .await
}

/// The entry holding `device_id`, if any.
pub async fn holding(db: &impl ConnectionTrait, device_id: i32) -> Result<Option<waiting::Model>, DbErr> {
    Waiting::find()
        .filter(waiting::Column::HeldDeviceId.eq(device_id))
        .one(db)
        .await
}

/// The first person waiting for `kind` at `hub_id` who holds nothing yet.
pub async fn next_in_line(
    db: &impl ConnectionTrait,
    hub_id: i32,
    kind: DeviceKind,
) -> Result<Option<waiting::Model>, DbErr> {
    Waiting::find()
        .filter(waiting::Column::HubId.eq(hub_id))
        .filter(waiting::Column::Kind.eq(kind))
        .filter(waiting::Column::Status.eq(WaitingStatus::Waiting))
        .filter(waiting::Column::HeldDeviceId.is_null())
        .order_by_desc(waiting::Column::Priority)
        .order_by_asc(waiting::Column::Since)
        .order_by_asc(waiting::Column::Id)
        .one(db)
        .await
}

/// In one query, for the loan of a device: the entry that holds `device_id`, and
/// `borrower_id`'s entry waiting for `kind` at `hub_id` (they may be the same).
pub async fn holder_and_waiting(
    db: &impl ConnectionTrait,
    device_id: i32,
    borrower_id: i32,
    kind: DeviceKind,
    hub_id: i32,
) -> Result<(Option<waiting::Model>, Option<waiting::Model>), DbErr> {
    let theirs = Condition::all()
        .add(waiting::Column::BorrowerId.eq(borrower_id))
        .add(waiting::Column::Kind.eq(kind))
        .add(waiting::Column::HubId.eq(hub_id))
        .add(waiting::Column::Status.eq(WaitingStatus::Waiting));
    let rows = Waiting::find()
        .filter(
            Condition::any()
                .add(waiting::Column::HeldDeviceId.eq(device_id))
                .add(theirs),
        )
        .limit(3)
        .all(db)
        .await?;
    let holder = rows.iter().find(|r| r.held_device_id == Some(device_id)).cloned();
    let waiting = rows.into_iter().find(|r| {
        r.borrower_id == borrower_id
            && r.kind == kind
            && r.hub_id == hub_id
            && r.status == WaitingStatus::Waiting
    });
    Ok((holder, waiting))
}

/// `borrower_id`'s entry waiting for `kind` at `hub_id`, if they are on that list.
pub async fn waiting_for(
    db: &impl ConnectionTrait,
    borrower_id: i32,
    kind: DeviceKind,
    hub_id: i32,
) -> Result<Option<waiting::Model>, DbErr> {
    Waiting::find()
        .filter(waiting::Column::BorrowerId.eq(borrower_id))
        .filter(waiting::Column::Kind.eq(kind))
        .filter(waiting::Column::HubId.eq(hub_id))
        .filter(waiting::Column::Status.eq(WaitingStatus::Waiting))
        .one(db)
        .await
}

/// Ends `id` (lent or cancelled, its hold let go) if it is still waiting, and says whether it
/// was: two hands ending one entry at once change it once.
pub async fn end_if_waiting(
    db: &impl ConnectionTrait,
    id: i32,
    status: WaitingStatus,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = Waiting::update_many()
        .col_expr(waiting::Column::Status, Expr::value(status.as_str()))
        .col_expr(waiting::Column::HeldDeviceId, Expr::value(Option::<i32>::None))
        .col_expr(
            waiting::Column::HeldUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(waiting::Column::EndedAt, Expr::value(now))
        .filter(waiting::Column::Id.eq(id))
        .filter(waiting::Column::Status.eq(WaitingStatus::Waiting))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Lets go of the hold on `device_id`, if any; its person keeps their place.
pub async fn release(db: &impl ConnectionTrait, device_id: i32) -> Result<(), DbErr> {
    Waiting::update_many()
        .col_expr(waiting::Column::HeldDeviceId, Expr::value(Option::<i32>::None))
        .col_expr(
            waiting::Column::HeldUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(waiting::Column::HeldDeviceId.eq(device_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The hubs and kinds someone waits for with nothing held for them yet, up to `limit`.
pub async fn unserved(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<(i32, DeviceKind)>, DbErr> {
    Waiting::find()
        .select_only()
        .column(waiting::Column::HubId)
        .column(waiting::Column::Kind)
        .filter(waiting::Column::Status.eq(WaitingStatus::Waiting))
        .filter(waiting::Column::HeldDeviceId.is_null())
        .group_by(waiting::Column::HubId)
        .group_by(waiting::Column::Kind)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// An available device of `kind` at `hub_id` held for nobody, if there is one.
pub async fn free_device(
    db: &impl ConnectionTrait,
    hub_id: i32,
    kind: DeviceKind,
) -> Result<Option<i32>, DbErr> {
    let held = sea_orm::sea_query::Query::select()
        .column(waiting::Column::HeldDeviceId)
        .from(Waiting)
        .and_where(waiting::Column::HeldDeviceId.is_not_null())
        .to_owned();
    device::Entity::find()
        .select_only()
        .column(device::Column::Id)
        .filter(device::Column::HubId.eq(hub_id))
        .filter(device::Column::Kind.eq(kind))
        .filter(device::Column::Status.eq(crate::devices::model::DeviceStatus::Available))
        .filter(device::Column::Id.not_in_subquery(held))
        .order_by_asc(device::Column::Id)
        .into_tuple()
        .one(db)
        .await
}

/// Up to `limit` holds that ran out by `now`, oldest first.
pub async fn lapsed(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<waiting::Model>, DbErr> {
    Waiting::find()
        .filter(waiting::Column::HeldDeviceId.is_not_null())
        .filter(waiting::Column::HeldUntil.lte(now))
        .order_by_asc(waiting::Column::HeldUntil)
        .limit(limit)
        .all(db)
        .await
}

/// Lets go of every hold on a device of `borrower_ids` and takes them off every list (their
/// record is being erased or anonymised).
pub async fn forget(
    db: &impl ConnectionTrait,
    borrower_ids: &[i32],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    Waiting::update_many()
        .col_expr(waiting::Column::HeldDeviceId, Expr::value(Option::<i32>::None))
        .col_expr(
            waiting::Column::HeldUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            waiting::Column::Status,
            Expr::value(WaitingStatus::Cancelled.as_str()),
        )
        .col_expr(waiting::Column::EndedAt, Expr::value(now))
        .filter(waiting::Column::BorrowerId.is_in(borrower_ids.iter().copied()))
        .filter(waiting::Column::Status.eq(WaitingStatus::Waiting))
        .exec(db)
        .await?;
    Ok(())
}

/// Every entry of borrower `borrower_id`, ended ones too (a person waits a handful of times).
pub async fn of_borrower(
    db: &impl ConnectionTrait,
    scope: &Scope,
    borrower_id: i32,
) -> Result<Vec<waiting::Model>, DbErr> {
    Waiting::find()
        .filter(scoped(scope))
        .filter(waiting::Column::BorrowerId.eq(borrower_id))
        .order_by_asc(waiting::Column::Id)
        .limit(100)
        .all(db)
        .await
}
