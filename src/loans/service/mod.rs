//! The transitions: one function each, checking the device's status, changing it and writing the
//! audit event in one transaction. The database backs each up: the status only moves if it is
//! still what was read, and at most one loan and one repair per device can be open.

mod care;
mod giving;
mod lending;
mod partners;
mod returning;

pub use care::*;
pub use giving::*;
pub use lending::*;
pub use partners::*;
pub use returning::*;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, SqlErr};
use serde_json::Value;

use super::{
    model::{LoanStatus, Transition},
    repo,
};
use crate::audit::AuditAction;
use crate::{
    audit::{EntityRef, record},
    auth::{Staff, model::Scope},
    devices::model::{AssetTag, Condition, DeviceStatus},
    entities::{device, loan},
    error::AppError,
};

// What other features may read and write of this feature's tables: they come here, never to
// `repo` (`.ci/imports.py` checks), so each use is one the feature has chosen to share.
pub use super::repo::{
    available_devices, batch_after, find_loan, forget_notes, ids_within, insert_many, insert_repair,
    lock_device_by_id, mark_on_loan, open_loans_of,
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
    crate::devices::service::find_by_tag(db, staff.organisation_id(), &tag)
        .await?
        .filter(|device| staff.sees_hub(device.hub_id))
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
    repo::lock_device(tx, staff.organisation_id(), &parsed)
        .await?
        .filter(|device| staff.sees_hub(device.hub_id))
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
        // A device held for someone on the waiting list that goes to repair, is lost or retired
        // is no longer held: they keep their place for the next one. (Lending it is the
        // counter's business: `waiting::service::claim_for_loan`, and so is giving it away.)
        if device.status == DeviceStatus::Available
            && !matches!(to, DeviceStatus::OnLoan | DeviceStatus::Gifted)
        {
            crate::waiting::service::release_hold(tx, device.id).await?;
        }
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

/// Ends a transition's transaction: its audit event, then the commit.
async fn commit(
    tx: DatabaseTransaction,
    staff: &Staff,
    entity: EntityRef,
    action: AuditAction,
    details: Value,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    record(&tx, staff, entity, action, details, now).await?;
    tx.commit().await?;
    Ok(())
}

/// As [`commit`], for a change that closes a loan or moves its due date: the reminders waiting
/// for the borrower no longer apply, so they are cancelled in the same transaction.
async fn commit_loan_change(
    tx: DatabaseTransaction,
    staff: &Staff,
    loan_id: i32,
    entity: EntityRef,
    action: AuditAction,
    details: Value,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    crate::reminders::service::cancel_for_loan(&tx, loan_id, now).await?;
    commit(tx, staff, entity, action, details, now).await
}

/// The open loan within `scope`, with its device locked.
async fn open_loan(
    tx: &DatabaseTransaction,
    scope: &Scope,
    loan_id: i32,
) -> Result<(loan::Model, device::Model), AppError> {
    let loan = repo::find_loan(tx, scope, loan_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no loan with id {loan_id}")))?;
    let device = repo::lock_device_by_id(tx, loan.device_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("the device of loan {loan_id} no longer exists")))?;
    // Read again under the device's lock: another request may have closed it meanwhile.
    let loan = repo::find_loan(tx, scope, loan_id).await?.unwrap_or(loan);
    if loan.status != LoanStatus::Open {
        return Err(AppError::Conflict {
            code: "loan_not_open",
            message: format!("loan {loan_id} is {}", loan.status.label().to_lowercase()),
        });
    }
    Ok((loan, device))
}
