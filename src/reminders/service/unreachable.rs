//! The "cannot contact" list: people with a loan open who have agreed to no way of being
//! reminded that lendhub has a detail for. The sweep sends them nothing; staff see them here, to
//! ask for a consent or a detail when they next come in.

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;
use serde::Serialize;

use crate::{
    auth::{Action, Staff},
    error::AppError,
    paging::{self, DatedCursor},
    reminders::repo,
};

/// One open loan whose borrower cannot be reminded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnreachableView {
    pub loan_id: i32,
    pub borrower_id: i32,
    pub borrower: String,
    pub hub_id: i32,
    pub asset_tag: String,
    pub due_on: NaiveDate,
}

/// A page of the list, with how many there are in all.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnreachablePage {
    pub items: Vec<UnreachableView>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
    pub total: u64,
}

/// At one hub or all of the staff member's, the soonest due first.
pub async fn cannot_contact(
    db: &impl ConnectionTrait,
    staff: &Staff,
    hub_id: Option<i32>,
    cursor: Option<&str>,
    limit: Option<u64>,
) -> Result<UnreachablePage, AppError> {
    let scope = staff.scope_within(Action::Lend, hub_id)?;
    let after = DatedCursor::parse(cursor)?.map(|c| (c.date, c.id));
    let limit = paging::page_size(limit, super::CALLS_PER_PAGE, super::MAX_CALLS)?;
    let rows = repo::unreachable(db, &scope, after, limit + 1).await?;
    let (rows, next_cursor) = paging::cut(rows, limit, |r| {
        Some(DatedCursor {
            date: r.due_on,
            id: r.loan_id,
        })
    });
    Ok(UnreachablePage {
        items: rows
            .into_iter()
            .map(|r| UnreachableView {
                loan_id: r.loan_id,
                borrower_id: r.borrower_id,
                borrower: r.borrower_name,
                hub_id: r.hub_id,
                asset_tag: r.asset_tag,
                due_on: r.due_on,
            })
            .collect(),
        next_cursor,
        total: repo::count_unreachable(db, &scope).await?,
    })
}
