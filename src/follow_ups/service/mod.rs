//! Follow-ups: asking (`asking.rs`), answering (`answering.rs`), and the list staff work from.

mod answering;
mod asking;

pub use answering::*;
pub use asking::*;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use super::{
    model::{FollowUpStatus, Helped, HowOften},
    repo,
};
use crate::{
    auth::{Action, Staff},
    db::Db,
    entities::follow_up,
    error::AppError,
    paging::{DatedCursor, cut, page_size},
    reminders::model::Channel,
};

// What other features may read and write of this feature's tables: they come here, never to
// `repo` (`.ci/imports.py` checks), so each use is one the feature has chosen to share.
pub use super::repo::forget;

/// A follow-up as the API and pages show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FollowUpView {
    pub id: i32,
    pub borrower_id: i32,
    pub borrower_name: String,
    pub hub_id: i32,
    pub loan_id: Option<i32>,
    pub gift_id: Option<i32>,
    /// Days after the loan or gift began.
    pub after_days: i32,
    /// The day it was asked (or found not askable).
    #[schema(value_type = String, format = Date)]
    pub due_on: NaiveDate,
    pub status: FollowUpStatus,
    pub channel: Option<Channel>,
    pub answered_at: Option<DateTime<Utc>>,
    pub still_using: Option<bool>,
    pub how_often: Option<HowOften>,
    pub helped_with: Vec<Helped>,
    pub confidence: Option<i32>,
    pub confidence_before: Option<i32>,
}

async fn view(db: &impl ConnectionTrait, row: follow_up::Model) -> Result<FollowUpView, AppError> {
    let name = crate::people::service::find(db, row.organisation_id, row.borrower_id)
        .await?
        .map(|b| b.name)
        .unwrap_or_default();
    Ok(view_with(row, name))
}

fn view_with(row: follow_up::Model, borrower_name: String) -> FollowUpView {
    FollowUpView {
        id: row.id,
        borrower_id: row.borrower_id,
        borrower_name,
        hub_id: row.hub_id,
        loan_id: row.loan_id,
        gift_id: row.gift_id,
        after_days: row.after_days,
        due_on: row.due_on,
        status: row.status,
        channel: row.channel,
        answered_at: row.answered_at,
        still_using: row.still_using,
        how_often: row.how_often,
        helped_with: row
            .helped_with
            .map(crate::entities::JsonList::into_inner)
            .unwrap_or_default(),
        confidence: row.confidence,
        confidence_before: row.confidence_before,
    }
}

/// `GET /follow-ups`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowUpQuery {
    /// Only those asked on or before this date, `YYYY-MM-DD`.
    #[param(pattern = r"^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub due: Option<String>,
    /// `asked` (waiting for answers), `answered` or `not_asked`.
    #[param(pattern = r"^(asked|answered|not_asked)$")]
    pub status: Option<String>,
    pub hub_id: Option<i32>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])\.[0-9]{1,9}$")]
    pub cursor: Option<String>,
    /// How many a page holds (1 to 200; 50 unless given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FollowUpPage {
    pub items: Vec<FollowUpView>,
    pub total: u64,
    pub next_cursor: Option<String>,
}

pub async fn list(db: &Db, staff: &Staff, query: &FollowUpQuery) -> Result<FollowUpPage, AppError> {
    let scope = staff.scope_within(Action::Lend, query.hub_id)?;
    let limit = page_size(query.limit, 50, 200)?;
    let due = crate::dates::optional_date("due", query.due.as_deref())?;
    let status = match query.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(FollowUpStatus::parse(text)?),
    };
    let after = DatedCursor::parse(query.cursor.as_deref())?.map(|c| (c.date, c.id));
    let (rows, total) = repo::list(&db.read, &scope, due, status, after, limit + 1).await?;
    let (rows, next_cursor) = cut(rows, limit, |r| {
        Some(DatedCursor {
            date: r.due_on,
            id: r.id,
        })
    });
    let ids: Vec<i32> = rows.iter().map(|r| r.borrower_id).collect();
    let names: std::collections::HashMap<i32, String> =
        crate::people::service::find_many(&db.read, staff.organisation_id(), &ids)
            .await?
            .into_iter()
            .map(|b| (b.id, b.name))
            .collect();
    let items = rows
        .into_iter()
        .map(|row| {
            let name = names.get(&row.borrower_id).cloned().unwrap_or_default();
            view_with(row, name)
        })
        .collect();
    Ok(FollowUpPage {
        items,
        total,
        next_cursor,
    })
}

/// One follow-up within the caller's hubs.
pub async fn get(db: &Db, staff: &Staff, id: i32) -> Result<FollowUpView, AppError> {
    let row = repo::find(&db.read, &staff.scope(Action::Lend)?, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no follow-up with id {id}")))?;
    view(&db.read, row).await
}

/// A person's follow-ups and their answers, for their export.
pub async fn of_borrower(
    db: &impl ConnectionTrait,
    staff: &Staff,
    borrower_id: i32,
) -> Result<Vec<FollowUpView>, AppError> {
    let rows = repo::of_borrower(db, &staff.scope(Action::Export)?, borrower_id).await?;
    Ok(rows
        .into_iter()
        .map(|row| view_with(row, String::new()))
        .collect())
}
