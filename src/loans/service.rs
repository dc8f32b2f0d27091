//! The transitions: one function each, checking the device's status, changing it and writing the
//! audit event in one transaction. The database backs each up: the status only moves if it is
//! still what was read, and at most one loan and one repair per device can be open.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseTransaction, SqlErr};
use serde::Deserialize;
use serde_json::json;

use super::{
    model::{
        DISPOSAL_METHODS, LoanStatus, RepairOutcome, Transition, missing_accessories, parse_condition,
        parse_due_on, parse_wipe_method,
    },
    repo,
    views::{self, LoanView},
};
use crate::{
    audit::{EntityRef, record},
    auth::{Action, Staff},
    db::{self, Db},
    devices::{
        model::{AssetTag, Condition, DeviceStatus},
        service::DeviceView,
    },
    entities::{device, device_check, disposal, loan, loan_extension, repair},
    error::AppError,
    hubs, people,
};
use crate::{
    dates::today,
    validate::{name_list, optional_text},
};

/// A device that is not found by a tag given in a request body is a problem with that field.
async fn device_for_field(
    db: &impl ConnectionTrait,
    staff: &Staff,
    field: &str,
    tag: Option<&str>,
) -> Result<device::Model, AppError> {
    let text = tag
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AppError::invalid(field, "enter the device's asset tag"))?;
    let tag = AssetTag::parse(field, text)?;
    crate::devices::repo::find_by_tag(db, staff.organisation_id, &tag)
        .await?
        .ok_or_else(|| AppError::invalid(field, format!("there is no device with asset tag {tag}")))
}

/// A device named in the path: unknown is a 404.
async fn device_at(tx: &DatabaseTransaction, staff: &Staff, tag: &str) -> Result<device::Model, AppError> {
    let unknown = || {
        AppError::NotFound(format!(
            "there is no device with asset tag {}",
            tag.to_uppercase()
        ))
    };
    let parsed = AssetTag::parse("asset_tag", tag).map_err(|_| unknown())?;
    repo::lock_device(tx, staff.organisation_id, &parsed)
        .await?
        .ok_or_else(unknown)
}

/// Moves the device by `transition`, or answers 409 naming its status. The update only applies
/// while the device is still in the status that was read, so a request that lost a race is
/// refused with the status the winner left.
async fn move_device(
    tx: &DatabaseTransaction,
    device: &device::Model,
    transition: Transition,
    condition: Option<Condition>,
    now: DateTime<Utc>,
) -> Result<DeviceStatus, AppError> {
    let to = transition.apply(&device.asset_tag, device.status)?;
    if repo::set_status(tx, device.id, device.status, to, condition, now).await? {
        return Ok(to);
    }
    let current = repo::lock_device_by_id(tx, device.id)
        .await?
        .map_or(device.status, |d| d.status);
    Err(transition
        .apply(&device.asset_tag, current)
        .err()
        .unwrap_or_else(|| AppError::Conflict {
            code: "conflict",
            message: format!(
                "{} changed while you were working on it: look again",
                device.asset_tag
            ),
        }))
}

fn not_available(err: sea_orm::DbErr, tag: &str) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code: "device_not_available",
            message: format!("cannot issue {tag}: it is on loan"),
        },
        _ => err.into(),
    }
}

/// `POST /loans` and the counter's confirm step.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct IssueRequest {
    pub asset_tag: Option<String>,
    pub borrower_id: Option<i32>,
    /// `YYYY-MM-DD`
    pub due_on: Option<String>,
    /// Where it is handed over; the device's home hub when absent.
    pub hub_id: Option<i32>,
    pub accessories: Option<Vec<String>>,
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
    let borrower = people::repo::find(&db.read, staff.organisation_id, borrower_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                "borrower_id",
                format!("there is no borrower with id {borrower_id}"),
            )
        })?;
    let hub_id = request.hub_id.unwrap_or(device.hub_id);
    if hub_id != device.hub_id {
        match hubs::repo::find(&db.read, hub_id).await? {
            Some(hub) if hub.organisation_id == staff.organisation_id => {}
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
    let row = repo::insert_loan(
        &tx,
        loan::ActiveModel {
            organisation_id: Set(staff.organisation_id),
            device_id: Set(device.id),
            borrower_id: Set(borrower.id),
            hub_id: Set(hub_id),
            issued_by: Set(Some(staff.id)),
            issued_at: Set(now),
            due_on: Set(due_on),
            accessories_issued: Set(serde_json::to_string(&accessories).unwrap_or_else(|_| "[]".into())),
            status: Set(LoanStatus::Open),
            updated_at: Set(now),
            ..Default::default()
        },
    )
    .await
    .map_err(|err| not_available(err, &device.asset_tag))?;
    record(
        &tx,
        staff,
        EntityRef::Device(device.id),
        "issued",
        json!({"loan_id": row.id, "borrower_id": borrower.id, "due_on": due_on, "hub_id": hub_id, "accessories": accessories}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(views::view(
        row,
        device.asset_tag,
        borrower.name,
        Vec::new(),
        today(now),
    ))
}

/// `POST /loans/{id}/return`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReturnRequest {
    /// `new`, `good`, `fair` or `poor`
    pub condition: Option<String>,
    pub accessories_returned: Option<Vec<String>>,
    pub notes: Option<String>,
}

async fn open_loan(
    tx: &DatabaseTransaction,
    staff: &Staff,
    loan_id: i32,
) -> Result<(loan::Model, device::Model), AppError> {
    let loan = repo::find_loan(tx, staff.organisation_id, loan_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no loan with id {loan_id}")))?;
    let device = repo::lock_device_by_id(tx, loan.device_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("the device of loan {loan_id} no longer exists")))?;
    // Read again under the device's lock: another request may have closed it meanwhile.
    let loan = repo::find_loan(tx, staff.organisation_id, loan_id)
        .await?
        .unwrap_or(loan);
    if loan.status != LoanStatus::Open {
        return Err(AppError::Conflict {
            code: "loan_not_open",
            message: format!("loan {loan_id} is {}", loan.status.label().to_lowercase()),
        });
    }
    Ok((loan, device))
}

pub async fn return_device(
    db: &Db,
    staff: &Staff,
    loan_id: i32,
    request: &ReturnRequest,
    now: DateTime<Utc>,
) -> Result<LoanView, AppError> {
    staff.require(Action::Lend)?;
    let condition = parse_condition(request.condition.as_deref())?;
    let returned = name_list(
        "accessories_returned",
        request.accessories_returned.as_deref().unwrap_or_default(),
    )?;
    let notes = optional_text("notes", "the notes", request.notes.as_deref(), 2000)?;
    let tx = db::begin_write(db).await?;
    let (loan, device) = open_loan(&tx, staff, loan_id).await?;
    move_device(&tx, &device, Transition::Return, Some(condition), now).await?;
    let issued: Vec<String> = serde_json::from_str(&loan.accessories_issued).unwrap_or_default();
    let missing = missing_accessories(&issued, &returned);
    let mut row: loan::ActiveModel = loan.into();
    row.status = Set(LoanStatus::Returned);
    row.returned_at = Set(Some(now));
    row.returned_to = Set(Some(staff.id));
    row.return_condition = Set(Some(condition));
    row.accessories_returned = Set(Some(serde_json::to_string(&returned).unwrap_or_default()));
    row.missing_accessories = Set(Some(serde_json::to_string(&missing).unwrap_or_default()));
    row.return_notes = Set(notes);
    row.updated_at = Set(now);
    repo::update_loan(&tx, row).await?;
    // What was waiting to remind them no longer applies.
    crate::reminders::repo::cancel_for_loan(&tx, loan_id, now).await?;
    record(
        &tx,
        staff,
        EntityRef::Device(device.id),
        "returned",
        json!({"loan_id": loan_id, "condition": condition, "missing_accessories": missing}),
        now,
    )
    .await?;
    tx.commit().await?;
    views::loan(&db.read, staff, loan_id).await
}

/// `POST /devices/{tag}/checks`: what was done before the device may be lent again.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ChecksRequest {
    /// Must be `true`: a device is never lent again with someone else's data on it.
    pub wiped: Option<bool>,
    /// How it was wiped, e.g. `factory_reset`
    pub wipe_method: Option<String>,
    /// Whether every accessory is there.
    pub complete: Option<bool>,
    pub condition: Option<String>,
    pub notes: Option<String>,
}

pub async fn record_checks(
    db: &Db,
    staff: &Staff,
    tag: &str,
    request: &ChecksRequest,
    now: DateTime<Utc>,
) -> Result<DeviceView, AppError> {
    staff.require(Action::Lend)?;
    if request.wiped != Some(true) {
        return Err(AppError::invalid(
            "wiped",
            "wipe the device's data before it is lent again",
        ));
    }
    let wipe_method = parse_wipe_method(request.wipe_method.as_deref())?;
    let complete = request
        .complete
        .ok_or_else(|| AppError::invalid("complete", "say whether every accessory is there"))?;
    let condition = parse_condition(request.condition.as_deref())?;
    let notes = optional_text("notes", "the notes", request.notes.as_deref(), 2000)?;
    let tx = db::begin_write(db).await?;
    let device = device_at(&tx, staff, tag).await?;
    move_device(&tx, &device, Transition::RecordChecks, Some(condition), now).await?;
    let loan_id = repo::last_loan_of_device(&tx, device.id).await?.map(|l| l.id);
    repo::insert_check(
        &tx,
        device_check::ActiveModel {
            device_id: Set(device.id),
            loan_id: Set(loan_id),
            wiped: Set(true),
            wipe_method: Set(wipe_method.clone()),
            complete: Set(complete),
            condition: Set(condition),
            notes: Set(notes),
            checked_by: Set(Some(staff.id)),
            checked_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    record(
        &tx,
        staff,
        EntityRef::Device(device.id),
        "checks_recorded",
        json!({"wiped": true, "wipe_method": wipe_method, "complete": complete, "condition": condition, "loan_id": loan_id}),
        now,
    )
    .await?;
    tx.commit().await?;
    crate::devices::service::get(&db.read, staff, tag).await
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ExtendRequest {
    /// The new due date, `YYYY-MM-DD`, after the current one.
    pub due_on: Option<String>,
    pub reason: Option<String>,
}

pub async fn extend(
    db: &Db,
    staff: &Staff,
    loan_id: i32,
    request: &ExtendRequest,
    now: DateTime<Utc>,
) -> Result<LoanView, AppError> {
    staff.require(Action::Lend)?;
    let due_on = parse_due_on("due_on", request.due_on.as_deref(), today(now))?;
    let reason = optional_text("reason", "the reason", request.reason.as_deref(), 500)?;
    let tx = db::begin_write(db).await?;
    let (loan, _) = open_loan(&tx, staff, loan_id).await?;
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
            reason: Set(reason.clone()),
            extended_by: Set(Some(staff.id)),
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
    // What was waiting to remind them no longer applies.
    crate::reminders::repo::cancel_for_loan(&tx, loan_id, now).await?;
    record(
        &tx,
        staff,
        EntityRef::Loan(loan_id),
        "extended",
        json!({"from": from, "to": due_on, "reason": reason}),
        now,
    )
    .await?;
    tx.commit().await?;
    views::loan(&db.read, staff, loan_id).await
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NotesRequest {
    pub notes: Option<String>,
}

pub async fn report_lost(
    db: &Db,
    staff: &Staff,
    loan_id: i32,
    request: &NotesRequest,
    now: DateTime<Utc>,
) -> Result<LoanView, AppError> {
    staff.require(Action::Lend)?;
    let notes = optional_text("notes", "the notes", request.notes.as_deref(), 2000)?;
    let tx = db::begin_write(db).await?;
    let (loan, device) = open_loan(&tx, staff, loan_id).await?;
    move_device(&tx, &device, Transition::ReportLost, None, now).await?;
    let mut row: loan::ActiveModel = loan.into();
    row.status = Set(LoanStatus::Lost);
    row.lost_at = Set(Some(now));
    row.lost_notes = Set(notes.clone());
    row.updated_at = Set(now);
    repo::update_loan(&tx, row).await?;
    // What was waiting to remind them no longer applies.
    crate::reminders::repo::cancel_for_loan(&tx, loan_id, now).await?;
    record(
        &tx,
        staff,
        EntityRef::Device(device.id),
        "reported_lost",
        json!({"loan_id": loan_id, "notes": notes}),
        now,
    )
    .await?;
    tx.commit().await?;
    views::loan(&db.read, staff, loan_id).await
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
    record(
        &tx,
        staff,
        EntityRef::Device(device.id),
        "found",
        json!({"notes": notes}),
        now,
    )
    .await?;
    tx.commit().await?;
    crate::devices::service::get(&db.read, staff, tag).await
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RepairRequest {
    pub asset_tag: Option<String>,
    pub fault: Option<String>,
    /// Who is repairing it.
    pub repairer: Option<String>,
}

pub async fn open_repair(
    db: &Db,
    staff: &Staff,
    request: &RepairRequest,
    now: DateTime<Utc>,
) -> Result<repair::Model, AppError> {
    staff.require(Action::Lend)?;
    let fault = optional_text("fault", "the fault", request.fault.as_deref(), 2000)?
        .ok_or_else(|| AppError::invalid("fault", "describe what is wrong with it"))?;
    let repairer = optional_text("repairer", "the repairer", request.repairer.as_deref(), 100)?;
    let tx = db::begin_write(db).await?;
    let device = device_for_field(&tx, staff, "asset_tag", request.asset_tag.as_deref()).await?;
    move_device(&tx, &device, Transition::OpenRepair, None, now).await?;
    let row = repo::insert_repair(
        &tx,
        repair::ActiveModel {
            organisation_id: Set(staff.organisation_id),
            device_id: Set(device.id),
            fault: Set(fault.clone()),
            repairer: Set(repairer),
            opened_by: Set(Some(staff.id)),
            opened_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    record(
        &tx,
        staff,
        EntityRef::Device(device.id),
        "repair_opened",
        json!({"repair_id": row.id, "fault": fault}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CloseRepairRequest {
    /// `fixed` (back to available) or `unrepairable` (retired)
    pub outcome: Option<String>,
    pub cost_pence: Option<i64>,
    pub notes: Option<String>,
    /// For an unrepairable device: how it was disposed of.
    pub disposal_method: Option<String>,
    pub wipe_certificate: Option<String>,
}

pub async fn close_repair(
    db: &Db,
    staff: &Staff,
    repair_id: i32,
    request: &CloseRepairRequest,
    now: DateTime<Utc>,
) -> Result<repair::Model, AppError> {
    staff.require(Action::ManageRepairs)?;
    let outcome = RepairOutcome::parse(request.outcome.as_deref())?;
    if request.cost_pence.is_some_and(|c| c < 0) {
        return Err(AppError::invalid("cost_pence", "the cost cannot be negative"));
    }
    let notes = optional_text("notes", "the notes", request.notes.as_deref(), 2000)?;
    let disposal = match (outcome, request.disposal_method.as_deref()) {
        (RepairOutcome::Unrepairable, Some(method)) => {
            Some(parse_disposal(Some(method), request.wipe_certificate.as_deref())?)
        }
        _ => None,
    };
    let tx = db::begin_write(db).await?;
    let row = repo::find_repair(&tx, staff.organisation_id, repair_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no repair with id {repair_id}")))?;
    let device = repo::lock_device_by_id(&tx, row.device_id)
        .await?
        .ok_or_else(|| AppError::NotFound("the device no longer exists".into()))?;
    let row = repo::find_repair(&tx, staff.organisation_id, repair_id)
        .await?
        .unwrap_or(row);
    if row.closed_at.is_some() {
        return Err(AppError::Conflict {
            code: "repair_closed",
            message: format!("repair {repair_id} is already closed"),
        });
    }
    move_device(&tx, &device, outcome.transition(), None, now).await?;
    let closed = repo::update_repair(
        &tx,
        row,
        repair::ActiveModel {
            outcome: Set(Some(outcome)),
            cost_pence: Set(request.cost_pence),
            notes: Set(notes),
            closed_by: Set(Some(staff.id)),
            closed_at: Set(Some(now)),
            ..Default::default()
        },
    )
    .await?;
    if let Some((method, certificate)) = disposal {
        insert_disposal(&tx, staff, device.id, method, certificate, None, now).await?;
    }
    record(
        &tx,
        staff,
        EntityRef::Device(device.id),
        "repair_closed",
        json!({"repair_id": repair_id, "outcome": outcome, "cost_pence": request.cost_pence}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(closed)
}

fn parse_disposal(
    method: Option<&str>,
    certificate: Option<&str>,
) -> Result<(String, Option<String>), AppError> {
    let method = method.map(str::trim).unwrap_or_default();
    if !DISPOSAL_METHODS.iter().any(|(value, _)| *value == method) {
        let allowed: Vec<&str> = DISPOSAL_METHODS.iter().map(|(v, _)| *v).collect();
        return Err(AppError::invalid(
            "disposal_method",
            format!("choose how it will be disposed of: {}", allowed.join(", ")),
        ));
    }
    Ok((
        method.to_owned(),
        optional_text("wipe_certificate", "the certificate reference", certificate, 100)?,
    ))
}

async fn insert_disposal(
    tx: &DatabaseTransaction,
    staff: &Staff,
    device_id: i32,
    method: String,
    certificate: Option<String>,
    notes: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    repo::insert_disposal(
        tx,
        disposal::ActiveModel {
            device_id: Set(device_id),
            method: Set(method),
            wipe_certificate: Set(certificate),
            notes: Set(notes),
            retired_by: Set(Some(staff.id)),
            retired_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RetireRequest {
    /// `recycled`, `donated`, `returned_to_supplier` or `destroyed`
    pub disposal_method: Option<String>,
    /// The reference of the data-wipe certificate.
    pub wipe_certificate: Option<String>,
    pub notes: Option<String>,
}

pub async fn retire(
    db: &Db,
    staff: &Staff,
    tag: &str,
    request: &RetireRequest,
    now: DateTime<Utc>,
) -> Result<DeviceView, AppError> {
    staff.require(Action::ManageRepairs)?;
    let (method, certificate) = parse_disposal(
        request.disposal_method.as_deref(),
        request.wipe_certificate.as_deref(),
    )?;
    let notes = optional_text("notes", "the notes", request.notes.as_deref(), 2000)?;
    let tx = db::begin_write(db).await?;
    let device = device_at(&tx, staff, tag).await?;
    move_device(&tx, &device, Transition::Retire, None, now).await?;
    insert_disposal(
        &tx,
        staff,
        device.id,
        method.clone(),
        certificate.clone(),
        notes,
        now,
    )
    .await?;
    record(
        &tx,
        staff,
        EntityRef::Device(device.id),
        "retired",
        json!({"disposal_method": method, "wipe_certificate": certificate}),
        now,
    )
    .await?;
    tx.commit().await?;
    crate::devices::service::get(&db.read, staff, tag).await
}

/// The device a repair is about, for the page that closes it.
pub async fn repair_device(
    db: &impl ConnectionTrait,
    staff: &Staff,
    id: i32,
) -> Result<DeviceView, AppError> {
    let repair = repo::find_repair(db, staff.organisation_id, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no repair with id {id}")))?;
    let row = crate::devices::repo::find(db, repair.device_id)
        .await?
        .ok_or_else(|| AppError::NotFound("no such device".into()))?;
    Ok(row.into())
}
