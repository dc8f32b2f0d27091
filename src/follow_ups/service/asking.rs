//! Asking: each sweep finds the loans and gifts whose day has come (`LENDHUB_FOLLOW_UP_DAYS`
//! after they began, and not more than `repo::LATE_DAYS` after) and asks each person once, as
//! their `follow_up` consent and contact details allow: an email with a link to the
//! questionnaire, else a row on the call list. Someone who did not agree, or cannot be reached,
//! is written down as not asked, so the figures can say how many were.

use askama::Template;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::Serialize;

use crate::follow_ups::{
    model::{FollowUpStatus, since_words},
    repo::{self, Due},
};
use crate::{
    auth::service::{hash_secret, new_secret},
    db::{self, Db},
    entities::follow_up,
    error::AppError,
    reminders::{model::Channel, service::FollowUpAsk},
};

/// What a sweep asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Asked {
    pub emailed: u64,
    pub to_call: u64,
    pub not_asked: u64,
}

#[derive(Template)]
#[template(path = "emails/follow_up.txt")]
struct AskText<'a> {
    name: &'a str,
    since: &'a str,
    device: &'a str,
    organisation: &'a str,
    url: &'a str,
    phone: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "emails/follow_up.html")]
struct AskHtml<'a> {
    subject: &'a str,
    m: &'a AskText<'a>,
}

/// A batch read at a time; a sweep reads at most this many batches for each day.
const BATCH: u64 = 100;
const BATCHES: usize = 20;

/// Asks everyone whose day has come by `now`.
pub async fn ask_due(db: &Db, days: &[i32], public_url: &str, now: DateTime<Utc>) -> Result<Asked, AppError> {
    let mut asked = Asked::default();
    for &after_days in days {
        for _ in 0..BATCHES {
            let mut due = repo::loans_due(&db.read, after_days, now, BATCH).await?;
            due.extend(repo::gifts_due(&db.read, after_days, now, BATCH).await?);
            if due.is_empty() {
                break;
            }
            let tx = db::begin_write(db).await?;
            for item in &due {
                ask(&tx, item, after_days, public_url, now, &mut asked).await?;
            }
            tx.commit().await?;
        }
    }
    Ok(asked)
}

/// Asks one person, in the sweep's transaction.
async fn ask(
    db: &impl ConnectionTrait,
    due: &Due,
    after_days: i32,
    public_url: &str,
    now: DateTime<Utc>,
    asked: &mut Asked,
) -> Result<(), AppError> {
    let borrower = crate::people::service::find(db, due.organisation_id, due.borrower_id)
        .await?
        .filter(|b| b.anonymised_at.is_none() && b.consent_follow_up);
    let usable = |detail: &Option<String>| {
        detail
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
    };
    let channel = borrower
        .as_ref()
        .and_then(|b| match (usable(&b.email), usable(&b.phone)) {
            (Some(_), _) => Some(Channel::Email),
            (None, Some(_)) => Some(Channel::Call),
            (None, None) => None,
        });
    let key = (channel == Some(Channel::Email)).then(new_secret);
    let Some(row) = repo::insert(
        db,
        follow_up::ActiveModel {
            organisation_id: Set(due.organisation_id),
            hub_id: Set(due.hub_id),
            borrower_id: Set(due.borrower_id),
            loan_id: Set(due.loan_id),
            gift_id: Set(due.gift_id),
            after_days: Set(after_days),
            due_on: Set(crate::dates::today(now)),
            status: Set(if channel.is_some() {
                FollowUpStatus::Asked
            } else {
                FollowUpStatus::NotAsked
            }),
            channel: Set(channel),
            key_hash: Set(key.as_deref().map(hash_secret)),
            created_at: Set(now),
            ..Default::default()
        },
    )
    .await?
    else {
        // Another instance asked a moment ago.
        return Ok(());
    };
    let (Some(borrower), Some(channel)) = (borrower, channel) else {
        asked.not_asked += 1;
        return Ok(());
    };
    let device = crate::devices::service::find(db, due.device_id)
        .await?
        .map_or_else(|| "device".to_owned(), |d| d.kind.in_sentence().to_owned());
    let organisation = crate::organisations::service::find(db, due.organisation_id).await?;
    let hub = crate::hubs::service::find_row(db, due.hub_id).await?;
    let phone = hub
        .and_then(|h| h.phone)
        .or_else(|| organisation.as_ref().and_then(|o| o.phone.clone()));
    let organisation = organisation.map_or_else(|| "us".to_owned(), |o| o.name);
    let since = since_words(after_days);
    let ask = match channel {
        Channel::Email => {
            let url = format!(
                "{}/f/{}",
                public_url.trim_end_matches('/'),
                key.unwrap_or_default()
            );
            let text = AskText {
                name: &borrower.name,
                since: &since,
                device: &device,
                organisation: &organisation,
                url: &url,
                phone: phone.as_deref(),
            };
            let subject = format!("How has your {device} helped you? ({organisation})");
            let html = AskHtml {
                subject: &subject,
                m: &text,
            }
            .render()
            .map_err(AppError::internal)?;
            asked.emailed += 1;
            FollowUpAsk {
                email: usable(&borrower.email),
                text: text.render().map_err(AppError::internal)?,
                html: Some(html),
                subject,
                ..ask_base(due, row.id)
            }
        }
        _ => {
            asked.to_call += 1;
            FollowUpAsk {
                email: None,
                subject: format!("Ask how it has gone, {since} on"),
                text: format!(
                    "Ask {} how the {device} has helped, {since} after they got it, and record what they say.",
                    borrower.name
                ),
                html: None,
                ..ask_base(due, row.id)
            }
        }
    };
    crate::reminders::service::ask_follow_up(db, ask, now).await
}

fn ask_base(due: &Due, follow_up_id: i32) -> FollowUpAsk {
    FollowUpAsk {
        organisation_id: due.organisation_id,
        hub_id: due.hub_id,
        borrower_id: due.borrower_id,
        loan_id: due.loan_id,
        follow_up_id,
        email: None,
        subject: String::new(),
        text: String::new(),
        html: None,
    }
}

/// One round of asking as `serve` runs it, beside the reminder sweep: what it did is logged, and
/// a failure is logged and tried again next time.
pub async fn ask_tick(db: &Db, config: &crate::config::Config) {
    match ask_due(db, &config.follow_up_days, &config.public_url, Utc::now()).await {
        Ok(asked) if asked != Asked::default() => tracing::info!(?asked, "follow-ups asked"),
        Ok(_) => {}
        Err(err) => tracing::error!(%err, "asking follow-ups failed; will try again"),
    }
}
