//! Taking a device back: at the hub it was lent from, or at any other hub of the organisation,
//! where hub staff may take back a device they cannot otherwise see. There they learn only what
//! the counter needs (the device, what went with it, the hub it came from), never the borrower;
//! the loan records where it came back, and the device's home becomes that hub.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{commit_loan_change, open_loan};
use crate::audit::AuditAction;
use crate::loans::{
    model::{LoanStatus, Transition, missing_accessories, parse_condition},
    repo,
    views::{self, LoanView},
};
use crate::{
    audit::EntityRef,
    auth::{Action, Staff},
    dates::today,
    db::{self, Db},
    devices::model::{AssetTag, Condition},
    entities::loan,
    error::AppError,
    validate::{name_list, optional_text},
};

/// `POST /loans/{id}/return`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReturnRequest {
    /// `new`, `good`, `fair` or `poor`
    #[schema(value_type = crate::devices::model::Condition, required = true)]
    pub condition: Option<String>,
    #[schema(max_items = 30)]
    pub accessories_returned: Option<Vec<String>>,
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
    /// The hub it is brought back to, when not the one it was lent from: it becomes the device's
    /// home. Hub staff taking back another hub's device with one hub of their own may leave it out.
    pub hub_id: Option<i32>,
}

/// What a return answers: the loan, or for a device lent at a hub the caller does not work at,
/// only what the counter needs, without the borrower.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Returned {
    Loan(Box<LoanView>),
    Elsewhere(ReturnedElsewhere),
}

impl Returned {
    pub fn asset_tag(&self) -> &str {
        match self {
            Returned::Loan(loan) => &loan.asset_tag,
            Returned::Elsewhere(r) => &r.asset_tag,
        }
    }

    /// Whom it was taken back from, when the caller may know.
    pub fn borrower_name(&self) -> Option<&str> {
        match self {
            Returned::Loan(loan) => Some(&loan.borrower_name),
            Returned::Elsewhere(_) => None,
        }
    }
}

/// A loan of another hub, taken back here.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReturnedElsewhere {
    pub id: i32,
    pub asset_tag: String,
    pub status: LoanStatus,
    pub returned_at: DateTime<Utc>,
    /// The hub it came back to, now its home.
    pub returned_hub_id: i32,
    pub missing_accessories: Vec<String>,
}

/// What the return form shows of a loan the caller may take back.
#[derive(Debug, Clone)]
pub struct Returnable {
    pub loan_id: i32,
    pub asset_tag: String,
    pub device: String,
    pub condition: Condition,
    pub accessories_issued: Vec<String>,
    /// The borrower's name, for staff of the hub it was lent from; `None` at another hub's counter.
    pub borrower_name: Option<String>,
    /// The hub it was lent from, when that is not one of the caller's.
    pub lent_from: Option<String>,
}

/// The loan `loan_id` as the return form shows it: the caller's own, or another hub's open loan
/// (hub staff), without its borrower.
pub async fn returnable(
    db: &impl ConnectionTrait,
    staff: &Staff,
    loan_id: i32,
) -> Result<Returnable, AppError> {
    let own = staff.scope(Action::Lend)?;
    let (loan, mine) = match repo::find_loan(db, &own, loan_id).await? {
        Some(loan) => (loan, true),
        None => {
            let loan = repo::find_loan(db, &staff.counter_scope()?, loan_id)
                .await?
                .filter(|l| l.status == LoanStatus::Open)
                .ok_or_else(|| AppError::NotFound(format!("there is no loan with id {loan_id}")))?;
            (loan, false)
        }
    };
    let device = crate::devices::service::find(db, loan.device_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("the device of loan {loan_id} no longer exists")))?;
    let borrower_name = if mine {
        Some(views::loan(db, staff, loan_id).await?.borrower_name)
    } else {
        None
    };
    let lent_from = if mine {
        None
    } else {
        crate::hubs::service::find_row(db, loan.hub_id)
            .await?
            .map(|h| h.name)
    };
    Ok(Returnable {
        loan_id,
        asset_tag: device.asset_tag,
        device: format!("{} {} {}", device.kind.label(), device.make, device.model),
        condition: device.condition,
        accessories_issued: loan.accessories_issued.into_inner(),
        borrower_name,
        lent_from,
    })
}

/// The open loan of the organisation's device `tag` that the caller may take back but not
/// otherwise see (another hub's, for hub staff); `None` for a device they see, or one not out.
pub async fn elsewhere_by_tag(
    db: &impl ConnectionTrait,
    staff: &Staff,
    tag: &str,
) -> Result<Option<i32>, AppError> {
    if !staff.can(Action::Lend) {
        return Ok(None);
    }
    let Ok(tag) = AssetTag::parse("asset_tag", tag) else {
        return Ok(None);
    };
    let Some(device) = crate::devices::service::find_by_tag(db, staff.organisation_id(), &tag).await? else {
        return Ok(None);
    };
    if staff.sees_hub(device.hub_id) {
        return Ok(None);
    }
    Ok(repo::open_loan_of_device(db, &staff.counter_scope()?, device.id)
        .await?
        .map(|l| l.id))
}

/// The hub a device comes back to: the one asked for (one of the caller's), else for a return
/// from another hub the caller's only hub.
fn return_hub(staff: &Staff, asked: Option<i32>, mine: bool) -> Result<Option<i32>, AppError> {
    match (asked, staff.assigned_hubs()) {
        (Some(hub), _) if staff.sees_hub(hub) => Ok(Some(hub)),
        (Some(hub), _) => Err(AppError::invalid(
            "hub_id",
            format!("there is no hub with id {hub} at your hubs"),
        )),
        (None, Some([only])) if !mine => Ok(Some(*only)),
        (None, Some(_)) if !mine => Err(AppError::invalid(
            "hub_id",
            "say which of your hubs it came back to",
        )),
        (None, _) => Ok(None),
    }
}

pub async fn return_device(
    db: &Db,
    staff: &Staff,
    loan_id: i32,
    request: &ReturnRequest,
    now: DateTime<Utc>,
) -> Result<Returned, AppError> {
    let own = staff.scope(Action::Lend)?;
    let condition = parse_condition(request.condition.as_deref())?;
    let returned = name_list(
        "accessories_returned",
        request.accessories_returned.as_deref().unwrap_or_default(),
    )?;
    let notes = optional_text("notes", "the notes", request.notes.as_deref(), 2000)?;
    let tx = db::begin_write(db).await?;
    let (loan, device, mine) = match open_loan(&tx, &own, loan_id).await {
        Ok((loan, device)) => (loan, device, true),
        Err(AppError::NotFound(_)) => {
            let (loan, device) = open_loan(&tx, &staff.counter_scope()?, loan_id).await?;
            (loan, device, false)
        }
        Err(other) => return Err(other),
    };
    let to_hub = return_hub(staff, request.hub_id, mine)?.filter(|hub| *hub != loan.hub_id);
    if let Some(hub) = to_hub {
        crate::hubs::service::find_row(&tx, hub)
            .await?
            .filter(|h| h.organisation_id == staff.organisation_id())
            .ok_or_else(|| AppError::invalid("hub_id", format!("there is no hub with id {hub}")))?;
        repo::set_home_hub(&tx, device.id, hub).await?;
    }
    super::move_device(&tx, &device, Transition::Return, Some(condition), now).await?;
    let missing = missing_accessories(&loan.accessories_issued, &returned);
    let mut row: loan::ActiveModel = loan.clone().into();
    row.status = Set(LoanStatus::Returned);
    row.returned_at = Set(Some(now));
    row.returned_on = Set(Some(today(now)));
    row.returned_to = Set(Some(staff.id()));
    row.returned_hub_id = Set(to_hub);
    row.return_condition = Set(Some(condition));
    row.accessories_returned = Set(Some(returned.into()));
    row.missing_accessories = Set(Some(missing.clone().into()));
    row.return_notes = Set(notes);
    row.updated_at = Set(now);
    repo::update_loan(&tx, row).await?;
    commit_loan_change(
        tx,
        staff,
        loan_id,
        EntityRef::Device(device.id),
        AuditAction::Returned,
        json!({"loan_id": loan_id, "condition": condition, "missing_accessories": missing, "returned_hub_id": to_hub}),
        now,
    )
    .await?;
    if mine {
        return Ok(Returned::Loan(Box::new(
            views::loan(&db.read, staff, loan_id).await?,
        )));
    }
    Ok(Returned::Elsewhere(ReturnedElsewhere {
        id: loan_id,
        asset_tag: device.asset_tag,
        status: LoanStatus::Returned,
        returned_at: now,
        returned_hub_id: to_hub.unwrap_or(loan.hub_id),
        missing_accessories: missing,
    }))
}
