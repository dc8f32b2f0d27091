//! Adding, changing and finding borrowers; each change and its audit event in one transaction.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    model::{BorrowerDetails, BorrowerRequest, Consents},
    repo,
};
use crate::audit::AuditAction;
use crate::{
    audit::{self, Actor, EntityRef, NewEvent, model::changes},
    auth::{Action, Staff},
    db::{self, Db},
    entities::borrower,
    error::{AppError, FieldError},
};

// What other features may read and write of this feature's tables: they come here, never to
// `repo` (`.ci/imports.py` checks), so each use is one the feature has chosen to share.
pub use super::repo::{
    FORMER_BORROWER, anonymise, anonymised_since, batch_after, compact_search, due, due_page,
    existing_emails, find, find_locked, find_many, ids_after, insert_many, last_activity, matching, new_row,
    of_row as consents_of, record_imported, refresh_last_loans, set_hold, set_last_loan,
};

mod access;
mod consents;
mod counter;
mod shared;
mod view;

pub use access::*;
pub use consents::*;
pub use counter::*;
pub use shared::*;
pub use view::*;

pub fn first_error(errors: Vec<FieldError>) -> AppError {
    errors.into_iter().next().map_or_else(
        || AppError::invalid("body", "the borrower is not valid"),
        AppError::Invalid,
    )
}

pub(super) fn unknown(id: i32) -> AppError {
    AppError::NotFound(format!("there is no borrower with id {id}"))
}

/// Refuses, naming the field, an organisation that does not exist (rather than letting the
/// foreign key refuse it as a database error).
pub async fn check_resident_of(db: &impl ConnectionTrait, details: &BorrowerDetails) -> Result<(), AppError> {
    if let Some(id) = details.resident_of_organisation_id
        && crate::organisations::service::find(db, id).await?.is_none()
    {
        return Err(AppError::invalid(
            "resident_of_organisation_id",
            format!("there is no organisation with id {id}"),
        ));
    }
    Ok(())
}

/// An email address is one borrower's in an organisation (two people sharing one are told apart
/// by giving one of them a phone or a postal address instead).
async fn check_email(
    db: &impl ConnectionTrait,
    staff: &Staff,
    email: Option<&str>,
    except: Option<i32>,
) -> Result<(), AppError> {
    if let Some(email) = email
        && repo::email_taken(db, staff.organisation_id(), email, except).await?
    {
        return Err(taken());
    }
    Ok(())
}

fn taken() -> AppError {
    AppError::invalid(
        "email",
        "another borrower already has this email address: give a phone number or postal address instead, or find them under Borrowers",
    )
}

/// The unique index on (organisation, email) refused a row another request wrote meanwhile.
fn email_in_use(err: sea_orm::DbErr) -> AppError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => taken(),
        _ => err.into(),
    }
}

/// Adds a borrower with the consents they gave, inside `db`'s transaction (a session's walk-ins
/// and the borrower form both come here). The caller has checked `staff` may add them (a trainer
/// may add a walk-in to their own session) and writes the audit event.
pub async fn insert_new(
    db: &impl ConnectionTrait,
    staff: &Staff,
    details: &BorrowerDetails,
    consents: &Consents,
    now: DateTime<Utc>,
) -> Result<borrower::Model, AppError> {
    let row = repo::insert(db, staff.organisation_id(), details, consents, staff.id(), now)
        .await
        .map_err(email_in_use)?;
    repo::record_new(db, row.id, consents, staff.id(), now).await?;
    Ok(row)
}

pub async fn create(
    db: &Db,
    staff: &Staff,
    details: BorrowerDetails,
    consents: Consents,
    now: DateTime<Utc>,
) -> Result<BorrowerView, AppError> {
    staff.require(Action::ManageBorrowers)?;
    let tx = db::begin_write(db).await?;
    check_resident_of(&tx, &details).await?;
    check_email(&tx, staff, details.email.as_deref(), None).await?;
    let row = insert_new(&tx, staff, &details, &consents, now).await?;
    audit::insert(
        &tx,
        NewEvent {
            organisation_id: staff.organisation_id(),
            at: now,
            actor: Actor::Staff(staff),
            entity: EntityRef::Borrower(row.id),
            action: AuditAction::BorrowerAdded,
            details: json!({ "consents": consents.given() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row.into())
}

pub async fn create_from_request(
    db: &Db,
    staff: &Staff,
    request: &BorrowerRequest,
    now: DateTime<Utc>,
) -> Result<BorrowerView, AppError> {
    staff.require(Action::ManageBorrowers)?;
    let details = request.parse_new().map_err(first_error)?;
    let consents = request.consent.clone().unwrap_or_default().for_new(&details);
    create(db, staff, details, consents, now).await
}

pub async fn update(
    db: &Db,
    staff: &Staff,
    id: i32,
    details: BorrowerDetails,
    now: DateTime<Utc>,
) -> Result<BorrowerView, AppError> {
    staff.require(Action::ManageBorrowers)?;
    let tx = db::begin_write(db).await?;
    // Locked, so an erasure or retention run cannot come between the read and the write
    // (PostgreSQL; SQLite's one writer already serialises).
    let row = repo::find_locked(&tx, staff.organisation_id(), id)
        .await?
        .ok_or_else(|| unknown(id))?;
    if row.anonymised_at.is_some() {
        return Err(AppError::Conflict {
            code: "anonymised",
            message: format!("borrower {id}'s record is anonymised: add them again as a new borrower"),
        });
    }
    check_resident_of(&tx, &details).await?;
    if row.email != details.email {
        check_email(&tx, staff, details.email.as_deref(), Some(id)).await?;
    }
    let before = BorrowerView::from(row.clone());
    let after = BorrowerView::from(
        repo::update(&tx, row, &details, now)
            .await
            .map_err(email_in_use)?,
    );
    let changed: Vec<String> = changes(&before.audit_shape(), &after.audit_shape())
        .keys()
        .cloned()
        .collect();
    if !changed.is_empty() {
        audit::insert(
            &tx,
            NewEvent {
                organisation_id: staff.organisation_id(),
                at: now,
                actor: Actor::Staff(staff),
                entity: EntityRef::Borrower(id),
                action: AuditAction::BorrowerUpdated,
                details: json!({ "fields": changed }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after.seen_by(staff))
}

pub async fn get(db: &impl ConnectionTrait, staff: &Staff, id: i32) -> Result<BorrowerView, AppError> {
    staff.require(Action::ViewBorrowers)?;
    repo::find(db, staff.organisation_id(), id)
        .await?
        .map(|row| BorrowerView::from(row).seen_by(staff))
        .ok_or_else(|| unknown(id))
}

/// `GET /borrowers`: a search, or the whole list a page at a time in an order.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BorrowerQuery {
    /// At least 3 characters of a name, email, phone number or postcode; the first 50 matches.
    #[param(pattern = r"^[A-Za-z0-9@._+'/%#&-]{3,100}$")]
    pub q: Option<String>,
    /// `name` (A to Z, the default) or `last_loan` (who borrowed most recently first).
    #[param(pattern = r"^(name|last_loan)$")]
    pub sort: Option<String>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^[0-9]{1,9}$")]
    pub cursor: Option<String>,
    /// How many a page holds (1 to 200; 50 unless given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// A page of borrowers, where the next begins, and how many there are in all (or match).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BorrowerPage {
    pub items: Vec<BorrowerView>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
    pub total: u64,
}

/// Borrowers a page at a time by name or last loan, with the total; or those a search matches.
pub async fn list(
    db: &impl ConnectionTrait,
    staff: &Staff,
    query: &BorrowerQuery,
) -> Result<BorrowerPage, AppError> {
    staff.require(Action::ViewBorrowers)?;
    if let Some(q) = crate::validate::search_text("q", query.q.as_deref())? {
        let items: Vec<BorrowerView> = repo::search(db, staff.organisation_id(), &q, 50)
            .await?
            .into_iter()
            .map(|row| BorrowerView::from(row).seen_by(staff))
            .collect();
        let total = items.len() as u64;
        return Ok(BorrowerPage {
            items,
            next_cursor: None,
            total,
        });
    }
    let order = match query.sort.as_deref().map(str::trim) {
        None | Some("" | "name") => repo::BorrowerOrder::Name,
        Some("last_loan") => repo::BorrowerOrder::LastLoan,
        Some(_) => return Err(AppError::invalid("sort", "sort must be name or last_loan")),
    };
    let limit = crate::paging::page_size(query.limit, 50, 200)?;
    let after = match query.cursor.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(cursor) => {
            let wrong = || AppError::invalid("cursor", "cursor must be the next_cursor of an earlier page");
            let id: i32 = cursor.parse().map_err(|_| wrong())?;
            Some(
                repo::find(db, staff.organisation_id(), id)
                    .await?
                    .ok_or_else(wrong)?,
            )
        }
        None => None,
    };
    let mut rows = repo::page(db, staff.organisation_id(), order, after.as_ref(), limit + 1).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = if more {
        rows.last().map(|r| r.id.to_string())
    } else {
        None
    };
    Ok(BorrowerPage {
        items: rows
            .into_iter()
            .map(|row| BorrowerView::from(row).seen_by(staff))
            .collect(),
        next_cursor,
        total: repo::count(db, staff.organisation_id()).await?,
    })
}

/// Borrowers matching `q` (3 characters or more), or the most recently added when `q` is empty.
pub async fn search(
    db: &impl ConnectionTrait,
    staff: &Staff,
    q: Option<&str>,
) -> Result<Vec<BorrowerView>, AppError> {
    staff.require(Action::ViewBorrowers)?;
    let rows = match crate::validate::search_text("q", q)? {
        Some(q) => repo::search(db, staff.organisation_id(), &q, 50).await?,
        None => repo::recent(db, staff.organisation_id(), 20).await?,
    };
    Ok(rows
        .into_iter()
        .map(|row| BorrowerView::from(row).seen_by(staff))
        .collect())
}
