//! Reads of one organisation's borrowers for another under a sharing agreement: only those who
//! consented to sharing with partners and whose record is not anonymised. The people service
//! calls these only with a `sharing::service::Grant` in hand.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::entities::borrower::{self, Column, Entity as Borrower};

/// The borrowers of `organisation_id` another organisation may be shown.
fn shareable(organisation_id: i32) -> Condition {
    Condition::all()
        .add(Column::OrganisationId.eq(organisation_id))
        .add(Column::ConsentShareWithPartners.eq(true))
        .add(Column::AnonymisedAt.is_null())
}

/// Which organisation each of `ids` belongs to (ids only: no one's details).
pub async fn organisations_of(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<(i32, i32)>, DbErr> {
    Borrower::find()
        .select_only()
        .column(Column::Id)
        .column(Column::OrganisationId)
        .filter(Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await
}

pub async fn shareable_many(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    ids: &[i32],
) -> Result<Vec<borrower::Model>, DbErr> {
    Borrower::find()
        .filter(shareable(organisation_id))
        .filter(Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// One shareable borrower, locked as `find_locked` locks one (for enrolling them).
pub async fn shareable_locked(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
) -> Result<Option<borrower::Model>, DbErr> {
    Borrower::find_by_id(id)
        .filter(shareable(organisation_id))
        .lock_exclusive()
        .one(db)
        .await
}

pub async fn shareable_page(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    after: Option<i32>,
    limit: u64,
) -> Result<Vec<borrower::Model>, DbErr> {
    let mut query = Borrower::find().filter(shareable(organisation_id));
    if let Some(after) = after {
        query = query.filter(Column::Id.gt(after));
    }
    query.order_by_asc(Column::Id).limit(limit).all(db).await
}

pub async fn shareable_count(db: &impl ConnectionTrait, organisation_id: i32) -> Result<u64, DbErr> {
    Borrower::find()
        .filter(shareable(organisation_id))
        .count(db)
        .await
}
