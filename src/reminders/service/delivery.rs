//! Delivery: due emails claimed in batches under a lease, sent over SMTP, retried with backoff on
//! temporary failures; a refused email puts the borrower on the call list when they have a phone.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::Serialize;

use super::{SweepSummary, reason, sweep};
use crate::dates::today;
use crate::reminders::{
    mail::{Mailer, SendError},
    model::{Channel, ReminderStatus, next_attempt},
    repo::{self, Delivery},
};
use crate::{
    config::Config,
    db::{self, Db},
    entities::reminder,
    error::AppError,
};

/// What one delivery run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeliverySummary {
    pub sent: u64,
    /// Temporary failures, queued to try again later.
    pub retrying: u64,
    /// Permanent failures, shown to staff on the outbox page.
    pub failed: u64,
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
    // The clock is read at each claim and each finish, not once a run: a run that outlasts the
    // lease must not hand out leases that have already run out. `now` only sets where it starts
    // (`reminders run --now`).
    let started = std::time::Instant::now();
    let clock = || now + chrono::TimeDelta::from_std(started.elapsed()).unwrap_or(chrono::TimeDelta::MAX);
    let claim_id = crate::auth::service::new_secret();
    // Each batch's rows leave the claimable set (sent, failed, or queued for later), so this
    // ends; the bound is a guard against a clock that does not move.
    for _ in 0..10_000 {
        let tx = db::begin_write(db).await?;
        let rows = repo::claim(&tx, &claim_id, clock(), 20).await?;
        tx.commit().await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            if !repo::renew(&db.write, &row, clock()).await? {
                continue;
            }
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
                // The server's words can quote the recipient's address: they go to the outbox page
                // (admins only), not to the log.
                Err(SendError::Temporary(error)) => {
                    summary.retrying += 1;
                    tracing::warn!(
                        id = row.id,
                        attempts = row.attempts + 1,
                        "email not sent; will try again"
                    );
                    Delivery::Retry {
                        error,
                        next: next_attempt(clock(), row.attempts + 1),
                    }
                }
                Err(SendError::Permanent(error)) => {
                    summary.failed += 1;
                    tracing::warn!(id = row.id, "email refused; see the outbox");
                    Delivery::Failed { error }
                }
            };
            let refused = matches!(delivery, Delivery::Failed { .. });
            let now = clock();
            let tx = db::begin_write(db).await?;
            if !repo::finish(&tx, &row, delivery, now).await? {
                tracing::warn!(
                    id = row.id,
                    "the lease ran out while sending; another worker has the email now"
                );
                continue;
            }
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
        borrower_id: Set(row.borrower_id),
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
        .map(|url| Mailer::new(url, &config.mail_from, config.smtp_timeout))
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

/// One sweep as `serve` runs it, every `LENDHUB_REMINDER_INTERVAL_SECONDS`: what it did is
/// logged, and a failure is logged and tried again next time.
/// Each sweep is counted by its result (`lendhub_reminder_sweeps_total`) and timed
/// (`lendhub_reminder_sweep_duration_seconds`), and what it queued is counted too.
pub async fn sweep_tick(db: &Db, config: &Config) {
    let started = std::time::Instant::now();
    let result = sweep(db, &config.reminders, &config.public_url, Utc::now()).await;
    metrics::histogram!("lendhub_reminder_sweep_duration_seconds").record(started.elapsed().as_secs_f64());
    let outcome = if result.is_ok() { "ok" } else { "failed" };
    metrics::counter!("lendhub_reminder_sweeps_total", "result" => outcome).increment(1);
    match result {
        Ok(swept) => {
            metrics::counter!("lendhub_reminders_scheduled_total").increment(swept.reminders + swept.digests);
            if swept.reminders + swept.digests > 0 {
                tracing::info!(?swept, "reminders swept");
            }
        }
        Err(err) => tracing::error!(%err, "reminder sweep failed; will try again"),
    }
}

/// One delivery run as `serve` runs it, in a task of its own: a mail server that stalls delays
/// email, never the sweep.
pub async fn deliver_tick(db: &Db, mailer: Option<&Mailer>) {
    match deliver(db, mailer, Utc::now()).await {
        Ok(delivered) if delivered.sent + delivered.failed + delivered.retrying > 0 => {
            for (result, count) in [
                ("sent", delivered.sent),
                ("retrying", delivered.retrying),
                ("failed", delivered.failed),
            ] {
                metrics::counter!("lendhub_emails_total", "result" => result).increment(count);
            }
            tracing::info!(?delivered, "reminders delivered");
        }
        Ok(_) => {}
        Err(err) => tracing::error!(%err, "reminder delivery failed; will try again"),
    }
}
