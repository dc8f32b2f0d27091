//! Reads of one organisation's borrowers for another under a sharing agreement: only those who
//! consented to sharing with partners and whose record is not anonymised. The people service
//! calls these only with a `sharing::service::Grant` in hand.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
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

/// `organisation_id`'s own record of the partner's borrower `partner_borrower_id`, if it has one.
pub async fn own_record_of(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    partner_borrower_id: i32,
) -> Result<Option<borrower::Model>, DbErr> {
    Borrower::find()
        .filter(Column::OrganisationId.eq(organisation_id))
        .filter(Column::PartnerBorrowerId.eq(partner_borrower_id))
        .one(db)
        .await
}

/// Of the partner's borrowers `ids`, those `organisation_id` has its own record of: (the
/// partner's id, the own record's id).
pub async fn own_records_of(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    ids: &[i32],
) -> Result<Vec<(Option<i32>, i32)>, DbErr> {
    Borrower::find()
        .select_only()
        .column(Column::PartnerBorrowerId)
        .column(Column::Id)
        .filter(Column::OrganisationId.eq(organisation_id))
        .filter(Column::PartnerBorrowerId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await
}

/// Marks a new record as made from the partner's `partner_borrower_id` under `agreement_id`; the
/// unique index refuses a second record of the same person in one organisation.
pub async fn link_partner(
    db: &impl ConnectionTrait,
    id: i32,
    partner_borrower_id: i32,
    agreement_id: i32,
) -> Result<(), DbErr> {
    Borrower::update_many()
        .col_expr(Column::PartnerBorrowerId, Expr::value(partner_borrower_id))
        .col_expr(Column::PartnerAgreementId, Expr::value(agreement_id))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The records partners made of the borrower `id` to lend to them: (organisation, record) ids
/// only.
pub async fn copies_of(db: &impl ConnectionTrait, id: i32) -> Result<Vec<(i32, i32)>, DbErr> {
    Borrower::find()
        .select_only()
        .column(Column::OrganisationId)
        .column(Column::Id)
        .filter(Column::PartnerBorrowerId.eq(id))
        .into_tuple()
        .all(db)
        .await
}
