//! Signposts: a borrower pointed to a directory service, kept on their record.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde_json::json;

use super::SignpostView;
use crate::{
    audit::{AuditAction, EntityRef, record},
    auth::{Action, Staff},
    db::{self, Db},
    directory::{model::SignpostRequest, repo},
    entities::{directory_service, signpost},
    error::AppError,
    validate::optional_text,
};

fn signpost_view((row, service): (signpost::Model, Option<directory_service::Model>)) -> SignpostView {
    SignpostView {
        id: row.id,
        borrower_id: row.borrower_id,
        service_id: row.service_id,
        service_name: service.map_or_else(String::new, |s| s.name),
        notes: row.notes,
        consent: row.consent,
        made_at: row.made_at,
    }
}

/// Records that a borrower was pointed to a service (staff who add and change borrowers).
pub async fn signpost(
    db: &Db,
    staff: &Staff,
    borrower_id: i32,
    request: &SignpostRequest,
    now: DateTime<Utc>,
) -> Result<SignpostView, AppError> {
    staff.require(Action::ManageBorrowers)?;
    let borrower = crate::people::service::find(&db.read, staff.organisation_id(), borrower_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no borrower with id {borrower_id}")))?;
    if borrower.anonymised_at.is_some() {
        return Err(AppError::Conflict {
            code: "anonymised",
            message: "this record has been anonymised".into(),
        });
    }
    let service_id = request
        .service_id
        .ok_or_else(|| AppError::invalid("service_id", "choose the service they were pointed to"))?;
    let service = repo::find(&db.read, service_id).await?.ok_or_else(|| {
        AppError::invalid("service_id", format!("there is no service with id {service_id}"))
    })?;
    let notes = optional_text("notes", "the notes", request.notes.as_deref(), 1000)?;
    let tx = db::begin_write(db).await?;
    // The record is locked, as an erasure locks it, so a signpost cannot write onto a record
    // being anonymised.
    let locked = crate::people::service::find_locked(&tx, staff.organisation_id(), borrower.id).await?;
    if locked.is_none_or(|b| b.anonymised_at.is_some()) {
        return Err(AppError::Conflict {
            code: "anonymised",
            message: "this record has been anonymised".into(),
        });
    }
    let row = repo::insert_signpost(
        &tx,
        signpost::ActiveModel {
            organisation_id: Set(staff.organisation_id()),
            borrower_id: Set(borrower.id),
            service_id: Set(service.id),
            notes: Set(notes),
            consent: Set(request.consent.unwrap_or(false)),
            made_by: Set(staff.id()),
            made_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    let details = json!({"service_id": service.id, "consent": row.consent});
    record(
        &tx,
        staff,
        EntityRef::Borrower(borrower.id),
        AuditAction::Signposted,
        details,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(signpost_view((row, Some(service))))
}

/// A person's signposts, newest first (for their page and their export).
pub async fn signposts_of(
    db: &impl ConnectionTrait,
    staff: &Staff,
    borrower_id: i32,
) -> Result<Vec<SignpostView>, AppError> {
    staff.require(Action::ViewBorrowers)?;
    if crate::people::service::find(db, staff.organisation_id(), borrower_id)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound(format!(
            "there is no borrower with id {borrower_id}"
        )));
    }
    let rows = repo::signposts_of(db, staff.organisation_id(), borrower_id).await?;
    Ok(rows.into_iter().map(signpost_view).collect())
}
