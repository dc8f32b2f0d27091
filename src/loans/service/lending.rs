//! Lending: issue, extend, report lost and found.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use serde::Deserialize;
use serde_json::json;

use super::{commit, commit_loan_change, device_at, device_for_field, move_device, not_available, open_loan};
use crate::audit::AuditAction;
use crate::loans::{
    model::{LoanStatus, Transition, parse_due_on},
    repo,
    views::{self, LoanView},
};
use crate::{
    audit::EntityRef,
    auth::{Action, Staff},
    db::{self, Db},
    devices::service::DeviceView,
    entities::{loan, loan_extension},
    error::AppError,
    hubs, people,
};
use crate::{
    dates::today,
    validate::{name_list, optional_text},
};

/// `POST /loans` and the counter's confirm step.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct IssueRequest {
    pub asset_tag: Option<String>,
    pub borrower_id: Option<i32>,
    /// `YYYY-MM-DD`
    #[schema(pattern = r"^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub due_on: Option<String>,
    /// Where it is handed over; the device's home hub when absent.
    pub hub_id: Option<i32>,
    #[schema(max_items = 30)]
    pub accessories: Option<Vec<String>>,
}

/// The due date the counter offers for a new loan of a `kind` of device: today (London) plus the
/// scheme's loan length for that kind (`LENDHUB_LOAN_DAYS_*`).
pub fn default_due_on(
    config: &crate::config::Config,
    kind: crate::devices::model::DeviceKind,
    now: DateTime<Utc>,
) -> chrono::NaiveDate {
    today(now) + chrono::Duration::days(config.loan_days(kind))
}

pub async fn issue(
    db: &Db,
    staff: &Staff,
    request: &IssueRequest,
    now: DateTime<Utc>,
) -> Result<LoanView, AppError> {
    staff.require(Action::Lend)?;
    let due_on = parse_due_on("due_on", request.due_on.as_deref(), today(now))?;
    let accessories = name_list("accessories", request.accessories.as_deref().unwrap_or_default())?;
    let borrower_id = request
        .borrower_id
        .ok_or_else(|| AppError::invalid("borrower_id", "choose who the device is lent to"))?;
    // Everything but the status change is read before the write transaction, so the single
    // writer holds its lock for as few statements as possible; the status change itself only
    // happens if the device is still available (see `move_device`).
    let device = device_for_field(&db.read, staff, "asset_tag", request.asset_tag.as_deref()).await?;
    let borrower = borrower_for(&db.read, staff, borrower_id).await?;
    let hub_id = request.hub_id.unwrap_or(device.hub_id);
    if hub_id != device.hub_id {
        match hubs::service::find_row(&db.read, hub_id).await? {
            Some(hub) if hub.organisation_id == staff.organisation_id() && staff.sees_hub(hub.id) => {}
            _ => {
                return Err(AppError::invalid(
                    "hub_id",
                    format!("there is no hub with id {hub_id}"),
                ));
            }
        }
    }
    Transition::Issue.apply(&device.asset_tag, device.status)?;
    let tx = db::begin_write(db).await?;
    move_device(&tx, &device, Transition::Issue, None, now).await?;
    // A device held for someone on the waiting list goes to them alone (409 `held`). Asked after
    // the device's row is written, so an offer made at this moment has committed or waits.
    crate::waiting::service::claim_for_loan(&tx, &device, borrower.id, now).await?;
    // Devices booked for a training session in the loan's time stay on the shelf (409 `reserved`).
    let until = crate::dates::london_midnight(due_on + chrono::Duration::days(1));
    crate::reservations::service::check_free(&tx, &device, now, Some(until)).await?;
    let row = repo::insert_loan(
        &tx,
        loan::ActiveModel {
            organisation_id: Set(staff.organisation_id()),
            device_id: Set(device.id),
            borrower_id: Set(borrower.id),
            hub_id: Set(hub_id),
            issued_by: Set(Some(staff.id())),
            issued_at: Set(now),
            due_on: Set(due_on),
            accessories_issued: Set(accessories.clone().into()),
            status: Set(LoanStatus::Open),
            updated_at: Set(now),
            ..Default::default()
        },
    )
    .await
    .map_err(|err| not_available(err, &device.asset_tag))?;
    // The borrower's row is written in the loan's transaction: a record erased meanwhile is
    // refused here, and an erasure that comes after waits for this loan and sees it open.
    if !people::service::set_last_loan(&tx, borrower.id, now).await? {
        return Err(anonymised(borrower_id));
    }
    commit(tx, staff, EntityRef::Device(device.id), AuditAction::Issued, json!({"loan_id": row.id, "borrower_id": borrower.id, "due_on": due_on, "hub_id": hub_id, "accessories": accessories}), now).await?;
    Ok(views::view(
        row,
        device.asset_tag,
        borrower.name,
        Vec::new(),
        today(now),
    ))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ExtendRequest {
    /// The new due date, `YYYY-MM-DD`, after the current one.
    #[schema(value_type = String, required = true, pattern = r"^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub due_on: Option<String>,
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

pub async fn extend(
    db: &Db,
    staff: &Staff,
    loan_id: i32,
    request: &ExtendRequest,
    now: DateTime<Utc>,
) -> Result<LoanView, AppError> {
    let scope = staff.scope(Action::Lend)?;
    let due_on = parse_due_on("due_on", request.due_on.as_deref(), today(now))?;
    let reason = optional_text("reason", "the reason", request.reason.as_deref(), 500)?;
    let tx = db::begin_write(db).await?;
    let (loan, _) = open_loan(&tx, &scope, loan_id).await?;
    if due_on <= loan.due_on {
        return Err(AppError::invalid(
            "due_on",
            format!(
                "the new date must be after {}",
                crate::dates::long_date(loan.due_on)
            ),
        ));
    }
    repo::insert_extension(
        &tx,
        loan_extension::ActiveModel {
            loan_id: Set(loan_id),
            from_due_on: Set(loan.due_on),
            to_due_on: Set(due_on),
            reason: Set(reason),
            extended_by: Set(Some(staff.id())),
            extended_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    let from = loan.due_on;
    let mut row: loan::ActiveModel = loan.into();
    row.due_on = Set(due_on);
    row.updated_at = Set(now);
    repo::update_loan(&tx, row).await?;
    commit_loan_change(
        tx,
        staff,
        loan_id,
        EntityRef::Loan(loan_id),
        AuditAction::Extended,
        // The reason stays on the extension, where anonymising can clear it.
        json!({"from": from, "to": due_on}),
        now,
    )
    .await?;
    views::loan(&db.read, staff, loan_id).await
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NotesRequest {
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

pub async fn report_lost(
    db: &Db,
    staff: &Staff,
    loan_id: i32,
    request: &NotesRequest,
    now: DateTime<Utc>,
) -> Result<LoanView, AppError> {
    let scope = staff.scope(Action::Lend)?;
    let notes = optional_text("notes", "the notes", request.notes.as_deref(), 2000)?;
    let tx = db::begin_write(db).await?;
    let (loan, device) = open_loan(&tx, &scope, loan_id).await?;
    move_device(&tx, &device, Transition::ReportLost, None, now).await?;
    let mut row: loan::ActiveModel = loan.into();
    row.status = Set(LoanStatus::Lost);
    row.lost_at = Set(Some(now));
    row.lost_notes = Set(notes);
    row.updated_at = Set(now);
    repo::update_loan(&tx, row).await?;
    commit_loan_change(
        tx,
        staff,
        loan_id,
        EntityRef::Device(device.id),
        AuditAction::ReportedLost,
        // The notes stay on the loan, where anonymising can clear them.
        json!({"loan_id": loan_id}),
        now,
    )
    .await?;
    views::loan(&db.read, staff, loan_id).await
}

/// The borrower a device may go to (lent or given): theirs, not anonymised, consenting.
pub(super) async fn borrower_for(
    db: &impl sea_orm::ConnectionTrait,
    staff: &Staff,
    borrower_id: i32,
) -> Result<crate::entities::borrower::Model, AppError> {
    let borrower = people::service::find(db, staff.organisation_id(), borrower_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                "borrower_id",
                format!("there is no borrower with id {borrower_id}"),
            )
        })?;
    if borrower.anonymised_at.is_some() {
        return Err(anonymised(borrower_id));
    }
    if !borrower.consent_loan {
        return Err(AppError::invalid(
            "borrower_id",
            format!(
                "{} has withdrawn their consent to a loan: record it again on their page (Consent) before lending",
                borrower.name
            ),
        ));
    }
    Ok(borrower)
}

pub(super) fn anonymised(borrower_id: i32) -> AppError {
    AppError::invalid(
        "borrower_id",
        format!("borrower {borrower_id}'s record was anonymised: add them again to lend to them"),
    )
}

/// A lost device is back: it waits for its checks like any returned device.
pub async fn found(
    db: &Db,
    staff: &Staff,
    tag: &str,
    request: &NotesRequest,
    now: DateTime<Utc>,
) -> Result<DeviceView, AppError> {
    staff.require(Action::Lend)?;
    let notes = optional_text("notes", "the notes", request.notes.as_deref(), 2000)?;
    let tx = db::begin_write(db).await?;
    let device = device_at(&tx, staff, tag).await?;
    move_device(&tx, &device, Transition::Found, None, now).await?;
    commit(
        tx,
        staff,
        EntityRef::Device(device.id),
        AuditAction::Found,
        json!({"notes": notes}),
        now,
    )
    .await?;
    crate::devices::service::get(&db.read, staff, tag).await
}

/// A device not found at its hub's stocktake: it is lost until someone finds it. The stocktake
/// and hub go in the audit event.
pub async fn report_missing(
    db: &Db,
    staff: &Staff,
    tag: &str,
    stocktake_id: i32,
    hub: &str,
    now: DateTime<Utc>,
) -> Result<DeviceView, AppError> {
    staff.require(Action::Lend)?;
    let tx = db::begin_write(db).await?;
    let device = device_at(&tx, staff, tag).await?;
    move_device(&tx, &device, Transition::ReportMissing, None, now).await?;
    commit(
        tx,
        staff,
        EntityRef::Device(device.id),
        AuditAction::ReportedMissing,
        json!({"stocktake_id": stocktake_id, "hub": hub}),
        now,
    )
    .await?;
    crate::devices::service::get(&db.read, staff, tag).await
}
