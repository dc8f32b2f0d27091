//! Looking after devices between loans: the checks before re-issue, repairs, and retiring.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseTransaction};
use serde::Deserialize;
use serde_json::json;

use super::{commit, device_at, device_for_field, move_device};
use crate::audit::AuditAction;
use crate::loans::{
    model::{DISPOSAL_METHODS, RepairOutcome, Transition, parse_condition, parse_wipe_method},
    repo,
};
use crate::validate::{name_list, optional_text};
use crate::{
    audit::EntityRef,
    auth::{Action, Staff},
    db::{self, Db},
    devices::service::DeviceView,
    entities::{device_check, disposal, loan, repair},
    error::AppError,
};

/// `POST /devices/{tag}/checks`: what was done before the device may be lent again.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ChecksRequest {
    /// Must be `true`: a device is never lent again with someone else's data on it.
    pub wiped: Option<bool>,
    /// How it was wiped, e.g. `factory_reset`
    pub wipe_method: Option<String>,
    /// Whether every accessory is there.
    pub complete: Option<bool>,
    /// When `complete` is false, which of the device's accessories are missing; left out, those
    /// not brought back at the return. They leave the device's accessories.
    #[schema(max_items = 30)]
    pub missing: Option<Vec<String>>,
    #[schema(value_type = Option<crate::devices::model::Condition>)]
    pub condition: Option<String>,
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// The device becomes available, and is offered at once to the first person waiting for its
/// kind at its hub (held for them `hold_days`), in the same transaction.
pub async fn record_checks(
    db: &Db,
    staff: &Staff,
    tag: &str,
    request: &ChecksRequest,
    hold_days: i64,
    now: DateTime<Utc>,
) -> Result<DeviceView, AppError> {
    staff.require(Action::Lend)?;
    if request.wiped != Some(true) {
        return Err(AppError::invalid(
            "wiped",
            "wipe the device's data before it is lent again",
        ));
    }
    let complete = request
        .complete
        .ok_or_else(|| AppError::invalid("complete", "say whether every accessory is there"))?;
    let condition = parse_condition(request.condition.as_deref())?;
    let notes = optional_text("notes", "the notes", request.notes.as_deref(), 2000)?;
    let asked = request
        .missing
        .as_deref()
        .map(|list| name_list("missing", list))
        .transpose()?;
    let tx = db::begin_write(db).await?;
    let device = device_at(&tx, staff, tag).await?;
    let wipe_method = parse_wipe_method(device.kind, request.wipe_method.as_deref())?;
    move_device(&tx, &device, Transition::RecordChecks, Some(condition), now).await?;
    let last_loan = repo::last_loan_of_device(&tx, device.id).await?;
    let has = device.accessories.clone().into_inner();
    let missing = if complete {
        Vec::new()
    } else {
        let missing = missing_of(&has, asked, last_loan.as_ref())?;
        let kept = has.iter().filter(|a| !missing.contains(a)).cloned().collect();
        repo::set_accessories(&tx, device.id, kept).await?;
        missing
    };
    let loan_id = last_loan.map(|l| l.id);
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
            checked_by: Set(Some(staff.id())),
            checked_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    crate::waiting::service::offer_next_of(&tx, device.id, hold_days, now).await?;
    commit(tx, staff, EntityRef::Device(device.id), AuditAction::ChecksRecorded, json!({"wiped": true, "wipe_method": wipe_method, "complete": complete, "missing": missing, "condition": condition, "loan_id": loan_id}), now).await?;
    crate::devices::service::get(&db.read, staff, tag).await
}

/// What the checks form offers as missing: the device's accessories that did not come back at
/// its last loan's return.
pub async fn missing_at_last_return(
    db: &impl ConnectionTrait,
    staff: &Staff,
    device: &DeviceView,
) -> Result<Vec<String>, AppError> {
    staff.require(Action::Lend)?;
    let last = repo::last_loan_of_device(db, device.id).await?;
    Ok(missing_of(&device.accessories, None, last.as_ref()).unwrap_or_default())
}

/// Which of the device's accessories `has` are missing: those `asked` for, each one of them, or
/// else those not brought back at the last loan's return. Some must be named.
fn missing_of(
    has: &[String],
    asked: Option<Vec<String>>,
    last_loan: Option<&loan::Model>,
) -> Result<Vec<String>, AppError> {
    let same = |a: &String, b: &String| a.eq_ignore_ascii_case(b);
    let missing: Vec<String> = match asked {
        Some(asked) => {
            if let Some(unknown) = asked.iter().find(|a| !has.iter().any(|h| same(h, a))) {
                let list = if has.is_empty() {
                    "none".to_owned()
                } else {
                    has.join(", ")
                };
                return Err(AppError::invalid(
                    "missing",
                    format!("{unknown} is not one of its accessories ({list})"),
                ));
            }
            has.iter()
                .filter(|h| asked.iter().any(|a| same(h, a)))
                .cloned()
                .collect()
        }
        None => {
            let returned_without = last_loan
                .and_then(|l| l.missing_accessories.clone())
                .map(crate::entities::JsonList::into_inner)
                .unwrap_or_default();
            has.iter()
                .filter(|h| returned_without.iter().any(|m| same(h, m)))
                .cloned()
                .collect()
        }
    };
    if missing.is_empty() {
        return Err(AppError::invalid("missing", "say which accessories are missing"));
    }
    Ok(missing)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RepairRequest {
    pub asset_tag: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000)]
    pub fault: Option<String>,
    /// Who is repairing it.
    #[schema(max_length = 100)]
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
            organisation_id: Set(staff.organisation_id()),
            device_id: Set(device.id),
            fault: Set(fault.clone()),
            repairer: Set(repairer),
            opened_by: Set(Some(staff.id())),
            opened_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    commit(
        tx,
        staff,
        EntityRef::Device(device.id),
        AuditAction::RepairOpened,
        json!({"repair_id": row.id, "fault": fault}),
        now,
    )
    .await?;
    Ok(row)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CloseRepairRequest {
    /// `fixed` (back to available) or `unrepairable` (retired)
    #[schema(value_type = crate::loans::model::RepairOutcome, required = true)]
    pub outcome: Option<String>,
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub cost_pence: Option<i64>,
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
    /// For an unrepairable device: how it was disposed of.
    #[schema(pattern = r"^(recycled|donated|returned_to_supplier|destroyed)$")]
    pub disposal_method: Option<String>,
    #[schema(format = "line", max_length = 100)]
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
    crate::money::check_pence("cost_pence", request.cost_pence)?;
    let notes = optional_text("notes", "the notes", request.notes.as_deref(), 2000)?;
    let disposal = match (outcome, request.disposal_method.as_deref()) {
        (RepairOutcome::Unrepairable, Some(method)) => {
            Some(parse_disposal(Some(method), request.wipe_certificate.as_deref())?)
        }
        _ => None,
    };
    let tx = db::begin_write(db).await?;
    let row = repo::find_repair(&tx, staff.organisation_id(), repair_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no repair with id {repair_id}")))?;
    let device = repo::lock_device_by_id(&tx, row.device_id)
        .await?
        .ok_or_else(|| AppError::NotFound("the device no longer exists".into()))?;
    let row = repo::find_repair(&tx, staff.organisation_id(), repair_id)
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
            closed_by: Set(Some(staff.id())),
            closed_at: Set(Some(now)),
            ..Default::default()
        },
    )
    .await?;
    if let Some((method, certificate)) = disposal {
        insert_disposal(&tx, staff, device.id, method, certificate, None, now).await?;
    }
    commit(
        tx,
        staff,
        EntityRef::Device(device.id),
        AuditAction::RepairClosed,
        json!({"repair_id": repair_id, "outcome": outcome, "cost_pence": request.cost_pence}),
        now,
    )
    .await?;
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
            retired_by: Set(Some(staff.id())),
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
    #[schema(value_type = String, required = true, pattern = r"^(recycled|donated|returned_to_supplier|destroyed)$")]
    pub disposal_method: Option<String>,
    /// The reference of the data-wipe certificate.
    #[schema(format = "line", max_length = 100)]
    pub wipe_certificate: Option<String>,
    #[schema(max_length = 2000)]
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
    commit(
        tx,
        staff,
        EntityRef::Device(device.id),
        AuditAction::Retired,
        json!({"disposal_method": method, "wipe_certificate": certificate}),
        now,
    )
    .await?;
    crate::devices::service::get(&db.read, staff, tag).await
}

/// The device a repair is about, for the page that closes it.
pub async fn repair_device(
    db: &impl ConnectionTrait,
    staff: &Staff,
    id: i32,
) -> Result<DeviceView, AppError> {
    let repair = repo::find_repair(db, staff.organisation_id(), id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no repair with id {id}")))?;
    let row = crate::devices::service::find(db, repair.device_id)
        .await?
        .ok_or_else(|| AppError::NotFound("no such device".into()))?;
    Ok(row.into())
}
