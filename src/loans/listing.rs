//! The list of loans: open ones by default, filtered by hub, borrower, due date and whether the
//! agreement is signed, the soonest due first, a page at a time with the total.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use super::{
    model::LoanStatus,
    repo::{self, LoanFilter},
    views,
};
use crate::{
    auth::{Action, Staff},
    dates::today,
    error::{AppError, FieldError},
    paging::{self, DatedCursor},
};

/// `GET /loans`: which loans, and which page.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoanQuery {
    /// `open` (the default), `returned`, `lost` or `gifted`.
    #[param(pattern = r"^(open|returned|lost|gifted)$")]
    pub status: Option<String>,
    /// `false`: only loans whose agreement is not signed yet; `true`: only signed ones.
    pub signed: Option<bool>,
    pub hub_id: Option<i32>,
    pub borrower_id: Option<i32>,
    /// Only loans due on or after this date, `YYYY-MM-DD`.
    #[param(pattern = r"^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub due_from: Option<String>,
    /// Only loans due before this date, `YYYY-MM-DD`.
    #[param(pattern = r"^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub due_before: Option<String>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])\.[0-9]{1,9}$")]
    pub cursor: Option<String>,
    /// How many a page holds (1 to 200; 50 unless given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// Who has the device, as a list names them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BorrowerRef {
    pub id: i32,
    pub name: String,
}

/// One loan in the list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LoanItem {
    pub id: i32,
    pub asset_tag: String,
    pub borrower: BorrowerRef,
    pub hub_id: i32,
    pub status: LoanStatus,
    pub issued_at: DateTime<Utc>,
    #[schema(value_type = String, format = Date)]
    pub due_on: NaiveDate,
    pub overdue: bool,
    /// Whether the borrower has signed the loan agreement (on screen or on paper).
    pub signed: bool,
}

/// A page of loans, where the next begins, and how many the whole list holds.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LoanList {
    pub items: Vec<LoanItem>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
    pub total: u64,
}

pub const LOANS_PER_PAGE: u64 = 50;
pub const MAX_LOANS: u64 = 200;

fn parse_status(text: Option<&str>) -> Result<LoanStatus, FieldError> {
    match text.map(str::trim) {
        None | Some("" | "open") => Ok(LoanStatus::Open),
        Some("returned") => Ok(LoanStatus::Returned),
        Some("lost") => Ok(LoanStatus::Lost),
        Some("gifted") => Ok(LoanStatus::Gifted),
        Some(_) => Err(FieldError::new(
            "status",
            "status must be open, returned, lost or gifted",
        )),
    }
}

/// The loans the query asks for, within the caller's hubs.
pub async fn list(
    db: &impl ConnectionTrait,
    staff: &Staff,
    query: &LoanQuery,
    now: DateTime<Utc>,
) -> Result<LoanList, AppError> {
    let scope = staff.scope_within(Action::ViewLoans, query.hub_id)?;
    let filter = LoanFilter {
        status: parse_status(query.status.as_deref())?,
        signed: query.signed,
        borrower_id: query.borrower_id,
        due_from: crate::dates::optional_date("due_from", query.due_from.as_deref())?,
        due_before: crate::dates::optional_date("due_before", query.due_before.as_deref())?,
    };
    let after = DatedCursor::parse(query.cursor.as_deref())?.map(|c| (c.date, c.id));
    let limit = paging::page_size(query.limit, LOANS_PER_PAGE, MAX_LOANS)?;
    let rows = repo::list(db, &scope, &filter, after, limit + 1).await?;
    let (rows, next_cursor) = paging::cut(rows, limit, |r| {
        Some(DatedCursor {
            date: r.due_on,
            id: r.id,
        })
    });
    let total = repo::count(db, &scope, &filter).await?;
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let signed = repo::signed_of(db, &ids).await?;
    let today = today(now);
    let items = views::views(db, staff, rows)
        .await?
        .into_iter()
        .map(|loan| LoanItem {
            signed: signed.contains(&loan.id),
            overdue: loan.status == LoanStatus::Open && loan.due_on < today,
            id: loan.id,
            asset_tag: loan.asset_tag,
            borrower: BorrowerRef {
                id: loan.borrower_id,
                name: loan.borrower_name,
            },
            hub_id: loan.hub_id,
            status: loan.status,
            issued_at: loan.issued_at,
            due_on: loan.due_on,
        })
        .collect();
    Ok(LoanList {
        items,
        next_cursor,
        total,
    })
}
