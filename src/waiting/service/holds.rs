//! Offers and holds. When a device of a kind comes free at a hub (its checks done, or a hold on
//! it let go), the first person waiting for that kind there is offered it: it is held for them
//! for `LENDHUB_HOLD_DAYS`, they are told as their consents allow, and the counter lends it to
//! nobody else until then. A hold that runs out takes its person off the list and the device
//! goes to the next. One entry holds a device at a time: the database's unique index settles two
//! offers of the last device at once.

use askama::Template;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, IntoActiveModel};
use serde::Deserialize;
use serde_json::json;

use super::{WaitingView, repo, unknown, view};
use crate::{
    audit::{self, Actor, AuditAction, EntityRef, NewEvent},
    auth::{Action, Staff},
    db::{self, Db},
    devices::model::{AssetTag, DeviceStatus},
    entities::{device, waiting},
    error::AppError,
    reminders::{model::ReminderKind, service::Notice},
    waiting::model::WaitingStatus,
};

/// `POST /waiting-list/{id}/offer`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OfferRequest {
    /// The device to hold for them: available, of the kind they wait for, at their hub.
    #[schema(value_type = String, required = true)]
    pub asset_tag: Option<String>,
}

#[derive(Template)]
#[template(path = "emails/device_offered.txt")]
struct OfferText<'a> {
    name: &'a str,
    device: &'a str,
    hub: &'a str,
    address: &'a str,
    opening_hours: &'a str,
    until: &'a str,
    phone: Option<&'a str>,
    organisation: &'a str,
}

#[derive(Template)]
#[template(path = "emails/device_offered.html")]
struct OfferHtml<'a> {
    subject: &'a str,
    m: &'a OfferText<'a>,
}

fn held_elsewhere(until: DateTime<Utc>) -> AppError {
    AppError::Conflict {
        code: "held",
        message: format!(
            "this device is held for someone on the waiting list until {}",
            crate::dates::london_time(until)
        ),
    }
}

/// Holds `device` for `entry` and tells them, in `db`'s transaction.
async fn hold(
    db: &impl ConnectionTrait,
    entry: waiting::Model,
    device: &device::Model,
    hold_days: i64,
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> Result<waiting::Model, AppError> {
    // The device's row is locked and read again: a loan made at this moment has committed (and
    // the device is no longer available) or waits for this hold, and then sees it.
    let available = crate::loans::service::lock_device_by_id(db, device.id)
        .await?
        .is_some_and(|d| d.status == DeviceStatus::Available);
    if !available {
        return Err(AppError::Conflict {
            code: "device_not_available",
            message: format!("{} is no longer available", device.asset_tag),
        });
    }
    let until = now + Duration::days(hold_days);
    let mut row = entry.into_active_model();
    row.held_device_id = Set(Some(device.id));
    row.held_until = Set(Some(until));
    let entry = repo::update(db, row).await.map_err(|err| match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code: "held",
            message: "this device was offered to someone else a moment ago".into(),
        },
        _ => err.into(),
    })?;
    tell(db, &entry, device, until, now).await?;
    audit::insert(
        db,
        NewEvent {
            organisation_id: entry.organisation_id,
            at: now,
            actor,
            entity: EntityRef::Device(device.id),
            action: AuditAction::DeviceOffered,
            details: json!({"waiting_id": entry.id, "held_until": until}),
        },
    )
    .await?;
    Ok(entry)
}

/// Tells the person a device is held for them, by a route they agreed to.
async fn tell(
    db: &impl ConnectionTrait,
    entry: &waiting::Model,
    device: &device::Model,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(borrower) = crate::people::service::find(db, entry.organisation_id, entry.borrower_id).await?
    else {
        return Ok(());
    };
    let hub = crate::hubs::service::find_row(db, entry.hub_id).await?;
    let organisation = crate::organisations::service::find(db, entry.organisation_id).await?;
    let organisation_name = organisation.as_ref().map_or("us", |o| o.name.as_str());
    let phone = hub
        .as_ref()
        .and_then(|h| h.phone.clone())
        .or_else(|| organisation.as_ref().and_then(|o| o.phone.clone()));
    let until_text = crate::dates::long_date(crate::dates::today(until));
    let hub_name = hub.as_ref().map_or_else(String::new, |h| h.name.clone());
    let text = OfferText {
        name: &borrower.name,
        device: entry.kind.in_sentence(),
        hub: &hub_name,
        address: hub
            .as_ref()
            .and_then(|h| h.address.as_deref())
            .unwrap_or_default(),
        opening_hours: hub
            .as_ref()
            .and_then(|h| h.opening_hours.as_deref())
            .unwrap_or_default(),
        until: &until_text,
        phone: phone.as_deref(),
        organisation: organisation_name,
    };
    let subject = format!("A {} is ready for you at {hub_name}", entry.kind.in_sentence());
    let html = OfferHtml {
        subject: &subject,
        m: &text,
    }
    .render()
    .map_err(AppError::internal)?;
    let notice = Notice {
        organisation_id: entry.organisation_id,
        hub_id: Some(entry.hub_id),
        borrower_id: borrower.id,
        session_id: None,
        kind: ReminderKind::DeviceOffered,
        dedupe_key: format!("device_offered:{}:{}:{}", entry.id, device.id, now.timestamp()),
        email: borrower.email.clone(),
        phone: borrower.phone.clone(),
        address: borrower.address.clone(),
        prefers_phone: borrower.prefers_phone,
        consents: crate::people::service::consents_of(&borrower),
        subject,
        text: text.render().map_err(AppError::internal)?,
        html,
    };
    crate::reminders::service::notify(db, vec![notice], now).await?;
    Ok(())
}

/// `POST /waiting-list/{id}/offer`: staff hold a device for this person.
pub async fn offer(
    db: &Db,
    staff: &Staff,
    id: i32,
    request: &OfferRequest,
    hold_days: i64,
    now: DateTime<Utc>,
) -> Result<WaitingView, AppError> {
    let scope = staff.scope(Action::Lend)?;
    let text = request
        .asset_tag
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            AppError::invalid("asset_tag", "enter the asset tag of the device to hold for them")
        })?;
    let tag = AssetTag::parse("asset_tag", text)?;
    let tx = db::begin_write(db).await?;
    let entry = repo::find(&tx, &scope, id).await?.ok_or_else(|| unknown(id))?;
    if entry.status != WaitingStatus::Waiting {
        return Err(AppError::Conflict {
            code: "not_waiting",
            message: "they are no longer on the waiting list".into(),
        });
    }
    if entry.held_device_id.is_some() {
        return Err(AppError::Conflict {
            code: "already_offered",
            message: "a device is already held for them".into(),
        });
    }
    let device = crate::devices::service::find_by_tag(&tx, staff.organisation_id(), &tag)
        .await?
        .filter(|d| staff.sees_hub(d.hub_id))
        .ok_or_else(|| AppError::invalid("asset_tag", format!("there is no device with asset tag {tag}")))?;
    if device.kind != entry.kind || device.hub_id != entry.hub_id {
        return Err(AppError::invalid(
            "asset_tag",
            format!("{tag} is not a {} at their hub", entry.kind.in_sentence()),
        ));
    }
    // The device's row first, as a loan takes it: an offer and a loan of it queue there.
    let device = crate::loans::service::lock_device_by_id(&tx, device.id)
        .await?
        .unwrap_or(device);
    if device.status != DeviceStatus::Available {
        return Err(AppError::Conflict {
            code: "device_not_available",
            message: format!("{tag} is {}, not available", device.status.label().to_lowercase()),
        });
    }
    if let Some(holder) = repo::holding(&tx, device.id).await? {
        match holder.held_until.filter(|until| *until > now) {
            Some(until) => return Err(held_elsewhere(until)),
            None => {
                lapse(&tx, holder, device.id, now).await?;
            }
        }
    }
    let entry = hold(&tx, entry, &device, hold_days, Actor::Staff(staff), now).await?;
    let view = view(&tx, entry, now).await?;
    tx.commit().await?;
    Ok(view)
}

/// Offers `device_id` to the first person waiting for its kind at its hub, if it is available
/// and held for no one: called in the transaction that made it available or let go of it.
pub async fn offer_next_of(
    db: &impl ConnectionTrait,
    device_id: i32,
    hold_days: i64,
    now: DateTime<Utc>,
) -> Result<Option<waiting::Model>, AppError> {
    let Some(device) = crate::loans::service::lock_device_by_id(db, device_id).await? else {
        return Ok(None);
    };
    if device.status != DeviceStatus::Available || repo::holding(db, device.id).await?.is_some() {
        return Ok(None);
    }
    let Some(next) = repo::next_in_line(db, device.hub_id, device.kind).await? else {
        return Ok(None);
    };
    hold(db, next, &device, hold_days, Actor::System("waiting list"), now)
        .await
        .map(Some)
}

/// At the counter, in the loan's transaction: a device held for someone else is refused
/// (409 `held`, naming until when); lending it to the person it is held for, or to someone
/// waiting for its kind at its hub, takes them off the list. A hold that ran out is let go.
pub async fn claim_for_loan(
    db: &impl ConnectionTrait,
    device: &device::Model,
    borrower_id: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    // One query, as every loan asks it while it holds the single writer. Letting a lapsed hold
    // go ends someone else's entry, so theirs, read alongside, still stands.
    let (holder, waiting) =
        repo::holder_and_waiting(db, device.id, borrower_id, device.kind, device.hub_id).await?;
    let entry = match holder {
        Some(holder) if holder.borrower_id == borrower_id => Some(holder),
        Some(holder) => match holder.held_until.filter(|until| *until > now) {
            Some(until) => return Err(held_elsewhere(until)),
            None => {
                lapse(db, holder, device.id, now).await?;
                waiting
            }
        },
        None => waiting,
    };
    if let Some(entry) = entry {
        // Another device held for them goes back to the list's next sweep.
        repo::end_if_waiting(db, entry.id, WaitingStatus::Lent, now).await?;
    }
    Ok(())
}

/// Ends a hold that ran out, in the caller's transaction (which holds the device's row): its
/// person leaves the list. Answers whether it was still there to end.
async fn lapse(
    db: &impl ConnectionTrait,
    entry: waiting::Model,
    device_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    if !repo::end_if_waiting(db, entry.id, WaitingStatus::Cancelled, now).await? {
        return Ok(false);
    }
    audit::insert(
        db,
        NewEvent {
            organisation_id: entry.organisation_id,
            at: now,
            actor: Actor::System("waiting list"),
            entity: EntityRef::Device(device_id),
            action: AuditAction::OfferLapsed,
            details: json!({"waiting_id": entry.id}),
        },
    )
    .await?;
    Ok(true)
}

/// Lets go of the hold on `device_id` (it went to repair, was lost or retired): its person keeps
/// their place, and the next device of the kind is held for them.
pub async fn release_hold(db: &impl ConnectionTrait, device_id: i32) -> Result<(), AppError> {
    Ok(repo::release(db, device_id).await?)
}

/// What a run over the holds did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HoldsRun {
    /// Holds that ran out: their people left the list.
    pub lapsed: u64,
    /// Devices newly held for someone.
    pub offered: u64,
}

/// Lets go of every hold that ran out by `now` (its person leaves the list: they were told and
/// did not come; the device goes to the next), then holds each free device for the first person
/// waiting for its kind at its hub: a device fixed, found, added, or let go of since. Each in
/// its own transaction, the device's row taken first, as a loan takes it.
pub async fn run_holds(db: &Db, hold_days: i64, now: DateTime<Utc>) -> Result<HoldsRun, AppError> {
    let mut run = HoldsRun::default();
    loop {
        let batch = repo::lapsed(&db.read, now, 100).await?;
        let mut ended = 0;
        for candidate in &batch {
            let Some(device_id) = candidate.held_device_id else {
                continue;
            };
            let tx = db::begin_write(db).await?;
            crate::loans::service::lock_device_by_id(&tx, device_id).await?;
            // Read again under the lock: the person may have collected it meanwhile.
            let Some(entry) = repo::holding(&tx, device_id).await? else {
                continue;
            };
            if entry.id != candidate.id || entry.held_until.is_none_or(|until| until > now) {
                continue;
            }
            if lapse(&tx, entry, device_id, now).await? {
                offer_next_of(&tx, device_id, hold_days, now).await?;
                tx.commit().await?;
                run.lapsed += 1;
                ended += 1;
            }
        }
        // A batch in which nothing could be ended will not change by reading it again.
        if batch.is_empty() || ended == 0 {
            break;
        }
    }
    for (hub_id, kind) in repo::unserved(&db.read, 1000).await? {
        loop {
            let Some(device_id) = repo::free_device(&db.read, hub_id, kind).await? else {
                break;
            };
            let tx = db::begin_write(db).await?;
            match offer_next_of(&tx, device_id, hold_days, now).await? {
                Some(_) => {
                    tx.commit().await?;
                    run.offered += 1;
                }
                None => break,
            }
        }
    }
    Ok(run)
}

/// One run over the holds as `serve` runs it: errors are logged, and the next run tries again.
pub async fn holds_tick(db: &Db, hold_days: i64) {
    match run_holds(db, hold_days, Utc::now()).await {
        Ok(run) if run == HoldsRun::default() => {}
        Ok(run) => tracing::info!(lapsed = run.lapsed, offered = run.offered, "waiting-list holds"),
        Err(err) => tracing::error!(%err, "the waiting list's holds failed; will try again"),
    }
}
