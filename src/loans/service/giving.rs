//! Giving a device away for good: a loan that ends as a gift, or a device handed over as one.
//! The device becomes `gifted` (an end state), the gift records who decided and why, and the
//! gift letter is drawn from it whenever it is asked for.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{anonymised, borrower_for, commit, device_for_field, move_device, open_loan};
use crate::audit::AuditAction;
use crate::loans::{
    gift_letter::{self, GiftFacts},
    model::{LoanStatus, Transition},
    repo,
};
use crate::{
    audit::EntityRef,
    auth::{Action, Staff},
    db::{self, Db},
    entities::gift,
    error::AppError,
    hubs, organisations,
    people::{self, model::Looked},
    validate::optional_text,
};

/// `POST /loans/{id}/gift`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GiftLoanRequest {
    /// Why it is given rather than taken back.
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

/// `POST /gifts`: a device given without a loan first.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GiftRequest {
    #[schema(value_type = String, required = true)]
    pub asset_tag: Option<String>,
    #[schema(value_type = i32, required = true)]
    pub borrower_id: Option<i32>,
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

/// A gift as the API and pages show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GiftView {
    pub id: i32,
    pub asset_tag: String,
    pub borrower_id: i32,
    pub borrower_name: String,
    pub hub_id: i32,
    /// The loan it ended, when it was lent first.
    pub loan_id: Option<i32>,
    pub reason: Option<String>,
    pub given_at: DateTime<Utc>,
    /// The staff member who decided.
    pub given_by: i32,
    /// The gift letter to print and hand over.
    pub letter_url: String,
}

async fn view(db: &impl ConnectionTrait, row: gift::Model) -> Result<GiftView, AppError> {
    let device = crate::devices::service::find(db, row.device_id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("gift {} names a missing device", row.id).into()))?;
    let borrower = people::service::find(db, row.organisation_id, row.borrower_id)
        .await?
        .map_or_else(String::new, |b| b.name);
    Ok(GiftView {
        id: row.id,
        asset_tag: device.asset_tag,
        borrower_id: row.borrower_id,
        borrower_name: borrower,
        hub_id: row.hub_id,
        loan_id: row.loan_id,
        reason: row.reason,
        given_at: row.given_at,
        given_by: row.given_by,
        letter_url: format!("/api/v1/gifts/{}/letter.pdf", row.id),
    })
}

fn reason(text: Option<&str>) -> Result<Option<String>, AppError> {
    Ok(optional_text("reason", "The reason", text, 1000)?)
}

/// The loan `loan_id` ends as a gift: the device is theirs now.
pub async fn gift_loan(
    db: &Db,
    staff: &Staff,
    loan_id: i32,
    request: &GiftLoanRequest,
    now: DateTime<Utc>,
) -> Result<GiftView, AppError> {
    let scope = staff.scope(Action::Lend)?;
    let reason = reason(request.reason.as_deref())?;
    let tx = db::begin_write(db).await?;
    let (loan, device) = open_loan(&tx, &scope, loan_id).await?;
    move_device(&tx, &device, Transition::Gift, None, now).await?;
    let mut closed: crate::entities::loan::ActiveModel = loan.clone().into();
    closed.status = Set(LoanStatus::Gifted);
    closed.updated_at = Set(now);
    repo::update_loan(&tx, closed).await?;
    crate::reminders::service::cancel_for_loan(&tx, loan.id, now).await?;
    let row = repo::insert_gift(
        &tx,
        gift::ActiveModel {
            organisation_id: Set(loan.organisation_id),
            hub_id: Set(loan.hub_id),
            device_id: Set(device.id),
            borrower_id: Set(loan.borrower_id),
            loan_id: Set(Some(loan.id)),
            reason: Set(reason),
            given_by: Set(staff.id()),
            given_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    let details = json!({"gift_id": row.id, "loan_id": loan.id, "borrower_id": loan.borrower_id});
    commit(
        tx,
        staff,
        EntityRef::Device(device.id),
        AuditAction::Gifted,
        details,
        now,
    )
    .await?;
    view(&db.read, row).await
}

/// An available device given to `borrower_id` without a loan first.
pub async fn gift_device(
    db: &Db,
    staff: &Staff,
    request: &GiftRequest,
    now: DateTime<Utc>,
) -> Result<GiftView, AppError> {
    staff.require(Action::Lend)?;
    let reason = reason(request.reason.as_deref())?;
    let borrower_id = request
        .borrower_id
        .ok_or_else(|| AppError::invalid("borrower_id", "choose who the device is given to"))?;
    let device = device_for_field(&db.read, staff, "asset_tag", request.asset_tag.as_deref()).await?;
    let borrower = borrower_for(&db.read, staff, borrower_id).await?;
    // A device on loan is given from its loan, which the gift ends.
    if device.status != crate::devices::model::DeviceStatus::Available {
        return Err(AppError::Conflict {
            code: "device_not_available",
            message: format!(
                "cannot give away {}: it is {}{}",
                device.asset_tag,
                device.status.label().to_lowercase(),
                if device.status == crate::devices::model::DeviceStatus::OnLoan {
                    " (give it from its loan's page)"
                } else {
                    ""
                }
            ),
        });
    }
    let tx = db::begin_write(db).await?;
    move_device(&tx, &device, Transition::Gift, None, now).await?;
    // As at the counter: a device held for someone on the waiting list goes to them alone, and
    // one booked for a session stays for it.
    crate::waiting::service::claim_for_loan(&tx, &device, borrower.id, now).await?;
    crate::reservations::service::check_free(&tx, &device, now, None).await?;
    let row = repo::insert_gift(
        &tx,
        gift::ActiveModel {
            organisation_id: Set(staff.organisation_id()),
            hub_id: Set(device.hub_id),
            device_id: Set(device.id),
            borrower_id: Set(borrower.id),
            loan_id: Set(None),
            reason: Set(reason),
            given_by: Set(staff.id()),
            given_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    if !people::service::set_last_loan(&tx, borrower.id, now).await? {
        return Err(anonymised(borrower_id));
    }
    let details = json!({"gift_id": row.id, "borrower_id": borrower.id});
    commit(
        tx,
        staff,
        EntityRef::Device(device.id),
        AuditAction::Gifted,
        details,
        now,
    )
    .await?;
    view(&db.read, row).await
}

async fn gift_within(db: &impl ConnectionTrait, staff: &Staff, id: i32) -> Result<gift::Model, AppError> {
    repo::find_gift(db, &staff.scope(Action::ViewLoans)?, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no gift with id {id}")))
}

/// `GET /gifts/{id}`.
pub async fn gift(db: &Db, staff: &Staff, id: i32) -> Result<GiftView, AppError> {
    let row = gift_within(&db.read, staff, id).await?;
    view(&db.read, row).await
}

/// The gift a loan became, for the loan's page.
pub async fn gift_of_loan(db: &Db, staff: &Staff, loan_id: i32) -> Result<Option<GiftView>, AppError> {
    match repo::gift_of_loan(&db.read, &staff.scope(Action::ViewLoans)?, loan_id).await? {
        Some(row) => Ok(Some(view(&db.read, row).await?)),
        None => Ok(None),
    }
}

/// A person's gifts within the caller's hubs (for their export).
pub async fn gifts_of(db: &Db, staff: &Staff, borrower_id: i32) -> Result<Vec<GiftView>, AppError> {
    let rows = repo::gifts_of_borrower(&db.read, &staff.scope(Action::Export)?, borrower_id).await?;
    let mut gifts = Vec::with_capacity(rows.len());
    for row in rows {
        gifts.push(view(&db.read, row).await?);
    }
    Ok(gifts)
}

/// The gift of a device, for its page.
pub async fn gift_of_device(db: &Db, staff: &Staff, device_id: i32) -> Result<Option<GiftView>, AppError> {
    match repo::gift_of_device(&db.read, &staff.scope(Action::ViewLoans)?, device_id).await? {
        Some(row) => Ok(Some(view(&db.read, row).await?)),
        None => Ok(None),
    }
}

/// The gift letter's PDF and the device's asset tag. Every download is written to the
/// borrower's access log; once their record is anonymised there is no letter (404).
pub async fn gift_letter(
    db: &Db,
    staff: &Staff,
    id: i32,
    now: DateTime<Utc>,
) -> Result<(Vec<u8>, String), AppError> {
    let row = gift_within(&db.read, staff, id).await?;
    let gone = |what: &str| AppError::NotFound(format!("the {what} of gift {id} no longer exists"));
    let borrower = people::service::find(&db.read, row.organisation_id, row.borrower_id)
        .await?
        .filter(|b| b.anonymised_at.is_none())
        .ok_or_else(|| gone("borrower's record"))?;
    people::service::looked(db, staff, row.borrower_id, Looked::GiftLetter, now).await?;
    let device = crate::devices::service::find(&db.read, row.device_id)
        .await?
        .ok_or_else(|| gone("device"))?;
    let hub = hubs::service::find_row(&db.read, row.hub_id)
        .await?
        .ok_or_else(|| gone("hub"))?;
    let organisation = organisations::service::find(&db.read, row.organisation_id)
        .await?
        .ok_or_else(|| gone("organisation"))?;
    let accessories = match row.loan_id {
        Some(loan_id) => repo::find_loan(&db.read, &staff.scope(Action::ViewLoans)?, loan_id)
            .await?
            .map(|loan| loan.accessories_issued.to_vec())
            .unwrap_or_default(),
        None => device.accessories.to_vec(),
    };
    let facts = GiftFacts {
        gift_id: row.id,
        organisation: organisation.name,
        organisation_phone: hub.phone.or(organisation.phone),
        hub_name: hub.name,
        hub_address: hub.address,
        borrower: borrower.name,
        large_print: borrower.large_print,
        kind: device.kind.label().to_owned(),
        make_model: format!("{} {}", device.make, device.model),
        asset_tag: device.asset_tag.clone(),
        serial_number: device.serial_number,
        accessories,
        given_at: row.given_at,
    };
    let bytes = tokio::task::spawn_blocking(move || gift_letter::render(&facts, now))
        .await
        .map_err(AppError::internal)?;
    Ok((bytes, device.asset_tag))
}
