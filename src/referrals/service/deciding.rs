//! Deciding a referral: accepting it makes (or finds) the borrower and puts them on the waiting
//! list for each device they need; declining it tells the referrer why, by email.

use askama::Template;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, IntoActiveModel};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{ReferralView, repo, unknown};
use crate::{
    audit::{AuditAction, EntityRef, record},
    auth::{Action, Staff},
    db::{self, Db},
    entities::referral,
    error::AppError,
    people::model::{BorrowerDetails, Consents, Purpose},
    referrals::model::ReferralStatus,
    reminders::{model::ReminderKind, service::EmailTo},
    validate::optional_text,
    waiting::service::Joining,
};

/// `POST /referrals/{id}/accept`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AcceptReferralRequest {
    /// The borrower they are, when staff know; otherwise one with the same email, phone, or name
    /// and postcode is found, or a new one made.
    pub borrower_id: Option<i32>,
    /// Where they will collect a device; the referral's hub when absent.
    pub hub_id: Option<i32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Accepted {
    pub borrower_id: i32,
    /// Their place on the waiting list for the first device they need; absent for a SIM alone.
    pub waiting_id: Option<i32>,
    /// They were already a borrower.
    pub matched: bool,
}

/// `POST /referrals/{id}/decline`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DeclineReferralRequest {
    /// Why, in words the referrer is sent.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 1000)]
    pub reason: Option<String>,
}

#[derive(Template)]
#[template(path = "emails/referral_declined.txt")]
struct DeclineText<'a> {
    referrer: &'a str,
    person: &'a str,
    organisation: &'a str,
    referred_on: &'a str,
    reason: &'a str,
    phone: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "emails/referral_declined.html")]
struct DeclineHtml<'a> {
    subject: &'a str,
    m: &'a DeclineText<'a>,
}

fn decided(referral: &referral::Model) -> AppError {
    AppError::Conflict {
        code: "already_decided",
        message: format!(
            "this referral was already {}",
            referral.status.label().to_lowercase()
        ),
    }
}

fn details_of(referral: &referral::Model) -> BorrowerDetails {
    BorrowerDetails {
        name: referral.name.clone(),
        email: referral.email.clone(),
        phone: referral.phone.clone(),
        address: referral.address.clone(),
        postcode: referral.postcode.clone(),
        barriers: Vec::new(),
        large_print: false,
        preferred_language: None,
        accessibility_needs: None,
        referral_source: Some(referral.referrer_organisation.clone()),
        resident_of_organisation_id: None,
        prefers_phone: false,
    }
}

fn consents_of(referral: &referral::Model) -> Consents {
    let mut consents = Consents::default();
    for name in referral.consents.iter() {
        if let Ok(purpose) = Purpose::parse(name) {
            consents.set(purpose, true);
        }
    }
    consents
}

pub async fn accept(
    db: &Db,
    staff: &Staff,
    id: i32,
    request: &AcceptReferralRequest,
    now: DateTime<Utc>,
) -> Result<Accepted, AppError> {
    let scope = staff.scope(Action::ManageBorrowers)?;
    let tx = db::begin_write(db).await?;
    let referral = repo::find_for_update(&tx, &scope, id)
        .await?
        .ok_or_else(|| unknown(id))?;
    if referral.status != ReferralStatus::New {
        return Err(decided(&referral));
    }
    let kinds: Vec<_> = referral.needs.iter().filter_map(|need| need.device()).collect();
    let hub_id = request.hub_id.or(referral.hub_id);
    if let Some(hub) = hub_id {
        let known = crate::hubs::service::find_row(&tx, hub)
            .await?
            .is_some_and(|h| h.organisation_id == staff.organisation_id());
        if !known || !staff.sees_hub(hub) {
            return Err(AppError::invalid(
                "hub_id",
                format!("there is no hub with id {hub} at your hubs"),
            ));
        }
    } else if !kinds.is_empty() {
        return Err(AppError::invalid(
            "hub_id",
            "choose the hub they will collect a device from",
        ));
    }
    let details = details_of(&referral);
    let chosen = match request.borrower_id {
        Some(borrower_id) => Some(borrower_id),
        None => crate::people::service::matching(&tx, staff.organisation_id(), &details)
            .await?
            .map(|b| b.id),
    };
    // Locked, as lending and enrolling lock it: an erasure at this moment waits, or came first.
    let found = match chosen {
        Some(borrower_id) => Some(
            crate::people::service::find_locked(&tx, staff.organisation_id(), borrower_id)
                .await?
                .filter(|b| b.anonymised_at.is_none())
                .ok_or_else(|| {
                    AppError::invalid(
                        "borrower_id",
                        format!("there is no borrower with id {borrower_id}"),
                    )
                })?,
        ),
        None => None,
    };
    let matched = found.is_some();
    let borrower = match found {
        Some(borrower) => borrower,
        None => {
            let consents = consents_of(&referral);
            let row = crate::people::service::insert_new(&tx, staff, &details, &consents, now).await?;
            record(
                &tx,
                staff,
                EntityRef::Borrower(row.id),
                AuditAction::BorrowerAdded,
                json!({"consents": consents.given(), "referral_id": referral.id}),
                now,
            )
            .await?;
            row
        }
    };
    let mut waiting_ids = Vec::new();
    if let Some(hub_id) = hub_id {
        for kind in kinds {
            let entry = match crate::waiting::service::waiting_for(&tx, borrower.id, kind, hub_id).await? {
                Some(entry) => entry,
                None => {
                    crate::waiting::service::join(
                        &tx,
                        Joining {
                            organisation_id: staff.organisation_id(),
                            borrower_id: borrower.id,
                            kind,
                            hub_id,
                            priority: referral.priority,
                            referral_id: Some(referral.id),
                            created_by: Some(staff.id()),
                        },
                        now,
                    )
                    .await?
                }
            };
            waiting_ids.push(entry.id);
        }
    }
    let mut row = referral.into_active_model();
    row.status = Set(ReferralStatus::Accepted);
    row.decided_at = Set(Some(now));
    row.decided_by = Set(Some(staff.id()));
    row.borrower_id = Set(Some(borrower.id));
    let referral = repo::update(&tx, row).await?;
    record(
        &tx,
        staff,
        EntityRef::Borrower(borrower.id),
        AuditAction::ReferralAccepted,
        json!({"referral_id": referral.id, "matched": matched, "waiting_ids": waiting_ids}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Accepted {
        borrower_id: borrower.id,
        waiting_id: waiting_ids.first().copied(),
        matched,
    })
}

pub async fn decline(
    db: &Db,
    staff: &Staff,
    id: i32,
    request: &DeclineReferralRequest,
    now: DateTime<Utc>,
) -> Result<ReferralView, AppError> {
    let scope = staff.scope(Action::ManageBorrowers)?;
    let reason = optional_text("reason", "the reason", request.reason.as_deref(), 1000)?
        .ok_or_else(|| AppError::invalid("reason", "say why, in words the referrer will be sent"))?;
    let tx = db::begin_write(db).await?;
    let referral = repo::find_for_update(&tx, &scope, id)
        .await?
        .ok_or_else(|| unknown(id))?;
    if referral.status != ReferralStatus::New {
        return Err(decided(&referral));
    }
    let mut row = referral.into_active_model();
    row.status = Set(ReferralStatus::Declined);
    row.decided_at = Set(Some(now));
    row.decided_by = Set(Some(staff.id()));
    row.decline_reason = Set(Some(reason.clone()));
    let referral = repo::update(&tx, row).await?;
    if let Some(to) = referral.referrer_email.clone() {
        let organisation = crate::organisations::service::find(&tx, staff.organisation_id()).await?;
        let organisation_name = organisation.as_ref().map_or("the scheme", |o| o.name.as_str());
        let referred_on = crate::dates::long_date(crate::dates::today(referral.created_at));
        let text = DeclineText {
            referrer: &referral.referrer_name,
            person: &referral.name,
            organisation: organisation_name,
            referred_on: &referred_on,
            reason: &reason,
            phone: organisation.as_ref().and_then(|o| o.phone.as_deref()),
        };
        let subject = format!("Your referral to {organisation_name}");
        let html = DeclineHtml {
            subject: &subject,
            m: &text,
        }
        .render()
        .map_err(AppError::internal)?;
        crate::reminders::service::email_to(
            &tx,
            EmailTo {
                organisation_id: staff.organisation_id(),
                hub_id: referral.hub_id,
                kind: ReminderKind::ReferralDeclined,
                dedupe_key: format!("referral_declined:{}", referral.id),
                to,
                subject,
                text: text.render().map_err(AppError::internal)?,
                html,
            },
            now,
        )
        .await?;
    }
    record(
        &tx,
        staff,
        EntityRef::Organisation(staff.organisation_id()),
        AuditAction::ReferralDeclined,
        json!({"referral_id": referral.id, "referrer_emailed": referral.referrer_email.is_some()}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(referral.into())
}
