//! The staff desk: the call list and its outcomes, the letters to print and post, and the outbox
//! with its failed emails to try again.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::AuditAction;
use crate::dates::today;
use crate::entities::audit_event;
use crate::paging::{self, DatedCursor};
use crate::reminders::{
    model::{CallOutcome, Channel, parse_outcome},
    repo::{self},
};
use crate::validate::optional_text;
use crate::{
    audit::{self, EntityRef},
    auth::{Action, Staff},
    db::{self, Db},
    error::AppError,
};

/// A call to make, as the call list shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallView {
    pub id: i32,
    /// The loan the call is about, or else the training session.
    pub loan_id: Option<i32>,
    pub session_id: Option<i32>,
    /// The follow-up the call asks, whose answers are recorded on its own form.
    pub follow_up_id: Option<i32>,
    pub borrower_id: i32,
    /// The borrower's name.
    pub borrower: String,
    pub phone: Option<String>,
    /// "Due back in 3 days", "Overdue by 7 days"...
    pub reason: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_on: Option<NaiveDate>,
    pub hub_id: Option<i32>,
    /// What they have: "Laptop TCH-00042" (none for a call about a session).
    pub device: Option<String>,
}

impl From<repo::Task> for CallView {
    fn from(task: repo::Task) -> Self {
        Self {
            id: task.id,
            loan_id: task.loan_id,
            session_id: task.session_id,
            follow_up_id: task.follow_up_id,
            borrower_id: task.borrower_id,
            borrower: task.borrower_name,
            phone: task.phone,
            reason: task.subject,
            due_on: task.due_on,
            hub_id: task.hub_id,
            device: task
                .device_kind
                .zip(task.asset_tag)
                .map(|(kind, tag)| format!("{} {tag}", kind.label())),
        }
    }
}

/// One page of the call list and where the next begins.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallPage {
    pub items: Vec<CallView>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// How many calls a page holds unless asked for fewer; at most [`MAX_CALLS`].
pub const CALLS_PER_PAGE: u64 = 50;
pub const MAX_CALLS: u64 = 200;

/// The calls staff have to make, at one hub or all.
pub async fn call_list(
    db: &impl ConnectionTrait,
    staff: &Staff,
    hub_id: Option<i32>,
    cursor: Option<&str>,
    limit: Option<u64>,
) -> Result<CallPage, AppError> {
    let scope = staff.scope_within(Action::Lend, hub_id)?;
    let after = DatedCursor::parse(cursor)?.map(|c| (c.date, c.id));
    let limit = paging::page_size(limit, CALLS_PER_PAGE, MAX_CALLS)?;
    let rows = repo::tasks(db, &scope, Channel::Call, after, limit + 1).await?;
    let (rows, next_cursor) = paging::cut(rows, limit, |r| {
        r.due_on.map(|date| DatedCursor { date, id: r.id })
    });
    Ok(CallPage {
        items: rows.into_iter().map(CallView::from).collect(),
        next_cursor,
    })
}

/// `POST /reminders/{id}/outcome`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OutcomeRequest {
    /// `spoke_to_them`, `left_message`, `no_answer` or `wrong_number`
    #[schema(value_type = crate::reminders::model::CallOutcome, required = true)]
    pub outcome: Option<String>,
    #[schema(max_length = 1000)]
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
    let scope = staff.scope(Action::Lend)?;
    let outcome = parse_outcome(request.outcome.as_deref())?;
    let notes = optional_text("notes", "the notes", request.notes.as_deref(), 1000)?;
    let tx = db::begin_write(db).await?;
    let row = repo::find(&tx, &scope, id)
        .await?
        .filter(|r| r.channel == Channel::Call)
        .ok_or_else(|| AppError::NotFound(format!("there is no call with id {id}")))?;
    if !repo::record_outcome(&tx, &scope, id, outcome, notes, staff.id(), now).await? {
        return Err(AppError::Conflict {
            code: "call_not_waiting",
            message: format!(
                "this call is {}: it is no longer on the list",
                row.status.label().to_lowercase()
            ),
        });
    }
    // A call is about a loan, or else (the table's CHECK says) a session, to its borrower.
    let entity = match (row.loan_id, row.borrower_id) {
        (Some(loan_id), _) => EntityRef::Loan(loan_id),
        (None, Some(borrower_id)) => EntityRef::Borrower(borrower_id),
        (None, None) => return Err(AppError::Internal(format!("call {id} is for nobody").into())),
    };
    audit::record(
        &tx,
        staff,
        entity,
        AuditAction::ReminderCall,
        // The notes stay on the call, where anonymising can clear them; never in the audit log.
        json!({"reminder_id": id, "session_id": row.session_id, "outcome": outcome, "reason": row.subject}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// A letter waiting to be posted (or a call to make): who it is for and what it is about.
pub use crate::reminders::repo::Task;

/// The most letters one batch prints: a morning's posting. The rest wait for the next batch.
pub const MAX_LETTERS: u64 = 500;

/// Letters waiting to be posted, at one hub or all (the first [`MAX_LETTERS`]).
pub async fn letters(
    db: &impl ConnectionTrait,
    staff: &Staff,
    hub_id: Option<i32>,
) -> Result<Vec<repo::Task>, AppError> {
    let scope = staff.scope_within(Action::Lend, hub_id)?;
    Ok(repo::tasks(db, &scope, Channel::Letter, None, MAX_LETTERS).await?)
}

/// The waiting letters as one PDF to print.
pub async fn letters_pdf(
    db: &Db,
    staff: &Staff,
    hub_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, AppError> {
    let tasks = letters(&db.read, staff, hub_id).await?;
    let ids: Vec<i32> = tasks.iter().map(|t| t.id).collect();
    let organisation = crate::organisations::service::find(&db.read, staff.organisation_id())
        .await?
        .ok_or_else(|| AppError::Internal("the staff member's organisation is missing".into()))?;
    let hubs = crate::hubs::service::list_rows(&db.read, staff.organisation_id()).await?;
    let letters: Vec<crate::reminders::letters::Letter> = tasks
        .into_iter()
        .map(|t| {
            let hub = hubs.iter().find(|h| Some(h.id) == t.hub_id);
            crate::reminders::letters::Letter {
                from: letterhead(hub, organisation.phone.as_deref()),
                name: t.borrower_name,
                address: t.address.unwrap_or_default(),
                postcode: t.postcode,
                body: t.body_text,
                large_print: t.large_print,
            }
        })
        .collect();
    let organisation = organisation.name;
    let date = today(now);
    let pdf =
        tokio::task::spawn_blocking(move || crate::reminders::letters::render(&letters, &organisation, date))
            .await
            .map_err(AppError::internal)?;
    // Only letters that made it into a PDF count as printed.
    repo::mark_printed(&db.write, &ids, now).await?;
    Ok(pdf)
}

/// A letter's letterhead: the hub it is from (name and address lines) and the number to ring, the
/// hub's or else the organisation's.
fn letterhead(hub: Option<&crate::entities::hub::Model>, organisation_phone: Option<&str>) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(hub) = hub {
        lines.push(hub.name.clone());
        if let Some(address) = &hub.address {
            // Four address lines at most, so the phone number always fits the letterhead.
            let address = address.lines().map(str::trim).filter(|l| !l.is_empty());
            lines.extend(address.take(4).map(str::to_owned));
        }
    }
    if let Some(phone) = hub.and_then(|h| h.phone.as_deref()).or(organisation_phone) {
        lines.push(format!("Phone {phone}"));
    }
    lines
}

/// Records that letters were printed and posted; they leave the list.
pub async fn mark_posted(db: &Db, staff: &Staff, ids: &[i32], now: DateTime<Utc>) -> Result<u64, AppError> {
    let scope = staff.scope(Action::Lend)?;
    if ids.is_empty() {
        return Err(AppError::invalid("ids", "there are no letters to mark as posted"));
    }
    crate::validate::at_most("ids", ids, 500)?;
    let tx = db::begin_write(db).await?;
    let posted = repo::mark_posted(&tx, &scope, ids, staff.id(), now).await?;
    audit::record(
        &tx,
        staff,
        EntityRef::Organisation(staff.organisation_id()),
        AuditAction::ReminderLettersPosted,
        json!({"reminder_ids": ids, "posted": posted}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(posted)
}

/// A call staff made about a loan, as the loan and borrower pages list them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallRecord {
    pub loan_id: i32,
    pub at: DateTime<Utc>,
    /// Who made the call.
    pub by: String,
    pub outcome: CallOutcome,
    pub notes: Option<String>,
}

impl CallRecord {
    /// "12 March 2027 at 2:05pm"
    pub fn when(&self) -> String {
        crate::dates::london_time(self.at)
    }
}

/// The calls made about those of `loan_ids` within the caller's scope (hub staff: their hubs'
/// loans only), newest first (the last 100): kept in the audit log, which records each outcome
/// as it is saved and never changes.
pub async fn call_history(
    db: &impl ConnectionTrait,
    staff: &Staff,
    loan_ids: &[i32],
) -> Result<Vec<CallRecord>, AppError> {
    let scope = staff.scope(Action::ViewLoans)?;
    let loan_ids = crate::loans::service::ids_within(db, &scope, loan_ids).await?;
    if loan_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = audit::of_action(db, "loan", &loan_ids, AuditAction::ReminderCall.as_str(), 100).await?;
    let events: Vec<(audit_event::Model, serde_json::Value)> = rows
        .into_iter()
        .filter(|row| row.organisation_id == staff.organisation_id())
        .map(|row| {
            let details = serde_json::from_str(&row.details).map_err(AppError::internal)?;
            Ok((row, details))
        })
        .collect::<Result<_, AppError>>()?;
    // The notes are kept on the call itself, where anonymising a borrower clears them.
    let call_ids: Vec<i32> = events
        .iter()
        .filter_map(|(_, details)| details["reminder_id"].as_i64())
        .filter_map(|id| i32::try_from(id).ok())
        .collect();
    let notes: std::collections::HashMap<i32, Option<String>> = repo::find_many(db, &scope, &call_ids)
        .await?
        .into_iter()
        .map(|call| (call.id, call.call_notes))
        .collect();
    events
        .into_iter()
        .map(|(row, details)| {
            let outcome = details["outcome"]
                .as_str()
                .and_then(|o| CallOutcome::parse(o).ok())
                .ok_or_else(|| {
                    AppError::Internal(format!("audit event {} has no call outcome", row.id).into())
                })?;
            let call_notes = details["reminder_id"]
                .as_i64()
                .and_then(|id| i32::try_from(id).ok())
                .and_then(|id| notes.get(&id).cloned().flatten());
            Ok(CallRecord {
                loan_id: row.entity_id,
                at: row.at,
                by: row.actor_label,
                outcome,
                notes: call_notes,
            })
        })
        .collect()
}
