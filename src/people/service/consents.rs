//! A borrower's consents: what they agreed to now, and each change with who recorded it, when
//! and how.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use serde_json::json;

use super::{repo, unknown};
use crate::{
    audit::{self, AuditAction, EntityRef},
    auth::{Action, Staff},
    db::{self, Db},
    error::AppError,
    people::model::{Consents, ConsentsRequest, How, Purpose},
};

/// The most changes a borrower's page and `GET /borrowers/{id}/consents` list (newest first).
pub const HISTORY_SHOWN: u64 = 200;

/// One consent given or withdrawn.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentChangeView {
    pub purpose: Purpose,
    pub given: bool,
    pub at: DateTime<Utc>,
    /// The staff member who recorded it; none when the upgrade to consent per purpose set it
    /// from the details held.
    pub by: Option<String>,
    pub by_id: Option<i32>,
    pub how: Option<How>,
}

/// `GET /borrowers/{id}/consents`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentsView {
    pub current: Consents,
    /// Newest first.
    pub history: Vec<ConsentChangeView>,
}

pub async fn consents(db: &impl ConnectionTrait, staff: &Staff, id: i32) -> Result<ConsentsView, AppError> {
    staff.require(Action::ViewBorrowers)?;
    let row = repo::find(db, staff.organisation_id(), id)
        .await?
        .ok_or_else(|| unknown(id))?;
    view(db, staff, repo::of_row(&row), id).await
}

/// Gives or withdraws consent for the purposes `request` names; each change is kept.
pub async fn set_consents(
    db: &Db,
    staff: &Staff,
    id: i32,
    request: &ConsentsRequest,
    now: DateTime<Utc>,
) -> Result<ConsentsView, AppError> {
    staff.require(Action::ManageBorrowers)?;
    let tx = db::begin_write(db).await?;
    let row = repo::find(&tx, staff.organisation_id(), id)
        .await?
        .ok_or_else(|| unknown(id))?;
    let (changes, how) = request.changes(&repo::of_row(&row))?;
    let current = repo::record(&tx, row, &changes, staff.id(), how, now).await?;
    if !changes.is_empty() {
        let answers: HashMap<&str, bool> = changes.iter().map(|(p, given)| (p.as_str(), *given)).collect();
        audit::record(
            &tx,
            staff,
            EntityRef::Borrower(id),
            AuditAction::ConsentChanged,
            json!({ "consents": answers, "how": how.map(How::as_str) }),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    view(&db.read, staff, current, id).await
}

async fn view(
    db: &impl ConnectionTrait,
    staff: &Staff,
    current: Consents,
    id: i32,
) -> Result<ConsentsView, AppError> {
    let names: HashMap<i32, String> = crate::auth::service::staff_of(db, staff.organisation_id())
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let history = repo::history(db, id, HISTORY_SHOWN)
        .await?
        .into_iter()
        .filter_map(|change| {
            Some(ConsentChangeView {
                purpose: Purpose::parse(&change.purpose).ok()?,
                given: change.given,
                at: change.at,
                by: change.staff_id.and_then(|s| names.get(&s).cloned()),
                by_id: change.staff_id,
                how: change.how.as_deref().and_then(|h| How::parse(h).ok()),
            })
        })
        .collect();
    Ok(ConsentsView { current, history })
}
