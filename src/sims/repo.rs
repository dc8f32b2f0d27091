//! SIM rows: one per ICCID, given once (the update only applies to a SIM nobody has), listed by
//! id within the caller's hubs (a SIM of no hub is every hub's).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};

use super::model::SimStatus;
use crate::{auth::model::Scope, entities::sim};

pub async fn insert(db: &impl ConnectionTrait, row: sim::ActiveModel) -> Result<sim::Model, DbErr> {
    row.insert(db).await
}

fn scoped(scope: &Scope) -> Condition {
    let within = Condition::all().add(sim::Column::OrganisationId.eq(scope.organisation_id()));
    match scope.hub_ids() {
        None => within,
        Some(hubs) => within.add(
            Condition::any()
                .add(sim::Column::HubId.is_null())
                .add(sim::Column::HubId.is_in(hubs.iter().copied())),
        ),
    }
}

pub async fn find(db: &impl ConnectionTrait, scope: &Scope, id: i32) -> Result<Option<sim::Model>, DbErr> {
    sim::Entity::find_by_id(id).filter(scoped(scope)).one(db).await
}

pub async fn by_iccid(
    db: &impl ConnectionTrait,
    scope: &Scope,
    iccid: &str,
) -> Result<Option<sim::Model>, DbErr> {
    sim::Entity::find()
        .filter(scoped(scope))
        .filter(sim::Column::Iccid.eq(iccid))
        .one(db)
        .await
}

/// Gives the SIM to `borrower_id` if nobody has it; answers whether it did.
pub async fn give(
    db: &impl ConnectionTrait,
    id: i32,
    borrower_id: i32,
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = sim::Entity::update_many()
        .col_expr(sim::Column::BorrowerId, Expr::value(borrower_id))
        .col_expr(sim::Column::IssuedAt, Expr::value(now))
        .col_expr(sim::Column::IssuedBy, Expr::value(staff_id))
        .filter(sim::Column::Id.eq(id))
        .filter(sim::Column::BorrowerId.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// SIMs within the scope, newest first, after `before` (an id); and how many match.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    status: Option<SimStatus>,
    borrower_id: Option<i32>,
    today: NaiveDate,
    before: Option<i32>,
    limit: u64,
) -> Result<(Vec<sim::Model>, u64), DbErr> {
    let mut filter = scoped(scope);
    filter = match status {
        None => filter,
        Some(SimStatus::Given) => filter.add(sim::Column::BorrowerId.is_not_null()),
        Some(SimStatus::Available) => filter
            .add(sim::Column::BorrowerId.is_null())
            .add(sim::Column::ExpiresOn.gte(today)),
        Some(SimStatus::Expired) => filter
            .add(sim::Column::BorrowerId.is_null())
            .add(sim::Column::ExpiresOn.lt(today)),
    };
    if let Some(borrower_id) = borrower_id {
        filter = filter.add(sim::Column::BorrowerId.eq(borrower_id));
    }
    let total = sim::Entity::find().filter(filter.clone()).count(db).await?;
    let mut query = sim::Entity::find().filter(filter);
    if let Some(before) = before {
        query = query.filter(sim::Column::Id.lt(before));
    }
    let rows = query.order_by_desc(sim::Column::Id).limit(limit).all(db).await?;
    Ok((rows, total))
}

/// SIMs given to someone whose data ends between `from` and `to`, whose person has not been told
/// yet (the sweep tells them; the outbox's key for it is `data_ending:{id}`).
pub async fn ending(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
    limit: u64,
) -> Result<Vec<sim::Model>, DbErr> {
    sim::Entity::find()
        .filter(sim::Column::BorrowerId.is_not_null())
        .filter(sim::Column::ExpiresOn.gte(from))
        .filter(sim::Column::ExpiresOn.lte(to))
        .filter(Expr::cust(
            "NOT EXISTS (SELECT 1 FROM reminders WHERE reminders.dedupe_key = 'data_ending:' || CAST(sims.id AS TEXT))",
        ))
        .order_by_asc(sim::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// A person's SIMs within the scope (for their page and export).
pub async fn of_borrower(
    db: &impl ConnectionTrait,
    scope: &Scope,
    borrower_id: i32,
) -> Result<Vec<sim::Model>, DbErr> {
    sim::Entity::find()
        .filter(scoped(scope))
        .filter(sim::Column::BorrowerId.eq(borrower_id))
        .order_by_desc(sim::Column::Id)
        .limit(50)
        .all(db)
        .await
}
