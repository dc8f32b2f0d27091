//! One-off messages to borrowers that are not loan reminders (a training session called off):
//! each goes into the outbox once (its dedupe key is unique), by email, on the call list or as a
//! letter, as the person's contact details allow, like any reminder.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::Serialize;

use super::channel_for;
use crate::people::model::Consents;
use crate::{
    entities::reminder,
    error::AppError,
    reminders::{
        model::{Channel, ReminderKind, ReminderStatus},
        repo,
    },
};

/// A message to one borrower, with the ways they can be reached.
#[derive(Debug, Clone)]
pub struct Notice {
    pub organisation_id: i32,
    pub hub_id: Option<i32>,
    pub borrower_id: i32,
    pub session_id: Option<i32>,
    pub kind: ReminderKind,
    /// Unique in the outbox: the same notice twice is written once.
    pub dedupe_key: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub prefers_phone: bool,
    /// What they agreed to: a notice goes only by a route they agreed to.
    pub consents: Consents,
    /// The email's subject; also why the call or letter is on the list.
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// How the learners were told, by way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Told {
    pub emailed: u64,
    /// On the call list.
    pub to_call: u64,
    /// Letters to post.
    pub letters: u64,
    /// No email, phone or address on file: someone has to tell them in person.
    pub unreachable: u64,
}

impl Told {
    /// "2 by email, 1 on the call list and 1 by letter", or "nobody" when there was no one.
    pub fn sentence(&self) -> String {
        let mut parts = Vec::new();
        if self.emailed > 0 {
            parts.push(format!("{} by email", self.emailed));
        }
        if self.to_call > 0 {
            parts.push(format!("{} on the call list", self.to_call));
        }
        if self.letters > 0 {
            parts.push(format!("{} by letter", self.letters));
        }
        if parts.is_empty() {
            return "nobody".to_owned();
        }
        crate::words::and_list(&parts)
    }
}

/// Writes each notice into the outbox in `db` (the caller's transaction) and says how each
/// person will be told.
pub async fn notify(
    db: &impl ConnectionTrait,
    notices: Vec<Notice>,
    now: DateTime<Utc>,
) -> Result<Told, AppError> {
    let mut told = Told::default();
    let mut rows = Vec::new();
    for notice in notices {
        let reach = notice.consents.reach(
            notice.email.as_deref(),
            notice.phone.as_deref(),
            notice.address.as_deref(),
        );
        let Some(channel) = channel_for(reach, notice.prefers_phone) else {
            told.unreachable += 1;
            continue;
        };
        match channel {
            Channel::Email => told.emailed += 1,
            Channel::Call => told.to_call += 1,
            Channel::Letter => told.letters += 1,
        }
        rows.push(reminder::ActiveModel {
            organisation_id: Set(notice.organisation_id),
            dedupe_key: Set(notice.dedupe_key),
            hub_id: Set(notice.hub_id),
            borrower_id: Set(Some(notice.borrower_id)),
            session_id: Set(notice.session_id),
            kind: Set(notice.kind),
            step: Set(0),
            channel: Set(channel),
            status: Set(ReminderStatus::Queued),
            recipient_email: Set((channel == Channel::Email).then_some(notice.email).flatten()),
            subject: Set(notice.subject),
            body_text: Set(notice.text),
            body_html: Set((channel == Channel::Email).then_some(notice.html)),
            next_attempt_at: Set(now),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
    }
    repo::insert_new(db, rows).await?;
    Ok(told)
}

/// An email to someone who is not a borrower (a referrer told their referral was declined).
#[derive(Debug, Clone)]
pub struct EmailTo {
    pub organisation_id: i32,
    pub hub_id: Option<i32>,
    pub kind: ReminderKind,
    /// Unique in the outbox: the same email twice is written once.
    pub dedupe_key: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Queues `email` in the outbox in `db` (the caller's transaction); delivery sends it and tries
/// again like any reminder.
pub async fn email_to(db: &impl ConnectionTrait, email: EmailTo, now: DateTime<Utc>) -> Result<(), AppError> {
    repo::insert_new(
        db,
        vec![reminder::ActiveModel {
            organisation_id: Set(email.organisation_id),
            dedupe_key: Set(email.dedupe_key),
            hub_id: Set(email.hub_id),
            kind: Set(email.kind),
            step: Set(0),
            channel: Set(Channel::Email),
            status: Set(ReminderStatus::Queued),
            recipient_email: Set(Some(email.to)),
            subject: Set(email.subject),
            body_text: Set(email.text),
            body_html: Set(Some(email.html)),
            next_attempt_at: Set(now),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }],
    )
    .await?;
    Ok(())
}

/// Asking a borrower how it went (`follow_ups`): an email with the questionnaire's link, or a row
/// on the call list for staff to ask by phone.
#[derive(Debug, Clone)]
pub struct FollowUpAsk {
    pub organisation_id: i32,
    pub hub_id: i32,
    pub borrower_id: i32,
    pub loan_id: Option<i32>,
    pub follow_up_id: i32,
    /// An address for `Channel::Email`; none on the call list.
    pub email: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// Queues `ask` in the outbox in `db` (the caller's transaction), once per follow-up.
pub async fn ask_follow_up(
    db: &impl ConnectionTrait,
    ask: FollowUpAsk,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let channel = if ask.email.is_some() {
        Channel::Email
    } else {
        Channel::Call
    };
    repo::insert_new(
        db,
        vec![reminder::ActiveModel {
            organisation_id: Set(ask.organisation_id),
            dedupe_key: Set(format!("follow_up:{}", ask.follow_up_id)),
            hub_id: Set(Some(ask.hub_id)),
            borrower_id: Set(Some(ask.borrower_id)),
            loan_id: Set(ask.loan_id),
            follow_up_id: Set(Some(ask.follow_up_id)),
            kind: Set(ReminderKind::FollowUp),
            step: Set(0),
            channel: Set(channel),
            status: Set(ReminderStatus::Queued),
            recipient_email: Set(ask.email),
            subject: Set(ask.subject),
            body_text: Set(ask.text),
            body_html: Set(ask.html),
            next_attempt_at: Set(now),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }],
    )
    .await?;
    Ok(())
}

/// The answers to follow-up `follow_up_id` were taken by `staff_id` on the phone: its call leaves
/// the list as spoken to.
pub async fn close_follow_up_call(
    db: &impl ConnectionTrait,
    follow_up_id: i32,
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    repo::close_follow_up_call(db, follow_up_id, staff_id, now).await?;
    Ok(())
}
