//! The weekly digest for coordinators (admins where there are none): overdue loans, SIM plans
//! ending soon, devices waiting for their checks; no borrower names.

use std::collections::{HashMap, HashSet};

use askama::Template;
use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;

use super::write;
use crate::dates::{long_date, today};
use crate::reminders::{
    model::{Channel, ReminderKind, ReminderStatus, digest_key, digest_week},
    repo::{self},
};
use crate::{
    db::Db,
    entities::{organisation, reminder},
    error::AppError,
};

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
pub(super) async fn digests(
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
    let hubs: HashMap<i32, String> = crate::hubs::service::list_rows(&db.read, organisation.id)
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
                "{} at {}: due back {}, {} ago",
                d.asset_tag,
                hub(d.hub_id),
                long_date(due_on),
                crate::words::count(
                    u64::try_from((today - due_on).num_days()).unwrap_or(0),
                    "day",
                    "days"
                )
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
    let step = i32::try_from(week).map_err(AppError::internal)?;
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
            let text = message.render()?;
            let html = DigestHtml {
                subject: &subject,
                m: &message,
            }
            .render()?;
            Ok(reminder::ActiveModel {
                organisation_id: Set(organisation.id),
                dedupe_key: Set(digest_key(staff.id, week)),
                kind: Set(ReminderKind::Digest),
                step: Set(step),
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
            })
        })
        .collect::<Result<Vec<_>, askama::Error>>()
        .map_err(AppError::internal)?;
    write(db, rows).await
}
