//! The outbox for admins: every email, call and letter, newest first, by status, searched by
//! subject, address or the borrower's name, paged both ways with how many match; one message read
//! whole; and a failed email tried again.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::AuditAction;
use crate::reminders::{
    model::{CallOutcome, Channel, ReminderKind, ReminderStatus},
    repo::{self, Direction, OutboxFilter},
};
use crate::{
    audit::{self, EntityRef},
    auth::{Action, Staff},
    db::{self, Db},
    entities::reminder,
    error::AppError,
};

/// An outbox row as the outbox page and API show it (no message bodies).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReminderView {
    pub id: i32,
    pub loan_id: Option<i32>,
    /// The training session it is about, for a session's notice.
    pub session_id: Option<i32>,
    /// Who the reminder is about (none for a digest).
    pub borrower_id: Option<i32>,
    pub borrower_name: Option<String>,
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
            session_id: row.session_id,
            borrower_id: row.borrower_id,
            borrower_name: None,
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

/// How many rows a page of the outbox holds unless asked for fewer; at most [`MAX_OUTBOX`].
pub const OUTBOX_PAGE: u64 = 100;
pub const MAX_OUTBOX: u64 = 500;

/// Which part of the outbox to show.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `queued`, `sending`, `sent`, `failed` or `cancelled`
    #[param(value_type = Option<crate::reminders::model::ReminderStatus>)]
    pub status: Option<String>,
    /// Text in the subject, the email address or the borrower's name (at least 2 characters).
    #[param(pattern = r"^[A-Za-z0-9@._+'/%#&-]{3,100}$")]
    pub q: Option<String>,
    /// The next page: rows older than this id (`older` of the page before).
    pub before: Option<i32>,
    /// The page before: rows newer than this id (`newer` of the page after).
    pub after: Option<i32>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
}

impl OutboxQuery {
    pub fn status(&self) -> Result<Option<ReminderStatus>, AppError> {
        match self.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(status) => Ok(Some(ReminderStatus::parse(status)?)),
        }
    }

    /// The search text, lower case; none when blank.
    pub fn q(&self) -> Result<Option<String>, AppError> {
        let q = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        match q {
            None => Ok(None),
            Some(q) if q.chars().count() < 2 => {
                Err(AppError::invalid("q", "search for at least 2 characters"))
            }
            Some(q) if q.chars().count() > 100 => {
                Err(AppError::invalid("q", "search for at most 100 characters"))
            }
            Some(q) => Ok(Some(q.to_lowercase())),
        }
    }
}

/// One page of the outbox.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutboxPage {
    pub items: Vec<ReminderView>,
    /// How many rows match, on every page.
    pub total: u64,
    /// Pass as `before` for the next (older) page; absent on the last.
    pub older: Option<i32>,
    /// Pass as `after` for the page before (newer); absent on the first.
    pub newer: Option<i32>,
}

/// The outbox, newest first (admins).
pub async fn outbox(
    db: &impl ConnectionTrait,
    staff: &Staff,
    query: &OutboxQuery,
) -> Result<OutboxPage, AppError> {
    staff.require(Action::ManageOutbox)?;
    let q = query.q()?;
    let filter = OutboxFilter {
        organisation_id: staff.organisation_id(),
        status: query.status()?,
        q: q.as_deref(),
    };
    let limit = crate::paging::page_size(query.limit, OUTBOX_PAGE, MAX_OUTBOX)?;
    let from = match (query.before, query.after) {
        (Some(_), Some(_)) => return Err(AppError::invalid("after", "give before or after, not both")),
        (Some(id), None) => Some(Direction::Older(id)),
        (None, Some(id)) => Some(Direction::Newer(id)),
        (None, None) => None,
    };
    let rows = repo::outbox(db, filter, from, limit).await?;
    let (older, newer) = match (rows.last(), rows.first()) {
        (Some(last), Some(first)) => (
            repo::any_beyond(db, filter, Direction::Older(last.id))
                .await?
                .then_some(last.id),
            repo::any_beyond(db, filter, Direction::Newer(first.id))
                .await?
                .then_some(first.id),
        ),
        _ => (None, None),
    };
    let total = repo::outbox_count(db, filter).await?;
    let ids: Vec<i32> = rows.iter().filter_map(|r| r.borrower_id).collect();
    let names = repo::borrower_names(db, staff.organisation_id(), &ids).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let name = row
                .borrower_id
                .and_then(|id| names.iter().find(|(b, _)| *b == id))
                .map(|(_, name)| name.clone());
            ReminderView {
                borrower_name: name,
                ..row.into()
            }
        })
        .collect();
    Ok(OutboxPage {
        items,
        total,
        older,
        newer,
    })
}

/// One message whole, as it went or will go.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReminderMessage {
    #[serde(flatten)]
    pub reminder: ReminderView,
    /// The plain text: the email's text part, or what to say on the call or print in the letter.
    pub body_text: String,
}

/// `GET /reminders/{id}`: one message of the outbox (admins).
pub async fn message(db: &impl ConnectionTrait, staff: &Staff, id: i32) -> Result<ReminderMessage, AppError> {
    staff.require(Action::ManageOutbox)?;
    let row = repo::outbox_item(db, staff.organisation_id(), id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no reminder with id {id}")))?;
    let name = match row.borrower_id {
        Some(borrower) => repo::borrower_names(db, staff.organisation_id(), &[borrower])
            .await?
            .pop()
            .map(|(_, name)| name),
        None => None,
    };
    let body_text = row.body_text.clone();
    Ok(ReminderMessage {
        reminder: ReminderView {
            borrower_name: name,
            ..row.into()
        },
        body_text,
    })
}

/// Puts a failed email back in the queue; the next delivery run sends it.
pub async fn retry(db: &Db, staff: &Staff, id: i32, now: DateTime<Utc>) -> Result<ReminderView, AppError> {
    let scope = staff.scope(Action::ManageOutbox)?;
    let tx = db::begin_write(db).await?;
    let row = repo::find(&tx, &scope, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no reminder with id {id}")))?;
    if !repo::retry(&tx, staff.organisation_id(), id, now).await? {
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
            .map_or(EntityRef::Organisation(staff.organisation_id()), EntityRef::Loan),
        AuditAction::ReminderRetried,
        // The server's words may quote the address: they stay on the row, where anonymising
        // clears them.
        json!({"reminder_id": id}),
        now,
    )
    .await?;
    let row = repo::find(&tx, &scope, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no reminder with id {id}")))?;
    tx.commit().await?;
    Ok(row.into())
}

/// The most reminders a person's export lists.
pub const MAX_ABOUT_ONE: u64 = 10_000;

/// Every reminder sent (or waiting) about one borrower, with its words: what a person asking for
/// their data is given. Those who may export may read it.
pub async fn about_borrower(
    db: &impl ConnectionTrait,
    staff: &Staff,
    borrower_id: i32,
) -> Result<Vec<ReminderMessage>, AppError> {
    staff.require(Action::Export)?;
    Ok(
        repo::about_borrower(db, staff.organisation_id(), borrower_id, MAX_ABOUT_ONE)
            .await?
            .into_iter()
            .map(|row| {
                let body_text = row.body_text.clone();
                ReminderMessage {
                    reminder: row.into(),
                    body_text,
                }
            })
            .collect(),
    )
}

/// The outbox's health, as every instance reads it from the database.
#[derive(Debug, Clone, Copy)]
pub struct OutboxHealth {
    /// Emails waiting or being sent.
    pub depth: u64,
    /// How long the oldest of them has waited, in seconds (0 when none waits).
    pub oldest_seconds: f64,
}

/// For `/metrics`: no staff member asks, and the answer names nobody.
pub async fn outbox_health(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<OutboxHealth, AppError> {
    let (depth, oldest) = repo::undelivered(db).await?;
    let waited = oldest.map_or(0, |at| (now - at).num_milliseconds().max(0));
    #[allow(clippy::cast_precision_loss)] // milliseconds of waiting fit an f64 exactly for ages
    Ok(OutboxHealth {
        depth,
        oldest_seconds: waited as f64 / 1000.0,
    })
}
