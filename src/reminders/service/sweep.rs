//! The sweep: for every open loan, the one reminder it needs today (if any), written to the outbox
//! under a key unique in the database, so a second sweep, or a second instance, writes nothing.

use std::collections::{HashMap, HashSet};

use askama::Template;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use serde::Serialize;

use super::digests;
use crate::dates::{long_date, today};
use crate::reminders::{
    model::{Channel, Policy, ReminderKind, ReminderStatus, loan_key},
    repo::{self, Candidate},
};
use crate::{
    db::{self, Db},
    entities::{hub, organisation, reminder},
    error::AppError,
    people::model::Reach,
};

/// What one sweep wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SweepSummary {
    /// Loans looked at (open, due within the due-soon window or past).
    pub loans: usize,
    /// New outbox rows about loans: emails, calls and letters.
    pub reminders: u64,
    pub digests: u64,
    /// Reminders due to people with no route they agreed to (the "cannot contact" list).
    pub cannot_contact: u64,
}

#[derive(Template)]
#[template(path = "emails/reminder.txt")]
struct ReminderText<'a> {
    name: &'a str,
    headline: &'a str,
    hub_name: &'a str,
    hub_address: Option<&'a str>,
    opening_hours: Option<&'a str>,
    hub_phone: Option<&'a str>,
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

/// How a borrower is reached, by the routes they agreed to and gave a detail for: email (unless
/// they asked for a phone call), else a call, else a letter; `None` when no route is left (they
/// are on the "cannot contact" list instead).
pub fn channel_for(reach: Reach<'_>, prefers_phone: bool) -> Option<Channel> {
    let (email, phone, address) = (
        reach.email.is_some(),
        reach.phone.is_some(),
        reach.address.is_some(),
    );
    if email && !(prefers_phone && phone) {
        Some(Channel::Email)
    } else if phone {
        Some(Channel::Call)
    } else if address {
        Some(Channel::Letter)
    } else {
        None
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
        ReminderKind::SessionCancelled => "Their training session is cancelled".to_owned(),
        ReminderKind::ReferralDeclined => "Their referral was declined".to_owned(),
        ReminderKind::DeviceOffered => "A device is held for them".to_owned(),
        ReminderKind::FollowUp => "Ask how it has gone".to_owned(),
        ReminderKind::DataEnding => "Their SIM's data ends soon".to_owned(),
    }
}

/// The words of a reminder about `candidate`'s loan.
pub fn words(
    candidate: &Candidate,
    kind: ReminderKind,
    today: NaiveDate,
    hub: Option<&hub::Model>,
    organisation: Option<&organisation::Model>,
) -> Result<Words, askama::Error> {
    let org_name = organisation.map_or("us", |o| o.name.as_str());
    let device = candidate.kind.in_sentence();
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
    let hub_name = hub.map_or("the hub you borrowed it from", |h| h.name.as_str());
    let hub_phone = hub.and_then(|h| h.phone.as_deref());
    // Whom to ring for more time: the hub when it has a phone, else the organisation, else the
    // hub by name, never a bare "ask at the hub".
    let ask = match (hub_phone, organisation.and_then(|o| o.phone.as_deref())) {
        (Some(hub_phone), _) => format!("call {hub_name} on {hub_phone}"),
        (None, Some(phone)) => format!("call us on {phone}"),
        (None, None) => format!("ask at {hub_name}"),
    };
    let extend = format!("If you need it for longer, {ask}. We can usually give you more time.");
    let hub_address = hub.and_then(|h| h.address.as_deref());
    let opening_hours = hub.and_then(|h| h.opening_hours.as_deref());
    let device_label = candidate.kind.label();
    let message = ReminderText {
        name: &candidate.borrower_name,
        headline: &headline,
        hub_name,
        hub_address,
        opening_hours,
        hub_phone,
        extend: &extend,
        organisation: org_name,
        device: device_label,
        asset_tag: &candidate.asset_tag,
    };
    let text = message.render()?;
    let html = ReminderHtml {
        subject: &subject,
        m: &message,
    }
    .render()?;
    Ok(Words { subject, text, html })
}

const BATCH: usize = 250;

/// How many open loans a sweep reads at a time.
const PAGE: u64 = 1000;

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
    let mut summary = SweepSummary::default();
    let mut rows = Vec::new();
    let mut after = 0;
    loop {
        let candidates = repo::candidates(&db.read, latest, after, PAGE).await?;
        let Some(last) = candidates.last() else {
            break;
        };
        after = last.loan_id;
        summary.loans += candidates.len();
        let ids: Vec<i32> = candidates.iter().map(|c| c.loan_id).collect();
        let existing: HashSet<String> = repo::existing_loan_keys(&db.read, &ids)
            .await?
            .into_iter()
            .collect();
        for candidate in &candidates {
            let Some((kind, step)) = policy.due(candidate.due_on, today) else {
                continue;
            };
            let key = loan_key(candidate.loan_id, candidate.due_on, kind, step);
            if existing.contains(&key) {
                continue;
            }
            let Some(channel) = channel_for(candidate.reach(), candidate.prefers_phone) else {
                // No route they agreed to: staff see them on the "cannot contact" list.
                summary.cannot_contact += 1;
                continue;
            };
            let words = words(
                candidate,
                kind,
                today,
                hubs.get(&candidate.hub_id),
                organisations.get(&candidate.organisation_id),
            )
            .map_err(AppError::internal)?;
            let (subject, html) = match channel {
                Channel::Email => (words.subject, Some(words.html)),
                Channel::Call | Channel::Letter => (reason(kind, candidate.due_on, today), None),
            };
            rows.push(reminder::ActiveModel {
                organisation_id: Set(candidate.organisation_id),
                dedupe_key: Set(key),
                loan_id: Set(Some(candidate.loan_id)),
                borrower_id: Set(Some(candidate.borrower_id)),
                hub_id: Set(Some(candidate.hub_id)),
                kind: Set(kind),
                step: Set(i32::try_from(step).map_err(AppError::internal)?),
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
    }
    summary.reminders += write(db, rows).await?;
    for organisation in organisations.values() {
        summary.digests += digests(db, organisation, public_url, now).await?;
    }
    Ok(summary)
}

pub(super) async fn write(db: &Db, rows: Vec<reminder::ActiveModel>) -> Result<u64, AppError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let tx = db::begin_write(db).await?;
    let written = repo::insert_new(&tx, rows).await?;
    tx.commit().await?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::model::Consents;
    use crate::reminders::model::{Channel, ReminderKind};
    use chrono::NaiveDate;

    #[test]
    fn borrowers_are_reached_the_way_they_agreed_to() {
        let all = Consents {
            loan: true,
            email_reminders: true,
            phone_reminders: true,
            post: true,
            ..Consents::default()
        };
        let e = Some("a@example.org");
        let p = Some("07700 900123");
        let a = Some("1 High Street");
        let to = |c: Consents, e, p, a, prefers| channel_for(c.reach(e, p, a), prefers);
        assert_eq!(to(all, e, p, a, false), Some(Channel::Email));
        assert_eq!(to(all, e, p, None, true), Some(Channel::Call));
        assert_eq!(to(all, e, None, None, true), Some(Channel::Email));
        assert_eq!(to(all, None, p, a, false), Some(Channel::Call));
        assert_eq!(to(all, Some(" "), None, a, false), Some(Channel::Letter));
        let no_email = Consents {
            email_reminders: false,
            ..all
        };
        assert_eq!(to(no_email, e, p, a, false), Some(Channel::Call));
        assert_eq!(
            to(
                Consents {
                    loan: true,
                    ..Consents::default()
                },
                e,
                p,
                a,
                false
            ),
            None
        );
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
