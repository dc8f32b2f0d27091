//! The access log: one row a look, only ever added to (and purged after 12 months).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::{entities::access_log, people::model::Looked};

/// One look to write.
pub struct Look {
    /// The borrower's organisation, whose admins read the log.
    pub organisation_id: i32,
    pub borrower_id: i32,
    pub staff_id: i32,
    pub what: Looked,
    /// The sharing agreement a look from another organisation was made under.
    pub agreement_id: Option<i32>,
    pub at: DateTime<Utc>,
}

pub async fn insert_look(db: &impl ConnectionTrait, look: Look) -> Result<(), DbErr> {
    insert_looks(db, vec![look]).await
}

/// Several looks in one statement (a register, a page of a list); none writes nothing.
pub async fn insert_looks(db: &impl ConnectionTrait, looks: Vec<Look>) -> Result<(), DbErr> {
    if looks.is_empty() {
        return Ok(());
    }
    access_log::Entity::insert_many(looks.into_iter().map(|look| access_log::ActiveModel {
        organisation_id: Set(look.organisation_id),
        borrower_id: Set(look.borrower_id),
        staff_id: Set(look.staff_id),
        what: Set(look.what.as_str().to_owned()),
        agreement_id: Set(look.agreement_id),
        at: Set(look.at),
        ..Default::default()
    }))
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
