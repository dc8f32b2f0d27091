//! The sweep (decide what each open loan needs today and write it to the outbox once), the worker
//! (deliver due emails over SMTP, retrying with backoff), and what staff do with the rest: calls
//! to make, letters to post, failed emails to retry.

use std::collections::{HashMap, HashSet};

use askama::Template;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    mail::{Mailer, SendError},
    model::{
        CallOutcome, Channel, Policy, ReminderKind, ReminderStatus, digest_key, digest_week, loan_key,
        next_attempt, parse_outcome,
    },
    repo::{self, Candidate, Delivery},
};
use crate::dates::{long_date, today};
use crate::validate::optional_text;
use crate::{
    audit::{self, EntityRef},
    auth::{Action, Staff},
    config::Config,
    db::{self, Db},
    entities::{hub, organisation, reminder},
    error::AppError,
};

/// What one sweep wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SweepSummary {
    /// Loans looked at (open, due within the due-soon window or past).
    pub loans: usize,
    /// New outbox rows about loans: emails, calls and letters.
    pub reminders: u64,
    pub digests: u64,
}

/// What one delivery run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeliverySummary {
    pub sent: u64,
    /// Temporary failures, queued to try again later.
    pub retrying: u64,
    /// Permanent failures, shown to staff on the outbox page.
    pub failed: u64,
}

#[derive(Template)]
#[template(path = "emails/reminder.txt")]
struct ReminderText<'a> {
    name: &'a str,
    headline: &'a str,
    hub_name: &'a str,
    hub_address: Option<&'a str>,
    opening_hours: Option<&'a str>,
    extend: &'a str,
    organisation: &'a str,
    device: &'a str,
    asset_tag: &'a str,
}

/// The HTML part says what the text part says.
#[derive(Template)]
#[template(path = "emails/reminder.html")]
struct ReminderHtml<'a> {
    subject: &'a str,
    m: &'a ReminderText<'a>,
}

/// The words of one loan reminder: its subject (or, for a call, the reason), text and HTML.
pub struct Words {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// How a borrower is reached: email if they have one (unless they asked for a phone call), else
/// a call, else a letter.
pub fn channel_for(
    email: Option<&str>,
    phone: Option<&str>,
    address: Option<&str>,
    prefers_phone: bool,
) -> Channel {
    let has = |v: Option<&str>| v.is_some_and(|v| !v.trim().is_empty());
    let (email, phone, address) = (has(email), has(phone), has(address));
    if email && !(prefers_phone && phone) {
        Channel::Email
    } else if phone {
        Channel::Call
    } else if address {
        Channel::Letter
    } else {
        Channel::Email
    }
}

/// Why a call is on the list, in a few words.
pub fn reason(kind: ReminderKind, due_on: NaiveDate, today: NaiveDate) -> String {
    let days = (due_on - today).num_days();
    match kind {
        ReminderKind::DueSoon if days == 1 => "Due back tomorrow".to_owned(),
        ReminderKind::DueSoon => format!("Due back in {days} days"),
        ReminderKind::DueToday => "Due back today".to_owned(),
        ReminderKind::Overdue if days == -1 => "Overdue by 1 day".to_owned(),
        ReminderKind::Overdue => format!("Overdue by {} days", -days),
        ReminderKind::Digest => "Weekly digest".to_owned(),
    }
}

/// The words of a reminder about `candidate`'s loan.
pub fn words(
    candidate: &Candidate,
    kind: ReminderKind,
    today: NaiveDate,
    hub: Option<&hub::Model>,
    organisation: Option<&organisation::Model>,
) -> Words {
    let org_name = organisation.map_or("us", |o| o.name.as_str());
    let device = candidate.kind.label().to_lowercase();
    let date = long_date(candidate.due_on);
    let weekday = candidate.due_on.format("%A");
    let subject = match kind {
        ReminderKind::DueSoon => format!("Please bring your {device} back by {weekday} {date}"),
        ReminderKind::DueToday => format!("Your {device} is due back today"),
        _ => format!("Your {device} was due back on {date}"),
    };
    let days = (candidate.due_on - today).num_days();
    let headline = match kind {
        ReminderKind::DueSoon => format!(
            "The {device} you borrowed from {org_name} is due back on {weekday} {date}. That is {}.",
            if days == 1 {
                "tomorrow".to_owned()
            } else {
                format!("in {days} days")
            }
        ),
        ReminderKind::DueToday => {
            format!("The {device} you borrowed from {org_name} is due back today, {weekday} {date}.")
        }
        _ => format!(
            "The {device} you borrowed from {org_name} was due back on {weekday} {date}. Please bring it back as soon as you can, so someone else can borrow it."
        ),
    };
    let extend = match organisation.and_then(|o| o.phone.as_deref()) {
        Some(phone) => format!(
            "If you need it for longer, call us on {phone} or ask at the hub. We can usually give you more time."
        ),
        None => "If you need it for longer, ask at the hub. We can usually give you more time.".to_owned(),
    };
    let hub_name = hub.map_or("the hub you borrowed it from", |h| h.name.as_str());
    let hub_address = hub.and_then(|h| h.address.as_deref());
    let opening_hours = hub.and_then(|h| h.opening_hours.as_deref());
    let device_label = candidate.kind.label();
    let message = ReminderText {
        name: &candidate.borrower_name,
        headline: &headline,
        hub_name,
        hub_address,
        opening_hours,
        extend: &extend,
        organisation: org_name,
        device: device_label,
        asset_tag: &candidate.asset_tag,
    };
    let text = message.render().unwrap_or_default();
    let html = ReminderHtml {
        subject: &subject,
        m: &message,
    }
    .render()
    .unwrap_or_default();
    Words { subject, text, html }
}

const BATCH: usize = 250;

/// One sweep at `now`: every open loan that needs a reminder today gets one outbox row (unless it
/// has it already), and each organisation's coordinators their digest for the week.
pub async fn sweep(
    db: &Db,
    policy: &Policy,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<SweepSummary, AppError> {
    let today = today(now);
    let latest = today + Duration::days(policy.due_soon_days.max(0));
    let candidates = repo::candidates(&db.read, latest).await?;
    let existing: HashSet<String> = repo::existing_loan_keys(&db.read, latest)
        .await?
        .into_iter()
        .collect();
    let hubs: HashMap<i32, hub::Model> = repo::hubs(&db.read)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let organisations: HashMap<i32, organisation::Model> = repo::organisations(&db.read)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut summary = SweepSummary {
        loans: candidates.len(),
        ..SweepSummary::default()
    };
    let mut rows = Vec::new();
    for candidate in &candidates {
        let Some((kind, step)) = policy.due(candidate.due_on, today) else {
            continue;
        };
        let key = loan_key(candidate.loan_id, candidate.due_on, kind, step);
        if existing.contains(&key) {
            continue;
        }
        let channel = channel_for(
            candidate.email.as_deref(),
            candidate.phone.as_deref(),
            candidate.address.as_deref(),
            candidate.prefers_phone,
        );
        let words = words(
            candidate,
            kind,
            today,
            hubs.get(&candidate.hub_id),
            organisations.get(&candidate.organisation_id),
        );
        let (subject, html) = match channel {
            Channel::Email => (words.subject, Some(words.html)),
            Channel::Call | Channel::Letter => (reason(kind, candidate.due_on, today), None),
        };
        rows.push(reminder::ActiveModel {
            organisation_id: Set(candidate.organisation_id),
            dedupe_key: Set(key),
            loan_id: Set(Some(candidate.loan_id)),
            hub_id: Set(Some(candidate.hub_id)),
            kind: Set(kind),
            step: Set(i32::try_from(step).unwrap_or_default()),
            channel: Set(channel),
            status: Set(ReminderStatus::Queued),
            recipient_email: Set((channel == Channel::Email)
                .then(|| candidate.email.clone())
                .flatten()),
            due_on: Set(Some(candidate.due_on)),
            subject: Set(subject),
            body_text: Set(words.text),
            body_html: Set(html),
            next_attempt_at: Set(now),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        if rows.len() == BATCH {
            summary.reminders += write(db, std::mem::take(&mut rows)).await?;
        }
    }
    summary.reminders += write(db, rows).await?;
    for organisation in organisations.values() {
        summary.digests += digests(db, organisation, public_url, now).await?;
    }
    Ok(summary)
}

async fn write(db: &Db, rows: Vec<reminder::ActiveModel>) -> Result<u64, AppError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let tx = db::begin_write(db).await?;
    let written = repo::insert_new(&tx, rows).await?;
    tx.commit().await?;
    Ok(written)
}

#[derive(Template)]
#[template(path = "emails/digest.txt")]
struct DigestText<'a> {
    name: &'a str,
    organisation: &'a str,
    date: &'a str,
    overdue: &'a [String],
    sims: &'a [String],
    checks: &'a [String],
    public_url: &'a str,
}

#[derive(Template)]
#[template(path = "emails/digest.html")]
struct DigestHtml<'a> {
    subject: &'a str,
    m: &'a DigestText<'a>,
}

/// This week's digest for each of an organisation's coordinators who has not had it.
async fn digests(
    db: &Db,
    organisation: &organisation::Model,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let today = today(now);
    let week = digest_week(today);
    let recipients = repo::digest_recipients(&db.read, organisation.id).await?;
    let keys: Vec<String> = recipients.iter().map(|s| digest_key(s.id, week)).collect();
    let have: HashSet<String> = repo::existing_keys(&db.read, keys).await?.into_iter().collect();
    let due: Vec<_> = recipients
        .iter()
        .filter(|s| !have.contains(&digest_key(s.id, week)))
        .collect();
    if due.is_empty() {
        return Ok(0);
    }
    let hubs: HashMap<i32, String> = crate::hubs::repo::list(&db.read, organisation.id)
        .await?
        .into_iter()
        .map(|h| (h.id, h.name))
        .collect();
    let hub = |id: i32| hubs.get(&id).map_or("", String::as_str).to_owned();
    let overdue: Vec<String> = repo::overdue_loans(&db.read, organisation.id, today)
        .await?
        .into_iter()
        .map(|d| {
            let due_on = d.date.unwrap_or(today);
            format!(
                "{} at {}: due back {}, {} days ago",
                d.asset_tag,
                hub(d.hub_id),
                long_date(due_on),
                (today - due_on).num_days()
            )
        })
        .collect();
    let sims: Vec<String> =
        repo::sim_plans_ending(&db.read, organisation.id, today, today + Duration::days(14))
            .await?
            .into_iter()
            .map(|d| {
                format!(
                    "{} at {}: {} plan ends {}",
                    d.asset_tag,
                    hub(d.hub_id),
                    d.network.unwrap_or_else(|| "SIM".to_owned()),
                    d.date.map(long_date).unwrap_or_default()
                )
            })
            .collect();
    let checks: Vec<String> = repo::waiting_for_checks(&db.read, organisation.id, now - Duration::days(7))
        .await?
        .into_iter()
        .map(|d| {
            format!(
                "{} at {}: waiting since {}",
                d.asset_tag,
                hub(d.hub_id),
                d.since
                    .map(|s| long_date(crate::dates::today(s)))
                    .unwrap_or_default()
            )
        })
        .collect();
    let subject = format!(
        "Weekly digest: {} overdue, {} SIM plans ending, {} waiting for checks",
        overdue.len(),
        sims.len(),
        checks.len()
    );
    let date = long_date(today);
    let rows = due
        .into_iter()
        .map(|staff| {
            let message = DigestText {
                name: &staff.name,
                organisation: &organisation.name,
                date: &date,
                overdue: &overdue,
                sims: &sims,
                checks: &checks,
                public_url,
            };
            let text = message.render().unwrap_or_default();
            let html = DigestHtml {
                subject: &subject,
                m: &message,
            }
            .render()
            .unwrap_or_default();
            reminder::ActiveModel {
                organisation_id: Set(organisation.id),
                dedupe_key: Set(digest_key(staff.id, week)),
                kind: Set(ReminderKind::Digest),
                step: Set(i32::try_from(week).unwrap_or_default()),
                channel: Set(Channel::Email),
                status: Set(ReminderStatus::Queued),
                recipient_email: Set(Some(staff.email.clone())),
                recipient_staff_id: Set(Some(staff.id)),
                subject: Set(subject.clone()),
                body_text: Set(text),
                body_html: Set(Some(html)),
                next_attempt_at: Set(now),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
        })
        .collect();
    write(db, rows).await
}

/// Delivers every email whose time has come, in claimed batches. Without a mailer (no
/// `LENDHUB_SMTP_URL`) nothing is claimed and everything stays queued.
pub async fn deliver(
    db: &Db,
    mailer: Option<&Mailer>,
    now: DateTime<Utc>,
) -> Result<DeliverySummary, AppError> {
    let mut summary = DeliverySummary::default();
    let Some(mailer) = mailer else {
        return Ok(summary);
    };
    // Each batch's rows leave the claimable set (sent, failed, or queued for later), so this
    // ends; the bound is a guard against a clock that does not move.
    for _ in 0..10_000 {
        let tx = db::begin_write(db).await?;
        let rows = repo::claim(&tx, now, 20).await?;
        tx.commit().await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let reference = format!("reminder-{}.{}", row.id, row.created_at.timestamp());
            let result = match row.recipient_email.as_deref() {
                Some(to) => {
                    mailer
                        .send(
                            &reference,
                            to,
                            &row.subject,
                            &row.body_text,
                            row.body_html.as_deref(),
                        )
                        .await
                }
                None => Err(SendError::Permanent("there is no address to send it to".into())),
            };
            let delivery = match result {
                Ok(message_id) => {
                    summary.sent += 1;
                    Delivery::Sent { message_id }
                }
                Err(SendError::Temporary(error)) => {
                    summary.retrying += 1;
                    tracing::warn!(id = row.id, %error, "email not sent; will try again");
                    Delivery::Retry {
                        error,
                        next: next_attempt(now, row.attempts + 1),
                    }
                }
                Err(SendError::Permanent(error)) => {
                    summary.failed += 1;
                    tracing::warn!(id = row.id, %error, "email refused");
                    Delivery::Failed { error }
                }
            };
            let refused = matches!(delivery, Delivery::Failed { .. });
            let tx = db::begin_write(db).await?;
            repo::finish(&tx, &row, delivery, now).await?;
            if refused {
                call_instead(&tx, &row, now).await?;
            }
            tx.commit().await?;
        }
    }
    Ok(summary)
}

/// When a loan reminder's email is refused for good, the borrower still needs reminding: if they
/// have a phone, the reminder goes on the call list too, saying why.
async fn call_instead(
    db: &impl ConnectionTrait,
    row: &reminder::Model,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (Some(loan_id), Some(due_on)) = (row.loan_id, row.due_on) else {
        return Ok(());
    };
    if repo::borrower_phone_of_loan(db, loan_id).await?.is_none() {
        return Ok(());
    }
    let call = reminder::ActiveModel {
        organisation_id: Set(row.organisation_id),
        dedupe_key: Set(format!("{}:call", row.dedupe_key)),
        loan_id: Set(Some(loan_id)),
        hub_id: Set(row.hub_id),
        kind: Set(row.kind),
        step: Set(row.step),
        channel: Set(Channel::Call),
        status: Set(ReminderStatus::Queued),
        due_on: Set(Some(due_on)),
        subject: Set(format!(
            "{} (their email was refused)",
            reason(row.kind, due_on, today(now))
        )),
        body_text: Set(row.body_text.clone()),
        next_attempt_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    repo::insert_new(db, vec![call]).await?;
    Ok(())
}

/// The mailer `config` asks for, if any.
///
/// # Errors
/// When the SMTP URL or sender cannot be read (config loading checks this first).
pub fn mailer(config: &Config) -> Result<Option<Mailer>, AppError> {
    config
        .smtp_url
        .as_deref()
        .map(|url| Mailer::new(url, &config.mail_from))
        .transpose()
        .map_err(|e| AppError::Internal(e.into()))
}

/// A sweep, then delivery: what `lendhub reminders run` and each tick of `serve` do.
pub async fn run_once(
    db: &Db,
    config: &Config,
    mailer: Option<&Mailer>,
    now: DateTime<Utc>,
) -> Result<(SweepSummary, DeliverySummary), AppError> {
    let swept = sweep(db, &config.reminders, &config.public_url, now).await?;
    let delivered = deliver(db, mailer, now).await?;
    Ok((swept, delivered))
}

/// Runs `run_once` every `config.reminder_interval` until the process ends.
pub fn spawn_background(db: Db, config: std::sync::Arc<Config>) {
    tokio::spawn(async move {
        let mailer = match mailer(&config) {
            Ok(mailer) => mailer,
            Err(err) => {
                tracing::error!(%err, "reminders are off: the SMTP settings cannot be used");
                return;
            }
        };
        if mailer.is_none() {
            tracing::warn!("LENDHUB_SMTP_URL is not set: reminder emails stay queued until it is");
        }
        let mut ticks = tokio::time::interval(config.reminder_interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match run_once(&db, &config, mailer.as_ref(), Utc::now()).await {
                Ok((swept, delivered)) => {
                    if swept.reminders
                        + swept.digests
                        + delivered.sent
                        + delivered.failed
                        + delivered.retrying
                        > 0
                    {
                        tracing::info!(?swept, ?delivered, "reminders");
                    }
                }
                Err(err) => tracing::error!(%err, "reminder sweep failed; will try again"),
            }
        }
    });
}

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
    audit::record(
        &tx,
        staff,
        EntityRef::Loan(row.loan_id.unwrap_or_default()),
        "reminder_call",
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
        "reminder_retried",
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
        .unwrap_or_default();
    let letters: Vec<super::letters::Letter> = tasks
        .into_iter()
        .map(|t| super::letters::Letter {
            name: t.borrower_name,
            address: t.address.unwrap_or_default(),
            postcode: t.postcode,
            body: t.body_text,
            large_print: t.large_print,
        })
        .collect();
    let date = today(now);
    tokio::task::spawn_blocking(move || super::letters::render(&letters, &organisation, date))
        .await
        .map_err(AppError::internal)
}

/// Records that letters were printed and posted; they leave the list.
pub async fn mark_posted(db: &Db, staff: &Staff, ids: &[i32], now: DateTime<Utc>) -> Result<u64, AppError> {
    staff.require(Action::Lend)?;
    if ids.is_empty() {
        return Err(AppError::invalid("ids", "there are no letters to mark as posted"));
    }
    let tx = db::begin_write(db).await?;
    let posted = repo::mark_posted(&tx, staff.organisation_id, ids, staff.id, now).await?;
    audit::record(
        &tx,
        staff,
        EntityRef::Organisation(staff.organisation_id),
        "reminder_letters_posted",
        json!({"reminder_ids": ids, "posted": posted}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(posted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowers_are_reached_the_way_they_can_be() {
        let e = Some("a@example.org");
        let p = Some("07700 900123");
        let a = Some("1 High Street");
        assert_eq!(channel_for(e, p, a, false), Channel::Email);
        assert_eq!(channel_for(e, p, None, true), Channel::Call);
        assert_eq!(channel_for(e, None, None, true), Channel::Email);
        assert_eq!(channel_for(None, p, a, false), Channel::Call);
        assert_eq!(channel_for(Some(" "), None, a, false), Channel::Letter);
    }

    #[test]
    fn reasons_read_naturally() {
        let due = NaiveDate::from_ymd_opt(2027, 3, 10).unwrap();
        let on = |d: u32| NaiveDate::from_ymd_opt(2027, 3, d).unwrap();
        assert_eq!(reason(ReminderKind::DueSoon, due, on(7)), "Due back in 3 days");
        assert_eq!(reason(ReminderKind::DueSoon, due, on(9)), "Due back tomorrow");
        assert_eq!(reason(ReminderKind::DueToday, due, on(10)), "Due back today");
        assert_eq!(reason(ReminderKind::Overdue, due, on(11)), "Overdue by 1 day");
        assert_eq!(reason(ReminderKind::Overdue, due, on(17)), "Overdue by 7 days");
    }
}
