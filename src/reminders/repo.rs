//! Outbox rows, and the reads a sweep and a digest need.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{ExprTrait, LockBehavior, LockType},
};

use super::model::{CallOutcome, Channel, LEASE, ReminderStatus};
use crate::{
    auth::model::Role,
    devices::model::{DeviceKind, DeviceStatus},
    entities::{
        borrower::{self, Entity as Borrower},
        device::{self, Entity as Device},
        hub::{self, Entity as Hub},
        loan::{self, Entity as Loan},
        organisation::{self, Entity as Organisation},
        reminder::{self, Entity as Reminder},
        staff_user::{self, Entity as StaffUser},
    },
    loans::model::LoanStatus,
};

/// An open loan that may need a reminder, with what the reminder says.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Candidate {
    pub loan_id: i32,
    pub organisation_id: i32,
    pub hub_id: i32,
    pub due_on: NaiveDate,
    pub borrower_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub prefers_phone: bool,
    pub asset_tag: String,
    pub kind: DeviceKind,
}

fn loan_borrower() -> sea_orm::RelationDef {
    Loan::belongs_to(Borrower)
        .from(loan::Column::BorrowerId)
        .to(borrower::Column::Id)
        .into()
}

fn loan_device() -> sea_orm::RelationDef {
    Loan::belongs_to(Device)
        .from(loan::Column::DeviceId)
        .to(device::Column::Id)
        .into()
}

fn reminder_loan() -> sea_orm::RelationDef {
    Reminder::belongs_to(Loan)
        .from(reminder::Column::LoanId)
        .to(loan::Column::Id)
        .into()
}

/// Open loans due on or before `latest`, of every organisation.
pub async fn candidates(db: &impl ConnectionTrait, latest: NaiveDate) -> Result<Vec<Candidate>, DbErr> {
    Loan::find()
        .select_only()
        .column_as(loan::Column::Id, "loan_id")
        .column(loan::Column::OrganisationId)
        .column(loan::Column::HubId)
        .column(loan::Column::DueOn)
        .column_as(borrower::Column::Name, "borrower_name")
        .column(borrower::Column::Email)
        .column(borrower::Column::Phone)
        .column(borrower::Column::Address)
        .column(borrower::Column::Postcode)
        .column(borrower::Column::PrefersPhone)
        .column(device::Column::AssetTag)
        .column(device::Column::Kind)
        .join(JoinType::InnerJoin, loan_borrower())
        .join(JoinType::InnerJoin, loan_device())
        .filter(loan::Column::Status.eq(LoanStatus::Open))
        .filter(loan::Column::DueOn.lte(latest))
        .into_model::<Candidate>()
        .all(db)
        .await
}

/// The dedupe keys already in the outbox for the loans `candidates` returns.
pub async fn existing_loan_keys(db: &impl ConnectionTrait, latest: NaiveDate) -> Result<Vec<String>, DbErr> {
    Reminder::find()
        .select_only()
        .column(reminder::Column::DedupeKey)
        .join(JoinType::InnerJoin, reminder_loan())
        .filter(loan::Column::Status.eq(LoanStatus::Open))
        .filter(loan::Column::DueOn.lte(latest))
        .into_tuple()
        .all(db)
        .await
}

pub async fn hubs(db: &impl ConnectionTrait) -> Result<Vec<hub::Model>, DbErr> {
    Hub::find().all(db).await
}

pub async fn organisations(db: &impl ConnectionTrait) -> Result<Vec<organisation::Model>, DbErr> {
    Organisation::find().all(db).await
}

/// Writes rows, skipping any whose dedupe key is already there; returns how many were written.
pub async fn insert_new(db: &impl ConnectionTrait, rows: Vec<reminder::ActiveModel>) -> Result<u64, DbErr> {
    use sea_orm::TryInsertResult;
    match Reminder::insert_many(rows)
        .on_conflict_do_nothing_on([reminder::Column::DedupeKey])
        .exec_without_returning(db)
        .await?
    {
        TryInsertResult::Inserted(n) => Ok(n),
        TryInsertResult::Empty | TryInsertResult::Conflicted => Ok(0),
    }
}

/// Cancels what is still waiting for a loan (it was returned, lost or extended).
pub async fn cancel_for_loan(
    db: &impl ConnectionTrait,
    loan_id: i32,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(Reminder::update_many()
        .col_expr(
            reminder::Column::Status,
            ReminderStatus::Cancelled.as_str().into(),
        )
        .col_expr(reminder::Column::UpdatedAt, now.into())
        .filter(reminder::Column::LoanId.eq(loan_id))
        .filter(reminder::Column::Status.eq(ReminderStatus::Queued))
        .exec(db)
        .await?
        .rows_affected)
}

/// Claims up to `limit` emails whose time has come (or whose worker's lease ran out) for one
/// worker: on PostgreSQL rows another worker holds are skipped (`FOR UPDATE SKIP LOCKED`); on
/// SQLite the single writer makes the claim one step. Call inside a write transaction.
pub async fn claim(
    db: &impl ConnectionTrait,
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

/// What happened to a claimed email.
pub enum Delivery {
    Sent { message_id: String },
    Retry { error: String, next: DateTime<Utc> },
    Failed { error: String },
}

/// Records the delivery of a row this worker claimed.
pub async fn finish(
    db: &impl ConnectionTrait,
    row: &reminder::Model,
    delivery: Delivery,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut update = reminder::ActiveModel {
        id: Set(row.id),
        attempts: Set(row.attempts + 1),
        lease_until: Set(None),
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
    Reminder::update_many()
        .set(update)
        .filter(reminder::Column::Id.eq(row.id))
        .filter(reminder::Column::Status.eq(ReminderStatus::Sending))
        .exec(db)
        .await?;
    Ok(())
}

/// A call or letter waiting for staff, with who it is for.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Task {
    pub id: i32,
    pub loan_id: i32,
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

/// Queued calls or letters of an organisation (at one hub, or all), oldest due date first.
pub async fn tasks(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    channel: Channel,
    hub_id: Option<i32>,
) -> Result<Vec<Task>, DbErr> {
    let mut query = Reminder::find()
        .select_only()
        .column(reminder::Column::Id)
        .column_as(loan::Column::Id, "loan_id")
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
        .join(JoinType::InnerJoin, reminder_loan())
        .join(JoinType::InnerJoin, loan_borrower())
        .filter(reminder::Column::OrganisationId.eq(organisation_id))
        .filter(reminder::Column::Channel.eq(channel))
        .filter(reminder::Column::Status.eq(ReminderStatus::Queued));
    if let Some(hub_id) = hub_id {
        query = query.filter(reminder::Column::HubId.eq(hub_id));
    }
    query
        .order_by_asc(reminder::Column::DueOn)
        .order_by_asc(reminder::Column::Id)
        .into_model::<Task>()
        .all(db)
        .await
}

/// Records a call's outcome on a queued call of the organisation; false when there is none.
pub async fn record_outcome(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
    outcome: CallOutcome,
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = Reminder::update_many()
        .col_expr(reminder::Column::Status, ReminderStatus::Sent.as_str().into())
        .col_expr(reminder::Column::Outcome, Some(outcome.as_str()).into())
        .col_expr(reminder::Column::OutcomeBy, Some(staff_id).into())
        .col_expr(reminder::Column::SentAt, Some(now).into())
        .col_expr(reminder::Column::UpdatedAt, now.into())
        .filter(reminder::Column::Id.eq(id))
        .filter(reminder::Column::OrganisationId.eq(organisation_id))
        .filter(reminder::Column::Channel.eq(Channel::Call))
        .filter(reminder::Column::Status.eq(ReminderStatus::Queued))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Marks queued letters as posted; returns how many were.
pub async fn mark_posted(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    ids: &[i32],
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(Reminder::update_many()
        .col_expr(reminder::Column::Status, ReminderStatus::Sent.as_str().into())
        .col_expr(reminder::Column::OutcomeBy, Some(staff_id).into())
        .col_expr(reminder::Column::SentAt, Some(now).into())
        .col_expr(reminder::Column::UpdatedAt, now.into())
        .filter(reminder::Column::Id.is_in(ids.to_vec()))
        .filter(reminder::Column::OrganisationId.eq(organisation_id))
        .filter(reminder::Column::Channel.eq(Channel::Letter))
        .filter(reminder::Column::Status.eq(ReminderStatus::Queued))
        .exec(db)
        .await?
        .rows_affected)
}

pub async fn find(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
) -> Result<Option<reminder::Model>, DbErr> {
    Reminder::find_by_id(id)
        .filter(reminder::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await
}

/// The outbox of an organisation, newest first, by status; `before` pages by id.
pub async fn outbox(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    status: Option<ReminderStatus>,
    before: Option<i32>,
    limit: u64,
) -> Result<Vec<reminder::Model>, DbErr> {
    let mut query = Reminder::find().filter(reminder::Column::OrganisationId.eq(organisation_id));
    if let Some(status) = status {
        query = query.filter(reminder::Column::Status.eq(status));
    }
    if let Some(before) = before {
        query = query.filter(reminder::Column::Id.lt(before));
    }
    query
        .order_by_desc(reminder::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Puts a failed email back in the queue, to go at `now`.
pub async fn retry(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = Reminder::update_many()
        .col_expr(reminder::Column::Status, ReminderStatus::Queued.as_str().into())
        .col_expr(reminder::Column::NextAttemptAt, now.into())
        .col_expr(reminder::Column::UpdatedAt, now.into())
        .filter(reminder::Column::Id.eq(id))
        .filter(reminder::Column::OrganisationId.eq(organisation_id))
        .filter(reminder::Column::Status.eq(ReminderStatus::Failed))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Who gets the weekly digest: an organisation's active coordinators, or its admins if it has
/// none.
pub async fn digest_recipients(
    db: &impl ConnectionTrait,
    organisation_id: i32,
) -> Result<Vec<staff_user::Model>, DbErr> {
    let staff = StaffUser::find()
        .filter(staff_user::Column::OrganisationId.eq(organisation_id))
        .filter(staff_user::Column::Active.eq(true))
        .order_by_asc(staff_user::Column::Id)
        .all(db)
        .await?;
    let coordinators: Vec<_> = staff
        .iter()
        .filter(|s| s.role == Role::Coordinator)
        .cloned()
        .collect();
    Ok(if coordinators.is_empty() {
        staff.into_iter().filter(|s| s.role == Role::Admin).collect()
    } else {
        coordinators
    })
}

/// A device line in the digest.
#[derive(Debug, Clone, FromQueryResult)]
pub struct DigestDevice {
    pub asset_tag: String,
    pub hub_id: i32,
    pub date: Option<NaiveDate>,
    pub since: Option<DateTime<Utc>>,
    pub network: Option<String>,
}

/// Open loans past their due date: (tag, hub, due date).
pub async fn overdue_loans(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    today: NaiveDate,
) -> Result<Vec<DigestDevice>, DbErr> {
    Loan::find()
        .select_only()
        .column(device::Column::AssetTag)
        .column(loan::Column::HubId)
        .column_as(loan::Column::DueOn, "date")
        .column_as(loan::Column::IssuedAt, "since")
        .column_as(device::Column::SimNetwork, "network")
        .join(JoinType::InnerJoin, loan_device())
        .filter(loan::Column::OrganisationId.eq(organisation_id))
        .filter(loan::Column::Status.eq(LoanStatus::Open))
        .filter(loan::Column::DueOn.lt(today))
        .order_by_asc(loan::Column::DueOn)
        .limit(500)
        .into_model()
        .all(db)
        .await
}

/// SIM plans ending from `today` to `until`.
pub async fn sim_plans_ending(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    today: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<DigestDevice>, DbErr> {
    Device::find()
        .select_only()
        .column(device::Column::AssetTag)
        .column(device::Column::HubId)
        .column_as(device::Column::SimPlanEndsOn, "date")
        .column_as(device::Column::UpdatedAt, "since")
        .column_as(device::Column::SimNetwork, "network")
        .filter(device::Column::OrganisationId.eq(organisation_id))
        .filter(device::Column::Status.ne(DeviceStatus::Retired))
        .filter(device::Column::SimPlanEndsOn.between(today, until))
        .order_by_asc(device::Column::SimPlanEndsOn)
        .limit(500)
        .into_model()
        .all(db)
        .await
}

/// Devices waiting for their checks since before `before`.
pub async fn waiting_for_checks(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    before: DateTime<Utc>,
) -> Result<Vec<DigestDevice>, DbErr> {
    Device::find()
        .select_only()
        .column(device::Column::AssetTag)
        .column(device::Column::HubId)
        .column_as(device::Column::PurchasedOn, "date")
        .column_as(device::Column::UpdatedAt, "since")
        .column_as(device::Column::SimNetwork, "network")
        .filter(device::Column::OrganisationId.eq(organisation_id))
        .filter(device::Column::Status.eq(DeviceStatus::AwaitingChecks))
        .filter(device::Column::UpdatedAt.lt(before))
        .order_by_asc(device::Column::UpdatedAt)
        .limit(500)
        .into_model()
        .all(db)
        .await
}

/// Which of these dedupe keys the outbox holds already.
pub async fn existing_keys(db: &impl ConnectionTrait, keys: Vec<String>) -> Result<Vec<String>, DbErr> {
    reminder::Entity::find()
        .select_only()
        .column(reminder::Column::DedupeKey)
        .filter(reminder::Column::DedupeKey.is_in(keys))
        .into_tuple()
        .all(db)
        .await
}
