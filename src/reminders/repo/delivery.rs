//! Claiming due emails under a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and finishing them.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{ExprTrait, LockBehavior, LockType},
};

use crate::entities::reminder::{self, Entity as Reminder};
use crate::reminders::model::{Channel, LEASE, ReminderStatus};

/// Claims up to `limit` emails whose time has come (or whose worker's lease ran out) for one
/// worker, marking them with `claim_id`: on PostgreSQL rows another worker holds are skipped
/// (`FOR UPDATE SKIP LOCKED`); on SQLite the single writer makes the claim one step. Call inside a
/// write transaction, with `now` read just before.
pub async fn claim(
    db: &impl ConnectionTrait,
    claim_id: &str,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<reminder::Model>, DbErr> {
    let claimable = reminder::Column::Status
        .eq(ReminderStatus::Queued)
        .and(reminder::Column::NextAttemptAt.lte(now))
        .or(reminder::Column::Status
            .eq(ReminderStatus::Sending)
            .and(reminder::Column::LeaseUntil.lt(now)));
    let ids: Vec<i32> = Reminder::find()
        .select_only()
        .column(reminder::Column::Id)
        .filter(reminder::Column::Channel.eq(Channel::Email))
        .filter(claimable)
        .order_by_asc(reminder::Column::Id)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Reminder::update_many()
        .col_expr(reminder::Column::Status, ReminderStatus::Sending.as_str().into())
        .col_expr(reminder::Column::LeaseUntil, Some(now + LEASE).into())
        .col_expr(reminder::Column::ClaimId, Some(claim_id).into())
        .col_expr(reminder::Column::UpdatedAt, now.into())
        .filter(reminder::Column::Id.is_in(ids.clone()))
        .exec(db)
        .await?;
    Reminder::find()
        .filter(reminder::Column::Id.is_in(ids))
        .order_by_asc(reminder::Column::Id)
        .all(db)
        .await
}

/// Renews this worker's lease on a claimed row just before it is sent, so the send always starts
/// with a whole lease ahead of it (a send is bounded well inside one). `false` when the claim
/// is no longer this worker's: the row must not be sent.
pub async fn renew(
    db: &impl ConnectionTrait,
    row: &reminder::Model,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = Reminder::update_many()
        .col_expr(reminder::Column::LeaseUntil, Some(now + LEASE).into())
        .filter(still_held(row))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The row, while it is still being sent under the claim this worker took.
fn still_held(row: &reminder::Model) -> Condition {
    Condition::all()
        .add(reminder::Column::Id.eq(row.id))
        .add(reminder::Column::Status.eq(ReminderStatus::Sending))
        .add(reminder::Column::ClaimId.eq(row.claim_id.clone()))
}

/// What happened to a claimed email.
pub enum Delivery {
    Sent { message_id: String },
    Retry { error: String, next: DateTime<Utc> },
    Failed { error: String },
}

/// Records the delivery of a row this worker claimed. When the lease ran out and another worker
/// claimed the row since, its claim id differs and nothing is written: the row is the other
/// worker's now. Returns whether this worker's claim still held.
pub async fn finish(
    db: &impl ConnectionTrait,
    row: &reminder::Model,
    delivery: Delivery,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = reminder::ActiveModel {
        id: Set(row.id),
        attempts: Set(row.attempts + 1),
        lease_until: Set(None),
        claim_id: Set(None),
        updated_at: Set(now),
        ..Default::default()
    };
    match delivery {
        Delivery::Sent { message_id } => {
            update.status = Set(ReminderStatus::Sent);
            update.message_id = Set(Some(message_id));
            update.sent_at = Set(Some(now));
            update.last_error = Set(None);
        }
        Delivery::Retry { error, next } => {
            update.status = Set(ReminderStatus::Queued);
            update.next_attempt_at = Set(next);
            update.last_error = Set(Some(error));
        }
        Delivery::Failed { error } => {
            update.status = Set(ReminderStatus::Failed);
            update.last_error = Set(Some(error));
        }
    }
    let result = Reminder::update_many()
        .set(update)
        .filter(still_held(row))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
