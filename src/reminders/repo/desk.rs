//! The staff desk's rows: calls and letters waiting, outcomes, posting, the outbox and retries.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QueryOrder, QuerySelect, sea_query::ExprTrait,
};

use super::{loan_borrower, loan_device, reminder_borrower, reminder_loan};
use crate::auth::model::Scope;
use crate::entities::{
    borrower::{self},
    device,
    loan::Entity as Loan,
    reminder::{self, Entity as Reminder},
};
use crate::reminders::model::{CallOutcome, Channel, ReminderStatus};

/// A call or letter waiting for staff, with who it is for and the loan (and its device) or the
/// training session it is about.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Task {
    pub id: i32,
    pub loan_id: Option<i32>,
    pub session_id: Option<i32>,
    pub follow_up_id: Option<i32>,
    pub hub_id: Option<i32>,
    pub subject: String,
    pub body_text: String,
    pub due_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub borrower_id: i32,
    pub borrower_name: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub large_print: bool,
    pub device_kind: Option<crate::devices::model::DeviceKind>,
    pub asset_tag: Option<String>,
    pub printed_at: Option<DateTime<Utc>>,
}

/// The phone number of the borrower of a loan, if they gave one.
pub async fn borrower_phone_of_loan(
    db: &impl ConnectionTrait,
    loan_id: i32,
) -> Result<Option<String>, DbErr> {
    Ok(Loan::find_by_id(loan_id)
        .select_only()
        .column(borrower::Column::Phone)
        .join(JoinType::InnerJoin, loan_borrower())
        .into_tuple::<Option<String>>()
        .one(db)
        .await?
        .flatten()
        .filter(|p| !p.trim().is_empty()))
}

fn scoped(scope: &Scope) -> Condition {
    scope.condition(reminder::Column::OrganisationId, reminder::Column::HubId)
}

/// Queued calls or letters within the scope, oldest due date first: up to `limit` of them after
/// `after` (the due date and id of the last one on the page before).
pub async fn tasks(
    db: &impl ConnectionTrait,
    scope: &Scope,
    channel: Channel,
    after: Option<(NaiveDate, i32)>,
    limit: u64,
) -> Result<Vec<Task>, DbErr> {
    let mut query = Reminder::find()
        .select_only()
        .column(reminder::Column::Id)
        .column(reminder::Column::LoanId)
        .column(reminder::Column::SessionId)
        .column(reminder::Column::FollowUpId)
        .column(reminder::Column::HubId)
        .column(reminder::Column::Subject)
        .column(reminder::Column::BodyText)
        .column(reminder::Column::DueOn)
        .column(reminder::Column::CreatedAt)
        .column_as(borrower::Column::Id, "borrower_id")
        .column_as(borrower::Column::Name, "borrower_name")
        .column(borrower::Column::Phone)
        .column(borrower::Column::Address)
        .column(borrower::Column::Postcode)
        .column(borrower::Column::LargePrint)
        .column_as(device::Column::Kind, "device_kind")
        .column_as(device::Column::AssetTag, "asset_tag")
        .column(reminder::Column::PrintedAt)
        .join(JoinType::InnerJoin, reminder_borrower())
        .join(JoinType::LeftJoin, reminder_loan())
        .join(JoinType::LeftJoin, loan_device())
        .filter(scoped(scope))
        .filter(reminder::Column::Channel.eq(channel))
        .filter(reminder::Column::Status.eq(ReminderStatus::Queued));
    if let Some((due_on, id)) = after {
        query = query.filter(
            Condition::any().add(reminder::Column::DueOn.gt(due_on)).add(
                reminder::Column::DueOn
                    .eq(due_on)
                    .and(reminder::Column::Id.gt(id)),
            ),
        );
    }
    query
        .order_by_asc(reminder::Column::DueOn)
        .order_by_asc(reminder::Column::Id)
        .limit(limit)
        .into_model::<Task>()
        .all(db)
        .await
}

/// Records a call's outcome on a queued call within the scope; false when there is none.
pub async fn record_outcome(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i32,
    outcome: CallOutcome,
    notes: Option<String>,
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = Reminder::update_many()
        .col_expr(reminder::Column::Status, ReminderStatus::Sent.as_str().into())
        .col_expr(reminder::Column::Outcome, Some(outcome.as_str()).into())
        .col_expr(reminder::Column::CallNotes, notes.into())
        .col_expr(reminder::Column::OutcomeBy, Some(staff_id).into())
        .col_expr(reminder::Column::SentAt, Some(now).into())
        .col_expr(reminder::Column::UpdatedAt, now.into())
        .filter(reminder::Column::Id.eq(id))
        .filter(scoped(scope))
        .filter(reminder::Column::Channel.eq(Channel::Call))
        .filter(reminder::Column::Status.eq(ReminderStatus::Queued))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The queued call asking follow-up `follow_up_id`, done: they were spoken to.
pub async fn close_follow_up_call(
    db: &impl ConnectionTrait,
    follow_up_id: i32,
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    Reminder::update_many()
        .col_expr(reminder::Column::Status, ReminderStatus::Sent.as_str().into())
        .col_expr(
            reminder::Column::Outcome,
            Some(CallOutcome::SpokeToThem.as_str()).into(),
        )
        .col_expr(reminder::Column::OutcomeBy, Some(staff_id).into())
        .col_expr(reminder::Column::SentAt, Some(now).into())
        .col_expr(reminder::Column::UpdatedAt, now.into())
        .filter(reminder::Column::FollowUpId.eq(follow_up_id))
        .filter(reminder::Column::Channel.eq(Channel::Call))
        .filter(reminder::Column::Status.eq(ReminderStatus::Queued))
        .exec(db)
        .await?;
    Ok(())
}

/// Records that these letters were downloaded to print.
pub async fn mark_printed(db: &impl ConnectionTrait, ids: &[i32], now: DateTime<Utc>) -> Result<(), DbErr> {
    for chunk in ids.chunks(500) {
        Reminder::update_many()
            .col_expr(reminder::Column::PrintedAt, Some(now).into())
            .filter(reminder::Column::Id.is_in(chunk.iter().copied()))
            .filter(reminder::Column::PrintedAt.is_null())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Marks queued letters within the scope as posted, those printed only; returns how many were.
pub async fn mark_posted(
    db: &impl ConnectionTrait,
    scope: &Scope,
    ids: &[i32],
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(Reminder::update_many()
        .filter(scoped(scope))
        .col_expr(reminder::Column::Status, ReminderStatus::Sent.as_str().into())
        .col_expr(reminder::Column::OutcomeBy, Some(staff_id).into())
        .col_expr(reminder::Column::SentAt, Some(now).into())
        .col_expr(reminder::Column::UpdatedAt, now.into())
        .filter(reminder::Column::Id.is_in(ids.to_vec()))
        .filter(reminder::Column::PrintedAt.is_not_null())
        .filter(reminder::Column::Channel.eq(Channel::Letter))
        .filter(reminder::Column::Status.eq(ReminderStatus::Queued))
        .exec(db)
        .await?
        .rows_affected)
}

/// One reminder within the scope.
pub async fn find(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i32,
) -> Result<Option<reminder::Model>, DbErr> {
    Reminder::find_by_id(id).filter(scoped(scope)).one(db).await
}

/// Those of `ids` within `scope` (at most a page of them).
pub async fn find_many(
    db: &impl ConnectionTrait,
    scope: &Scope,
    ids: &[i32],
) -> Result<Vec<reminder::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Reminder::find()
        .filter(reminder::Column::Id.is_in(ids.iter().copied()))
        .filter(scoped(scope))
        .all(db)
        .await
}
