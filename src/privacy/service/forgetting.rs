//! Forgetting a borrower: what anonymising clears in every feature, erasure on request, and the
//! holds that keep a record back from retention.
//!
//! Anonymising keeps what the scheme's figures are made of (loans, their dates and devices,
//! attendance, skills scores, barriers, consents given) and clears who the person was: the name
//! becomes "Former borrower {id}"; email, phone, address, postcode, language and access needs go;
//! so do the notes on their loans, extensions, gifts, calls and enrolments, the links to their
//! follow-up questionnaires, the words and addresses of
//! the reminders sent to them, and their signed agreements' documents (each keeps its SHA-256,
//! terms version and time of acceptance).

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    agreements,
    audit::{self, Actor, AuditAction, EntityRef, NewEvent},
    auth::{Action, Staff},
    db::{self, Db},
    error::AppError,
    loans,
    people::{self, service::BorrowerView},
    referrals, reminders, training,
    validate::required_text,
    waiting,
};

/// Why a record was anonymised, as its audit event says.
pub enum Why<'a> {
    /// Nothing happened with them for this many months.
    Retention { months: u32 },
    /// An admin erased it on request, for this reason.
    Erasure { staff: &'a Staff, reason: &'a str },
}

/// Anonymises those of `ids` not yet anonymised, in the caller's transaction, writing one audit
/// event each; answers how many it changed.
pub(super) async fn anonymise(
    tx: &impl ConnectionTrait,
    ids: &[i32],
    why: &Why<'_>,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let done = people::service::anonymise(tx, ids, now).await?;
    if done.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i32> = done.iter().map(|(id, _)| *id).collect();
    loans::service::forget_notes(tx, &ids).await?;
    agreements::service::erase_documents(tx, &ids, now).await?;
    reminders::service::forget(tx, &ids).await?;
    training::service::forget_notes(tx, &ids).await?;
    waiting::service::forget(tx, &ids, now).await?;
    referrals::service::forget(tx, &ids).await?;
    crate::follow_ups::service::forget(tx, &ids).await?;
    crate::directory::service::forget(tx, &ids).await?;
    let (actor, details): (Actor, Value) = match why {
        Why::Retention { months } => (
            Actor::System("retention"),
            json!({"why": "retention", "months": months}),
        ),
        Why::Erasure { staff, reason } => (Actor::Staff(staff), json!({"why": "erasure", "reason": reason})),
    };
    let events = done
        .iter()
        .map(|&(id, organisation_id)| NewEvent {
            organisation_id,
            at: now,
            actor,
            entity: EntityRef::Borrower(id),
            action: AuditAction::BorrowerAnonymised,
            details: details.clone(),
        })
        .collect();
    audit::insert_many(tx, events).await?;
    Ok(done.len())
}

/// `POST /borrowers/{id}/erase` and `/hold`: why, in the admin's words.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReasonRequest {
    /// Why (for the audit log): "asked in person on 3 March", "a complaint is open".
    #[schema(value_type = String, required = true, min_length = 1, max_length = 500)]
    pub reason: Option<String>,
}

impl ReasonRequest {
    fn reason(&self) -> Result<String, AppError> {
        Ok(required_text(
            "reason",
            "the reason",
            self.reason.as_deref(),
            500,
        )?)
    }
}

/// Anonymises a borrower now, on their request (admins); refused while a device is on loan to
/// them. Erasing a record already anonymised changes nothing.
pub async fn erase(
    db: &Db,
    staff: &Staff,
    id: i32,
    request: &ReasonRequest,
    now: DateTime<Utc>,
) -> Result<BorrowerView, AppError> {
    staff.require(Action::ManageRetention)?;
    let reason = request.reason()?;
    let tx = db::begin_write(db).await?;
    people::service::find_locked(&tx, staff.organisation_id(), id)
        .await?
        .ok_or_else(|| unknown(id))?;
    let open = loans::service::open_loans_of(&tx, id).await?;
    if open > 0 {
        return Err(AppError::Conflict {
            code: "loan_open",
            message: format!(
                "they still have {}: take it back before erasing the record",
                crate::words::count(open, "device on loan", "devices on loan")
            ),
        });
    }
    anonymise(
        &tx,
        &[id],
        &Why::Erasure {
            staff,
            reason: &reason,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    // The search index is rewritten by the next daily run, not here: rewriting it whole holds
    // the writer for seconds on a large scheme, and the counter should not wait for an erasure.
    people::service::get(&db.read, staff, id).await
}

/// Holds a record back from retention, for a reason (admins).
pub async fn hold(
    db: &Db,
    staff: &Staff,
    id: i32,
    request: &ReasonRequest,
    now: DateTime<Utc>,
) -> Result<BorrowerView, AppError> {
    staff.require(Action::ManageRetention)?;
    let reason = request.reason()?;
    set_hold(db, staff, id, Some(reason), now).await
}

/// Lifts a hold: retention reaches the record again when it falls due (admins).
pub async fn release(db: &Db, staff: &Staff, id: i32, now: DateTime<Utc>) -> Result<BorrowerView, AppError> {
    staff.require(Action::ManageRetention)?;
    set_hold(db, staff, id, None, now).await
}

async fn set_hold(
    db: &Db,
    staff: &Staff,
    id: i32,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<BorrowerView, AppError> {
    let tx = db::begin_write(db).await?;
    let row = people::service::find_locked(&tx, staff.organisation_id(), id)
        .await?
        .ok_or_else(|| unknown(id))?;
    if row.anonymised_at.is_some() {
        return Err(AppError::Conflict {
            code: "anonymised",
            message: format!("borrower {id}'s record is already anonymised: there is nothing to hold"),
        });
    }
    let action = if reason.is_some() {
        AuditAction::BorrowerHeld
    } else {
        AuditAction::BorrowerReleased
    };
    // The reason stays on the record (cleared when it is anonymised), not in the audit log.
    let details = json!({ "held": reason.is_some() });
    people::service::set_hold(
        &tx,
        staff.organisation_id(),
        id,
        reason.map(|reason| (reason, staff.id(), now)),
    )
    .await?;
    audit::record(&tx, staff, EntityRef::Borrower(id), action, details, now).await?;
    tx.commit().await?;
    people::service::get(&db.read, staff, id).await
}

fn unknown(id: i32) -> AppError {
    AppError::NotFound(format!("there is no borrower with id {id}"))
}
