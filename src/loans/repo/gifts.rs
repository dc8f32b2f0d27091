//! Gifts: written once, read within the caller's hubs.

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::{auth::model::Scope, entities::gift};

pub async fn insert_gift(db: &impl ConnectionTrait, row: gift::ActiveModel) -> Result<gift::Model, DbErr> {
    gift::Entity::insert(row).exec_with_returning(db).await
}

fn scoped(scope: &Scope) -> Condition {
    scope.condition(gift::Column::OrganisationId, gift::Column::HubId)
}

pub async fn find_gift(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i32,
) -> Result<Option<gift::Model>, DbErr> {
    gift::Entity::find_by_id(id).filter(scoped(scope)).one(db).await
}

/// The gift a loan became, if it did.
pub async fn gift_of_loan(
    db: &impl ConnectionTrait,
    scope: &Scope,
    loan_id: i32,
) -> Result<Option<gift::Model>, DbErr> {
    gift::Entity::find()
        .filter(scoped(scope))
        .filter(gift::Column::LoanId.eq(loan_id))
        .one(db)
        .await
}

/// The gift of a device, if it was given away.
pub async fn gift_of_device(
    db: &impl ConnectionTrait,
    scope: &Scope,
    device_id: i32,
) -> Result<Option<gift::Model>, DbErr> {
    gift::Entity::find()
        .filter(scoped(scope))
        .filter(gift::Column::DeviceId.eq(device_id))
        .one(db)
        .await
}

/// A borrower's gifts within the scope, newest first (a handful at most).
pub async fn gifts_of_borrower(
    db: &impl ConnectionTrait,
    scope: &Scope,
    borrower_id: i32,
) -> Result<Vec<gift::Model>, DbErr> {
    gift::Entity::find()
        .filter(scoped(scope))
        .filter(gift::Column::BorrowerId.eq(borrower_id))
        .order_by_desc(gift::Column::Id)
        .all(db)
        .await
}
