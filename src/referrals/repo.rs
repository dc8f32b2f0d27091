//! Referral and referral-link queries.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::{
    auth::model::Scope,
    entities::{
        referral::{self, Entity as Referral},
        referral_link::{self, Entity as ReferralLink},
    },
    referrals::model::ReferralStatus,
};

pub async fn insert_link(
    db: &impl ConnectionTrait,
    row: referral_link::ActiveModel,
) -> Result<referral_link::Model, DbErr> {
    ReferralLink::insert(row).exec_with_returning(db).await
}

/// The link whose key hashes to `key_hash`, while it is not revoked.
pub async fn live_link(
    db: &impl ConnectionTrait,
    key_hash: &str,
) -> Result<Option<referral_link::Model>, DbErr> {
    ReferralLink::find()
        .filter(referral_link::Column::KeyHash.eq(key_hash))
        .filter(referral_link::Column::RevokedAt.is_null())
        .one(db)
        .await
}

pub async fn find_link(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
) -> Result<Option<referral_link::Model>, DbErr> {
    ReferralLink::find_by_id(id)
        .filter(referral_link::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await
}

/// Up to `limit` links, newest first, before id `before`; and how many there are.
pub async fn links(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    before: Option<i32>,
    limit: u64,
) -> Result<(Vec<referral_link::Model>, u64), DbErr> {
    let mine = referral_link::Column::OrganisationId.eq(organisation_id);
    let total = ReferralLink::find().filter(mine.clone()).count(db).await?;
    let mut query = ReferralLink::find().filter(mine);
    if let Some(before) = before {
        query = query.filter(referral_link::Column::Id.lt(before));
    }
    let rows = query
        .order_by_desc(referral_link::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

pub async fn revoke_link(
    db: &impl ConnectionTrait,
    link: referral_link::Model,
    now: DateTime<Utc>,
) -> Result<referral_link::Model, DbErr> {
    let mut row: referral_link::ActiveModel = link.into();
    row.revoked_at = sea_orm::ActiveValue::Set(Some(now));
    ReferralLink::update(row).exec(db).await
}

/// How many referrals came through `link_id` since `since`: the throttle.
pub async fn count_from_link_since(
    db: &impl ConnectionTrait,
    link_id: i32,
    since: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Referral::find()
        .filter(referral::Column::LinkId.eq(link_id))
        .filter(referral::Column::CreatedAt.gt(since))
        .count(db)
        .await
}

pub async fn insert(db: &impl ConnectionTrait, row: referral::ActiveModel) -> Result<referral::Model, DbErr> {
    Referral::insert(row).exec_with_returning(db).await
}

/// A referral within the scope: one for a hub outside it is not there; one for no hub is seen
/// by staff who work at every hub.
fn scoped(scope: &Scope) -> Condition {
    let within = Condition::all().add(referral::Column::OrganisationId.eq(scope.organisation_id()));
    match scope.hub_ids() {
        None => within,
        Some(ids) => within.add(referral::Column::HubId.is_in(ids.iter().copied())),
    }
}

pub async fn find(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i32,
) -> Result<Option<referral::Model>, DbErr> {
    Referral::find_by_id(id).filter(scoped(scope)).one(db).await
}

/// As [`find`], locking the row on PostgreSQL, so two decisions on one referral queue.
pub async fn find_for_update(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i32,
) -> Result<Option<referral::Model>, DbErr> {
    let query = Referral::find_by_id(id).filter(scoped(scope));
    lock(db, query).await
}

/// The link, locked for the rest of the transaction on PostgreSQL (SQLite's writer is one):
/// referrals through it count against its throttle one after another.
pub async fn lock_link(db: &impl ConnectionTrait, id: i32) -> Result<Option<referral_link::Model>, DbErr> {
    lock(db, ReferralLink::find_by_id(id)).await
}

async fn lock<E: EntityTrait>(
    db: &impl ConnectionTrait,
    query: sea_orm::Select<E>,
) -> Result<Option<E::Model>, DbErr> {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => query.lock_exclusive().one(db).await,
        _ => query.one(db).await,
    }
}

/// Up to `limit` referrals in `status` (any when `None`), newest first, before id `before`; and
/// how many there are in all.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    status: Option<ReferralStatus>,
    before: Option<i32>,
    limit: u64,
) -> Result<(Vec<referral::Model>, u64), DbErr> {
    let mut filter = scoped(scope);
    if let Some(status) = status {
        filter = filter.add(referral::Column::Status.eq(status));
    }
    let total = Referral::find().filter(filter.clone()).count(db).await?;
    let mut query = Referral::find().filter(filter);
    if let Some(before) = before {
        query = query.filter(referral::Column::Id.lt(before));
    }
    let rows = query
        .order_by_desc(referral::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

pub async fn update(db: &impl ConnectionTrait, row: referral::ActiveModel) -> Result<referral::Model, DbErr> {
    Referral::update(row).exec(db).await
}

/// Empties what the referrals `which` say about the person, naming them `name` instead; who
/// referred them, when and for what stays.
async fn clear(db: &impl ConnectionTrait, name: &str, which: Condition) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    let none = || Expr::value(Option::<String>::None);
    Referral::update_many()
        .col_expr(referral::Column::Name, Expr::value(name))
        .col_expr(referral::Column::Email, none())
        .col_expr(referral::Column::Phone, none())
        .col_expr(referral::Column::Address, none())
        .col_expr(referral::Column::Postcode, none())
        .col_expr(referral::Column::Reasons, none())
        .col_expr(referral::Column::DeclineReason, none())
        .filter(which)
        .exec(db)
        .await?;
    Ok(())
}

/// Clears referrals made before `before` that never became a borrower (declined, or never
/// decided): retention reaches them as it reaches borrowers.
pub async fn forget_before(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<(), DbErr> {
    let which = Condition::all()
        .add(referral::Column::BorrowerId.is_null())
        .add(referral::Column::CreatedAt.lt(before))
        .add(referral::Column::Name.ne("Former referral"));
    clear(db, "Former referral", which).await
}

/// Clears the referrals of `borrower_ids` (their record is being anonymised).
pub async fn forget(db: &impl ConnectionTrait, borrower_ids: &[i32]) -> Result<(), DbErr> {
    let which = Condition::all().add(referral::Column::BorrowerId.is_in(borrower_ids.iter().copied()));
    clear(db, "Former borrower", which).await
}

/// The referrals that became borrower `borrower_id` (a person is referred a handful of times).
pub async fn of_borrower(
    db: &impl ConnectionTrait,
    scope: &Scope,
    borrower_id: i32,
) -> Result<Vec<referral::Model>, DbErr> {
    Referral::find()
        .filter(scoped(scope))
        .filter(referral::Column::BorrowerId.eq(borrower_id))
        .order_by_asc(referral::Column::Id)
        .limit(100)
        .all(db)
        .await
}
