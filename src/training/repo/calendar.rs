//! Rows for trainers' calendar feeds: one secret per trainer, kept only as its hash.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::OnConflict,
};

use crate::entities::calendar_feed::{self, Entity as CalendarFeed};

/// Replaces a trainer's calendar feed secret (by its hash).
pub async fn set_feed(
    db: &impl ConnectionTrait,
    staff_id: i32,
    token_hash: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    CalendarFeed::insert(calendar_feed::ActiveModel {
        staff_id: Set(staff_id),
        token_hash: Set(token_hash),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(calendar_feed::Column::StaffId)
            .update_columns([calendar_feed::Column::TokenHash, calendar_feed::Column::CreatedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn feed_owner(db: &impl ConnectionTrait, token_hash: &str) -> Result<Option<i32>, DbErr> {
    Ok(CalendarFeed::find()
        .filter(calendar_feed::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?
        .map(|f| f.staff_id))
}
