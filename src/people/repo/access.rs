//! The access log: one row a look, only ever added to (and purged after 12 months).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::{entities::access_log, people::model::Looked};

pub async fn insert_look(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    borrower_id: i32,
    staff_id: i32,
    what: Looked,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    access_log::Entity::insert(access_log::ActiveModel {
        organisation_id: Set(organisation_id),
        borrower_id: Set(borrower_id),
        staff_id: Set(staff_id),
        what: Set(what.as_str().to_owned()),
        at: Set(at),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// A look across organisations: at `borrower_id` of `organisation_id`, by another
/// organisation's staff member, under `agreement_id`.
pub async fn insert_look_under(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    borrower_id: i32,
    staff_id: i32,
    what: Looked,
    agreement_id: i32,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    access_log::Entity::insert(access_log::ActiveModel {
        organisation_id: Set(organisation_id),
        borrower_id: Set(borrower_id),
        staff_id: Set(staff_id),
        what: Set(what.as_str().to_owned()),
        agreement_id: Set(Some(agreement_id)),
        at: Set(at),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The newest `limit` looks at a borrower, newest first.
pub async fn looks(
    db: &impl ConnectionTrait,
    borrower_id: i32,
    limit: u64,
) -> Result<Vec<access_log::Model>, DbErr> {
    access_log::Entity::find()
        .filter(access_log::Column::BorrowerId.eq(borrower_id))
        .order_by_desc(access_log::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Deletes the looks older than `before`; how many.
pub async fn purge_looks(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(access_log::Entity::delete_many()
        .filter(access_log::Column::At.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
