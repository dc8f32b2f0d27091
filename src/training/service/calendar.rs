//! A trainer's calendar feed behind a secret address; only the secret's hash is stored.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;

use super::Names;
use crate::audit::AuditAction;
use crate::training::{
    model::{self, Event},
    repo,
};
use crate::{
    audit::{EntityRef, record},
    auth::{self, Action, Staff},
    db::{self, Db},
    error::AppError,
    hubs,
};

/// Makes (or replaces) the staff member's calendar feed; returns its secret address.
pub async fn new_feed(
    db: &Db,
    staff: &Staff,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    staff.require(Action::ViewTraining)?;
    let token = auth::service::new_secret();
    let tx = db::begin_write(db).await?;
    repo::set_feed(&tx, staff.id(), auth::service::hash_secret(&token), now).await?;
    record(
        &tx,
        staff,
        EntityRef::Staff(staff.id()),
        AuditAction::CalendarFeedCreated,
        json!({}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(format!("{public_url}/calendar/{token}.ics"))
}

/// The iCalendar feed behind a secret address: the trainer's sessions from 30 days ago to a year
/// ahead. `None` when the address is not (or no longer) a feed.
pub async fn feed(
    db: &impl ConnectionTrait,
    token: &str,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    let Some(staff_id) = repo::feed_owner(db, &auth::service::hash_secret(token)).await? else {
        return Ok(None);
    };
    let Some(staff) = auth::service::find_staff_by_id(db, staff_id).await? else {
        return Ok(None);
    };
    let rows = repo::sessions(
        db,
        staff.organisation_id,
        now - Duration::days(30),
        now + Duration::days(366),
        None,
        Some(staff.id),
    )
    .await?;
    let names = Names::load(db, staff.organisation_id).await?;
    let hub_addresses: HashMap<i32, Option<String>> = hubs::service::list_rows(db, staff.organisation_id)
        .await?
        .into_iter()
        .map(|h| (h.id, h.address))
        .collect();
    let events: Vec<Event> = rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            let location = match (row.hub_id, &row.meeting_url) {
                (Some(hub), _) => {
                    // The hub is a foreign key to a hub of the organisation.
                    let name = names.hubs.get(&hub).cloned().unwrap_or_default();
                    match hub_addresses.get(&hub).cloned().flatten() {
                        Some(address) => format!("{name}, {address}"),
                        None => name,
                    }
                }
                (None, Some(url)) => format!("Online: {url}"),
                (None, None) => String::new(),
            };
            let view = names.view(row, 0);
            Event {
                uid: format!(
                    "session-{id}@{}",
                    public_url.split("://").nth(1).unwrap_or("lendhub")
                ),
                starts_at: view.starts_at,
                minutes: view.duration_minutes,
                summary: view.course_title.clone(),
                location,
                description: format!("lendhub training session {id}: {}", view.course_title),
                url: format!("{public_url}/training/sessions/{id}"),
            }
        })
        .collect();
    Ok(Some(model::ics(
        &format!("{}: training sessions", staff.name),
        &events,
        now,
    )))
}
