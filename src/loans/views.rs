//! Loans as the API and pages show them, with the device and borrower they join.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;

use super::{model::LoanStatus, repo};
use crate::dates::today;
use crate::paging::{self, DatedCursor};
use crate::{
    auth::{Action, Staff},
    devices::{self, model::Condition},
    entities::{JsonList, loan, repair},
    error::AppError,
    loans::model::RepairOutcome,
    people::{self, service::BorrowerView},
};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExtensionView {
    #[schema(value_type = String, format = Date)]
    pub from_due_on: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to_due_on: NaiveDate,
    pub reason: Option<String>,
    pub extended_at: DateTime<Utc>,
}

/// A loan with what staff need to see about it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LoanView {
    pub id: i32,
    pub asset_tag: String,
    pub device_id: i32,
    pub borrower_id: i32,
    pub borrower_name: String,
    pub hub_id: i32,
    pub status: LoanStatus,
    pub issued_at: DateTime<Utc>,
    pub issued_by: Option<i32>,
    #[schema(value_type = String, format = Date)]
    pub due_on: NaiveDate,
    /// Open and past its due date.
    pub overdue: bool,
    pub accessories_issued: Vec<String>,
    pub returned_at: Option<DateTime<Utc>>,
    pub return_condition: Option<Condition>,
    pub accessories_returned: Option<Vec<String>>,
    pub missing_accessories: Option<Vec<String>>,
    pub return_notes: Option<String>,
    pub lost_at: Option<DateTime<Utc>>,
    pub extensions: Vec<ExtensionView>,
    /// The course the borrower is taking, when the loan goes with one.
    pub course_id: Option<i32>,
}

pub(crate) fn view(
    row: loan::Model,
    asset_tag: String,
    borrower_name: String,
    extensions: Vec<ExtensionView>,
    today: NaiveDate,
) -> LoanView {
    LoanView {
        id: row.id,
        asset_tag,
        device_id: row.device_id,
        borrower_id: row.borrower_id,
        borrower_name,
        hub_id: row.hub_id,
        status: row.status,
        issued_at: row.issued_at,
        issued_by: row.issued_by,
        due_on: row.due_on,
        overdue: row.status == LoanStatus::Open && row.due_on < today,
        accessories_issued: row.accessories_issued.into_inner(),
        returned_at: row.returned_at,
        return_condition: row.return_condition,
        accessories_returned: row.accessories_returned.map(JsonList::into_inner),
        missing_accessories: row.missing_accessories.map(JsonList::into_inner),
        return_notes: row.return_notes,
        lost_at: row.lost_at,
        course_id: row.course_id,
        extensions,
    }
}

/// Joins loans to their devices' tags and borrowers' names, two queries for any number of loans.
pub(super) async fn views(
    db: &impl ConnectionTrait,
    staff: &Staff,
    rows: Vec<loan::Model>,
) -> Result<Vec<LoanView>, AppError> {
    let device_ids: Vec<i32> = rows.iter().map(|r| r.device_id).collect();
    let borrower_ids: Vec<i32> = rows.iter().map(|r| r.borrower_id).collect();
    let tags = devices::service::find_many(db, device_ids).await?;
    let names = people::service::find_many(db, staff.organisation_id(), &borrower_ids).await?;
    let today = today(Utc::now());
    // Every loan names a device and a borrower of its organisation (foreign keys), so the empty
    // defaults below are never shown.
    Ok(rows
        .into_iter()
        .map(|row| {
            let tag = tags
                .iter()
                .find(|d| d.id == row.device_id)
                .map(|d| d.asset_tag.clone())
                .unwrap_or_default();
            let name = names
                .iter()
                .find(|b| b.id == row.borrower_id)
                .map(|b| b.name.clone())
                .unwrap_or_default();
            view(row, tag, name, Vec::new(), today)
        })
        .collect())
}

/// The open loans of these borrowers (the ones a search at the counter found), so staff see who
/// already has a device, and whose is overdue, before lending another.
pub async fn open_loans_of(
    db: &impl ConnectionTrait,
    staff: &Staff,
    borrower_ids: &[i32],
) -> Result<Vec<LoanView>, AppError> {
    let scope = staff.scope(Action::ViewLoans)?;
    if borrower_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = repo::open_of_borrowers(db, &scope, borrower_ids).await?;
    views(db, staff, rows).await
}

/// One loan, with its extensions.
pub async fn loan(db: &impl ConnectionTrait, staff: &Staff, id: i32) -> Result<LoanView, AppError> {
    let row = repo::find_loan(db, &staff.scope(Action::ViewLoans)?, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no loan with id {id}")))?;
    let extensions = repo::extensions_of(db, id)
        .await?
        .into_iter()
        .map(|e| ExtensionView {
            from_due_on: e.from_due_on,
            to_due_on: e.to_due_on,
            reason: e.reason,
            extended_at: e.extended_at,
        })
        .collect();
    let mut loan = views(db, staff, vec![row]).await?.remove(0);
    loan.extensions = extensions;
    Ok(loan)
}

/// The device's open loan, if it is out.
pub async fn current_loan(
    db: &impl ConnectionTrait,
    staff: &Staff,
    device_id: i32,
) -> Result<Option<LoanView>, AppError> {
    match repo::open_loan_of_device(db, &staff.scope(Action::ViewLoans)?, device_id).await? {
        Some(row) => Ok(Some(views(db, staff, vec![row]).await?.remove(0))),
        None => Ok(None),
    }
}

/// The open loan for those who may see loans; `None` for the others (a trainer looking a device up).
pub async fn current_loan_if_allowed(
    db: &impl ConnectionTrait,
    staff: &Staff,
    device_id: i32,
) -> Result<Option<LoanView>, AppError> {
    if staff.can(Action::ViewLoans) {
        current_loan(db, staff, device_id).await
    } else {
        Ok(None)
    }
}

pub async fn of_device(
    db: &impl ConnectionTrait,
    staff: &Staff,
    device_id: i32,
) -> Result<Vec<LoanView>, AppError> {
    let rows = repo::loans_of_device(db, &staff.scope(Action::ViewLoans)?, device_id).await?;
    views(db, staff, rows).await
}

pub async fn of_borrower(
    db: &impl ConnectionTrait,
    staff: &Staff,
    borrower_id: i32,
) -> Result<Vec<LoanView>, AppError> {
    let rows = repo::loans_of_borrower(db, &staff.scope(Action::ViewLoans)?, borrower_id).await?;
    views(db, staff, rows).await
}

/// An overdue loan with how to reach the borrower.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OverdueView {
    pub loan: LoanView,
    pub days_overdue: i64,
    pub borrower: BorrowerView,
}

/// One page of the overdue list and where the next begins.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OverduePage {
    pub items: Vec<OverdueView>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// How many overdue loans a page holds unless asked for fewer; at most [`MAX_OVERDUE`].
pub const OVERDUE_PER_PAGE: u64 = 50;
pub const MAX_OVERDUE: u64 = 200;

/// Open loans past their due date (at one hub or all), the longest overdue first.
pub async fn overdue(
    db: &impl ConnectionTrait,
    staff: &Staff,
    now: DateTime<Utc>,
    hub_id: Option<i32>,
    cursor: Option<&str>,
    limit: Option<u64>,
) -> Result<OverduePage, AppError> {
    let scope = staff.scope_within(Action::ViewLoans, hub_id)?;
    let after = DatedCursor::parse(cursor)?.map(|c| (c.date, c.id));
    let limit = paging::page_size(limit, OVERDUE_PER_PAGE, MAX_OVERDUE)?;
    let today = today(now);
    let filter = repo::LoanFilter {
        due_before: Some(today),
        ..repo::LoanFilter::open()
    };
    let rows = repo::list(db, &scope, &filter, after, limit + 1).await?;
    let (rows, next_cursor) = paging::cut(rows, limit, |r| {
        Some(DatedCursor {
            date: r.due_on,
            id: r.id,
        })
    });
    let borrower_ids: Vec<i32> = rows.iter().map(|r| r.borrower_id).collect();
    let borrowers = people::service::find_many(db, staff.organisation_id(), &borrower_ids).await?;
    let loans = views(db, staff, rows).await?;
    let items = loans
        .into_iter()
        .filter_map(|loan| {
            let borrower = borrowers.iter().find(|b| b.id == loan.borrower_id)?.clone();
            Some(OverdueView {
                days_overdue: (today - loan.due_on).num_days(),
                borrower: borrower.into(),
                loan,
            })
        })
        .collect();
    Ok(OverduePage { items, next_cursor })
}

/// A repair as the API and pages show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RepairView {
    pub id: i32,
    pub device_id: i32,
    pub fault: String,
    pub repairer: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub outcome: Option<RepairOutcome>,
    pub cost_pence: Option<i64>,
    pub notes: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl From<repair::Model> for RepairView {
    fn from(row: repair::Model) -> Self {
        Self {
            id: row.id,
            device_id: row.device_id,
            fault: row.fault,
            repairer: row.repairer,
            opened_at: row.opened_at,
            outcome: row.outcome,
            cost_pence: row.cost_pence,
            notes: row.notes,
            closed_at: row.closed_at,
        }
    }
}

pub async fn repairs_of_device(
    db: &impl ConnectionTrait,
    staff: &Staff,
    device_id: i32,
) -> Result<Vec<RepairView>, AppError> {
    staff.require(Action::ViewDevices)?;
    Ok(repo::repairs_of_device(db, device_id)
        .await?
        .into_iter()
        .map(RepairView::from)
        .collect())
}
