//! The staff desk: the call list and its outcomes, the letters to print and post, and the outbox
//! with its failed emails to try again.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::AuditAction;
use crate::dates::today;
use crate::reminders::{
    model::{CallOutcome, Channel, ReminderKind, ReminderStatus, parse_outcome},
    repo::{self},
};
use crate::validate::optional_text;
use crate::{
    audit::{self, EntityRef},
    auth::{Action, Staff},
    db::{self, Db},
    entities::reminder,
    error::AppError,
};

/// A call to make, as the call list shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallView {
    pub id: i32,
    pub loan_id: i32,
    pub borrower_id: i32,
    /// The borrower's name.
    pub borrower: String,
    pub phone: Option<String>,
    /// "Due back in 3 days", "Overdue by 7 days"...
    pub reason: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_on: Option<NaiveDate>,
    pub hub_id: Option<i32>,
}

impl From<repo::Task> for CallView {
    fn from(task: repo::Task) -> Self {
        Self {
            id: task.id,
            loan_id: task.loan_id,
            borrower_id: task.borrower_id,
            borrower: task.borrower_name,
            phone: task.phone,
            reason: task.subject,
            due_on: task.due_on,
            hub_id: task.hub_id,
        }
    }
}

/// The calls staff have to make, at one hub or all.
pub async fn call_list(
    db: &impl ConnectionTrait,
    staff: &Staff,
    hub_id: Option<i32>,
) -> Result<Vec<CallView>, AppError> {
    staff.require(Action::Lend)?;
    Ok(repo::tasks(db, staff.organisation_id, Channel::Call, hub_id)
        .await?
        .into_iter()
        .map(CallView::from)
        .collect())
}

/// `POST /reminders/{id}/outcome`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OutcomeRequest {
    /// `spoke_to_them`, `left_message`, `no_answer` or `wrong_number`
    pub outcome: Option<String>,
    pub notes: Option<String>,
}

/// Records what came of a call: it leaves the list, and the audit log says who called and how
/// it went.
pub async fn record_outcome(
    db: &Db,
    staff: &Staff,
    id: i32,
    request: &OutcomeRequest,
    now: DateTime<Utc>,
) -> Result<CallOutcome, AppError> {
    staff.require(Action::Lend)?;
    let outcome = parse_outcome(request.outcome.as_deref())?;
    let notes = optional_text("notes", "the notes", request.notes.as_deref(), 1000)?;
    let tx = db::begin_write(db).await?;
    let row = repo::find(&tx, staff.organisation_id, id)
        .await?
        .filter(|r| r.channel == Channel::Call)
        .ok_or_else(|| AppError::NotFound(format!("there is no call with id {id}")))?;
    if !repo::record_outcome(&tx, staff.organisation_id, id, outcome, staff.id, now).await? {
        return Err(AppError::Conflict {
            code: "call_not_waiting",
            message: format!(
                "this call is {}: it is no longer on the list",
                row.status.label().to_lowercase()
            ),
        });
    }
    // Calls are always about a loan (the table's CHECK says so for loan reminders).
    let loan_id = row
        .loan_id
        .ok_or_else(|| AppError::Internal(format!("call {id} has no loan").into()))?;
    audit::record(
        &tx,
        staff,
        EntityRef::Loan(loan_id),
        AuditAction::ReminderCall,
        json!({"reminder_id": id, "outcome": outcome, "reason": row.subject, "notes": notes}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// An outbox row as the outbox page and API show it (no message bodies).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReminderView {
    pub id: i32,
    pub loan_id: Option<i32>,
    pub kind: ReminderKind,
    pub channel: Channel,
    pub status: ReminderStatus,
    pub recipient_email: Option<String>,
    pub subject: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub message_id: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub outcome: Option<CallOutcome>,
    pub created_at: DateTime<Utc>,
}

impl From<reminder::Model> for ReminderView {
    fn from(row: reminder::Model) -> Self {
        Self {
            id: row.id,
            loan_id: row.loan_id,
            kind: row.kind,
            channel: row.channel,
            status: row.status,
            recipient_email: row.recipient_email,
            subject: row.subject,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at,
            last_error: row.last_error,
            message_id: row.message_id,
            sent_at: row.sent_at,
            outcome: row.outcome,
            created_at: row.created_at,
        }
    }
}

pub const OUTBOX_PAGE: u64 = 100;

/// Which part of the outbox to show: a status, and the page before an id.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `queued`, `sending`, `sent`, `failed` or `cancelled`
    pub status: Option<String>,
    /// The next page: rows older than this id.
    pub before: Option<i32>,
}

impl OutboxQuery {
    pub fn status(&self) -> Result<Option<ReminderStatus>, AppError> {
        match self.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(status) => Ok(Some(ReminderStatus::parse(status)?)),
        }
    }
}

/// The outbox, newest first (admins).
pub async fn outbox(
    db: &impl ConnectionTrait,
    staff: &Staff,
    status: Option<ReminderStatus>,
    before: Option<i32>,
) -> Result<Vec<ReminderView>, AppError> {
    staff.require(Action::ManageStaff)?;
    Ok(
        repo::outbox(db, staff.organisation_id, status, before, OUTBOX_PAGE)
            .await?
            .into_iter()
            .map(ReminderView::from)
            .collect(),
    )
}

/// Puts a failed email back in the queue; the next delivery run sends it.
pub async fn retry(db: &Db, staff: &Staff, id: i32, now: DateTime<Utc>) -> Result<ReminderView, AppError> {
    staff.require(Action::ManageStaff)?;
    let tx = db::begin_write(db).await?;
    let row = repo::find(&tx, staff.organisation_id, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no reminder with id {id}")))?;
    if !repo::retry(&tx, staff.organisation_id, id, now).await? {
        return Err(AppError::Conflict {
            code: "not_failed",
            message: format!(
                "reminder {id} is {}: only failed ones can be tried again",
                row.status.label().to_lowercase()
            ),
        });
    }
    audit::record(
        &tx,
        staff,
        row.loan_id
            .map_or(EntityRef::Organisation(staff.organisation_id), EntityRef::Loan),
        AuditAction::ReminderRetried,
        json!({"reminder_id": id, "last_error": row.last_error}),
        now,
    )
    .await?;
    let row = repo::find(&tx, staff.organisation_id, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no reminder with id {id}")))?;
    tx.commit().await?;
    Ok(row.into())
}

/// Letters waiting to be posted, at one hub or all.
pub async fn letters(
    db: &impl ConnectionTrait,
    staff: &Staff,
    hub_id: Option<i32>,
) -> Result<Vec<repo::Task>, AppError> {
    staff.require(Action::Lend)?;
    Ok(repo::tasks(db, staff.organisation_id, Channel::Letter, hub_id).await?)
}

/// The waiting letters as one PDF to print.
pub async fn letters_pdf(
    db: &Db,
    staff: &Staff,
    hub_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, AppError> {
    let tasks = letters(&db.read, staff, hub_id).await?;
    let organisation = crate::organisations::repo::find(&db.read, staff.organisation_id)
        .await?
        .map(|o| o.name)
        .ok_or_else(|| AppError::Internal("the staff member's organisation is missing".into()))?;
    let letters: Vec<crate::reminders::letters::Letter> = tasks
        .into_iter()
        .map(|t| crate::reminders::letters::Letter {
            name: t.borrower_name,
            address: t.address.unwrap_or_default(),
            postcode: t.postcode,
            body: t.body_text,
            large_print: t.large_print,
        })
        .collect();
    let date = today(now);
    tokio::task::spawn_blocking(move || crate::reminders::letters::render(&letters, &organisation, date))
        .await
        .map_err(AppError::internal)
}

/// Records that letters were printed and posted; they leave the list.
pub async fn mark_posted(db: &Db, staff: &Staff, ids: &[i32], now: DateTime<Utc>) -> Result<u64, AppError> {
    staff.require(Action::Lend)?;
    if ids.is_empty() {
        return Err(AppError::invalid("ids", "there are no letters to mark as posted"));
    }
    crate::validate::at_most("ids", ids, 500)?;
    let tx = db::begin_write(db).await?;
    let posted = repo::mark_posted(&tx, staff.organisation_id, ids, staff.id, now).await?;
    audit::record(
        &tx,
        staff,
        EntityRef::Organisation(staff.organisation_id),
        AuditAction::ReminderLettersPosted,
        json!({"reminder_ids": ids, "posted": posted}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(posted)
}
