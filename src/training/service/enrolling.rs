//! Enrolling a learner in a session, a borrower on file or a walk-in added on the spot: capacity
//! is counted under a lock on the session row, so a full session answers 409 however many ask at
//! once.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, SqlErr};
use serde::Deserialize;
use serde_json::json;

use super::{LearnerView, can_run};
use crate::audit::AuditAction;
use crate::training::repo;
use crate::{
    audit::{EntityRef, record},
    auth::{Action, Staff},
    db::{self, Db},
    entities::enrolment,
    error::AppError,
    people::{
        self,
        model::{BorrowerRequest, Looked},
    },
    sharing::{
        self,
        model::{Purpose, SharedData},
        service::Grant,
    },
};

/// `POST /training/sessions/{id}/enrolments`: a borrower on file, or a walk-in added on the spot.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EnrolRequest {
    pub borrower_id: Option<i32>,
    /// A new borrower, with the minimum the borrower record needs (name, a way to reach them,
    /// consent).
    pub walk_in: Option<BorrowerRequest>,
}

pub async fn enrol(
    db: &Db,
    staff: &Staff,
    session_id: i32,
    request: &EnrolRequest,
    now: DateTime<Utc>,
) -> Result<LearnerView, AppError> {
    staff.require(Action::ViewTraining)?;
    let walk_in = match (&request.borrower_id, &request.walk_in) {
        (Some(_), Some(_)) => {
            return Err(AppError::invalid(
                "walk_in",
                "give either borrower_id or walk_in, not both",
            ));
        }
        (None, None) => return Err(AppError::invalid("borrower_id", "choose who to enrol")),
        (None, Some(walk_in)) => Some(walk_in.parse_new().map_err(|errors| {
            errors.into_iter().next().map_or_else(
                || AppError::invalid("walk_in", "the walk-in's details are not valid"),
                |e| AppError::invalid(format!("walk_in.{}", e.field), e.message),
            )
        })?),
        (Some(_), None) => None,
    };
    let tx = db::begin_write(db).await?;
    let session = repo::lock_session(&tx, staff.organisation_id(), session_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no session with id {session_id}")))?;
    if !staff.role().allows(Action::Lend) {
        can_run(staff, &session)?;
    }
    super::not_cancelled(&session)?;
    let mut shared = None;
    let borrower = match (request.borrower_id, walk_in) {
        // Locked, so the record cannot be anonymised while they are booked (PostgreSQL; SQLite's
        // one writer already serialises).
        (Some(id), _) => match people::service::find_locked(&tx, staff.organisation_id(), id).await? {
            Some(own) => Some(own).filter(|b| b.anonymised_at.is_none()),
            // Another organisation's learner, shared under a training agreement in force.
            None => {
                shared = partners_learner(&tx, staff, id, now).await?;
                match &shared {
                    Some(grant) => people::service::find_shared_locked(&tx, grant, id).await?,
                    None => None,
                }
            }
        }
        .ok_or_else(|| {
            AppError::invalid(
                "borrower_id",
                format!("there is no borrower with id {id} to enrol"),
            )
        })?,
        (None, Some(details)) => {
            people::service::check_resident_of(&tx, &details)
                .await
                .map_err(|err| match err {
                    AppError::Invalid(e) => AppError::invalid(format!("walk_in.{}", e.field), e.message),
                    other => other,
                })?;
            let consents = people::model::Consents::for_new(&details);
            let row = people::service::insert_new(&tx, staff, &details, &consents, now).await?;
            record(
                &tx,
                staff,
                EntityRef::Borrower(row.id),
                AuditAction::BorrowerAdded,
                json!({"walk_in": session_id, "consents": consents.given()}),
                now,
            )
            .await?;
            row
        }
        (None, None) => return Err(AppError::invalid("borrower_id", "choose who to enrol")),
    };
    let enrolled = repo::enrolled(&tx, session_id).await?;
    if enrolled >= u64::try_from(session.capacity).unwrap_or_default() {
        return Err(AppError::Conflict {
            code: "session_full",
            message: format!("the session is full: all {} places are taken", session.capacity),
        });
    }
    repo::insert_enrolment(
        &tx,
        enrolment::ActiveModel {
            session_id: Set(session_id),
            borrower_id: Set(borrower.id),
            enrolled_by: Set(Some(staff.id())),
            enrolled_at: Set(now),
            ..Default::default()
        },
    )
    .await
    .map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code: "already_enrolled",
            message: format!("{} is already enrolled in this session", borrower.name),
        },
        _ => err.into(),
    })?;
    record(
        &tx,
        staff,
        EntityRef::Borrower(borrower.id),
        AuditAction::Enrolled,
        json!({"session_id": session_id}),
        now,
    )
    .await?;
    tx.commit().await?;
    let contact = shared.as_ref().is_some_and(|g| g.allows(SharedData::Contact));
    if let Some(grant) = &shared {
        people::service::looked_under(db, staff, grant, &[borrower.id], Looked::Register, now).await?;
    }
    Ok(LearnerView {
        borrower_id: borrower.id,
        name: borrower.name,
        accessibility_needs: borrower.accessibility_needs,
        large_print: borrower.large_print,
        attendance: None,
        notes: None,
        recorded_at: None,
        scores: HashMap::new(),
        from_partner: shared.is_some(),
        phone: borrower.phone.filter(|_| contact),
        email: borrower.email.filter(|_| contact),
        own_record_id: match &shared {
            Some(_) => people::service::own_record_of(&db.read, staff.organisation_id(), borrower.id)
                .await?
                .map(|own| own.id),
            None => None,
        },
    })
}

/// The grant to enrol another organisation's borrower `id`: a training agreement in force that
/// names their names (whether they consented is the locked read's to say).
async fn partners_learner(
    db: &impl sea_orm::ConnectionTrait,
    staff: &Staff,
    id: i32,
    now: DateTime<Utc>,
) -> Result<Option<Grant>, AppError> {
    let Some((_, organisation_id)) = people::service::organisations_of(db, &[id]).await?.pop() else {
        return Ok(None);
    };
    sharing::service::grant(
        db,
        staff,
        organisation_id,
        Purpose::Training,
        SharedData::Names,
        now,
    )
    .await
}
