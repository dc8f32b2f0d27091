//! A session as it runs: attendance, confidence scores and the devices used, recorded by whoever
//! runs it; and a learner's training as their trainer sees it. Enrolling is in `enrolling.rs`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{SessionDetail, SessionView, can_run, devices_for, views};
use crate::audit::AuditAction;
use crate::training::{
    model::{self, Attendance, Progress, SkillsArea, parse_score},
    repo,
};
use crate::validate::optional_text;
use crate::{
    audit::{EntityRef, record},
    auth::{Action, Staff},
    db::{self, Db},
    entities::training_session,
    error::AppError,
    people::{self},
};

/// The most learners one register request may mark: more than any session holds.
const MAX_RECORDS: usize = 200;

/// A session `staff` may run: their own, or any for coordinators and admins.
async fn session_to_run(
    db: &Db,
    staff: &Staff,
    session_id: i32,
) -> Result<training_session::Model, AppError> {
    staff.require(Action::Train)?;
    let session = repo::session(&db.read, staff.organisation_id(), session_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no session with id {session_id}")))?;
    can_run(staff, &session)?;
    super::not_cancelled(&session)?;
    Ok(session)
}

/// The learners enrolled in a session `staff` may run.
async fn learners_of_session_to_run(db: &Db, staff: &Staff, session_id: i32) -> Result<Vec<i32>, AppError> {
    session_to_run(db, staff, session_id).await?;
    Ok(repo::enrolments(&db.read, session_id)
        .await?
        .iter()
        .map(|e| e.borrower_id)
        .collect())
}

/// A learner named in a request must be enrolled: else a 422 on `field`.
fn enrolled_learner(enrolled: &[i32], field: &str, borrower_id: Option<i32>) -> Result<i32, AppError> {
    let borrower_id = borrower_id.ok_or_else(|| AppError::invalid(field, "say which learner"))?;
    if enrolled.contains(&borrower_id) {
        Ok(borrower_id)
    } else {
        Err(AppError::invalid(
            field,
            format!("borrower {borrower_id} is not enrolled in this session"),
        ))
    }
}

/// One line of the register.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AttendanceRecord {
    pub borrower_id: Option<i32>,
    /// `present`, `late`, `absent` or `excused`
    pub status: Option<String>,
    pub notes: Option<String>,
}

/// `PUT /training/sessions/{id}/attendance`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AttendanceRequest {
    pub records: Option<Vec<AttendanceRecord>>,
}

/// Takes the register: every record is checked (the learner must be enrolled) before any is
/// saved, all in one transaction.
pub async fn record_attendance(
    db: &Db,
    staff: &Staff,
    session_id: i32,
    request: &AttendanceRequest,
    now: DateTime<Utc>,
) -> Result<SessionDetail, AppError> {
    let enrolled = learners_of_session_to_run(db, staff, session_id).await?;
    let records = request.records.as_deref().unwrap_or_default();
    if records.is_empty() {
        return Err(AppError::invalid("records", "mark at least one learner"));
    }
    crate::validate::at_most("records", records, MAX_RECORDS)?;
    let mut marks = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, record) in records.iter().enumerate() {
        let field = |name: &str| format!("records[{i}].{name}");
        let borrower_id = enrolled_learner(&enrolled, &field("borrower_id"), record.borrower_id)?;
        if !seen.insert(borrower_id) {
            return Err(AppError::invalid(
                field("borrower_id"),
                "this learner is marked twice",
            ));
        }
        let status = Attendance::parse(record.status.as_deref().unwrap_or_default())
            .map_err(|e| AppError::invalid(field("status"), e.message))?;
        let notes = optional_text(&field("notes"), "notes", record.notes.as_deref(), 1000)?;
        marks.push((borrower_id, status, notes));
    }
    let tx = db::begin_write(db).await?;
    for (borrower_id, status, notes) in &marks {
        repo::mark(
            &tx,
            session_id,
            *borrower_id,
            *status,
            notes.clone(),
            staff.id(),
            now,
        )
        .await?;
    }
    let summary: Vec<_> = marks
        .iter()
        .map(|(b, s, _)| json!({"borrower_id": b, "status": s}))
        .collect();
    record(
        &tx,
        staff,
        EntityRef::Organisation(staff.organisation_id()),
        AuditAction::AttendanceRecorded,
        json!({"session_id": session_id, "records": summary}),
        now,
    )
    .await?;
    tx.commit().await?;
    session_detail_after_write(db, staff, session_id).await
}

async fn session_detail_after_write(db: &Db, staff: &Staff, id: i32) -> Result<SessionDetail, AppError> {
    super::session_via(db, &db.write, staff, id).await
}

/// `POST /training/sessions/{id}/devices`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DevicesRequest {
    /// Asset tags of devices used in the session.
    pub asset_tags: Option<Vec<String>>,
}

/// Records devices used in a session (handed out during it, say).
pub async fn add_devices(
    db: &Db,
    staff: &Staff,
    session_id: i32,
    request: &DevicesRequest,
    now: DateTime<Utc>,
) -> Result<SessionDetail, AppError> {
    session_to_run(db, staff, session_id).await?;
    let tags = request.asset_tags.as_deref().unwrap_or_default();
    let device_ids = devices_for(&db.read, staff, "asset_tags", tags).await?;
    if device_ids.is_empty() {
        return Err(AppError::invalid(
            "asset_tags",
            "enter the asset tag of at least one device",
        ));
    }
    let tx = db::begin_write(db).await?;
    repo::add_devices(&tx, session_id, &device_ids).await?;
    record(
        &tx,
        staff,
        EntityRef::Organisation(staff.organisation_id()),
        AuditAction::SessionDevicesAdded,
        json!({"session_id": session_id, "devices": device_ids}),
        now,
    )
    .await?;
    tx.commit().await?;
    session_detail_after_write(db, staff, session_id).await
}

/// One confidence score.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ScoreRecord {
    pub borrower_id: Option<i32>,
    /// A skills area code, e.g. `being_safe`.
    pub area: Option<String>,
    /// 1 (not confident) to 5 (very confident).
    pub score: Option<i32>,
}

/// `PUT /training/sessions/{id}/skills`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SkillsRequest {
    pub scores: Option<Vec<ScoreRecord>>,
}

pub async fn record_skills(
    db: &Db,
    staff: &Staff,
    session_id: i32,
    request: &SkillsRequest,
    now: DateTime<Utc>,
) -> Result<SessionDetail, AppError> {
    let enrolled = learners_of_session_to_run(db, staff, session_id).await?;
    let scores = request.scores.as_deref().unwrap_or_default();
    if scores.is_empty() {
        return Err(AppError::invalid("scores", "give at least one score"));
    }
    crate::validate::at_most("scores", scores, MAX_RECORDS * SkillsArea::ALL.len())?;
    let mut checked = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, score) in scores.iter().enumerate() {
        let field = |name: &str| format!("scores[{i}].{name}");
        let borrower_id = enrolled_learner(&enrolled, &field("borrower_id"), score.borrower_id)?;
        let area = SkillsArea::parse(score.area.as_deref().unwrap_or_default())
            .map_err(|e| AppError::invalid(field("area"), e.message))?;
        if !seen.insert((borrower_id, area)) {
            return Err(AppError::invalid(
                field("area"),
                "this learner has this area scored twice",
            ));
        }
        let value = parse_score(&field("score"), score.score)?;
        checked.push((borrower_id, area, value));
    }
    let tx = db::begin_write(db).await?;
    for (borrower_id, area, value) in &checked {
        repo::upsert_score(&tx, session_id, *borrower_id, *area, *value, staff.id(), now).await?;
    }
    record(
        &tx,
        staff,
        EntityRef::Organisation(staff.organisation_id()),
        AuditAction::SkillsRecorded,
        json!({"session_id": session_id, "scores": checked.len()}),
        now,
    )
    .await?;
    tx.commit().await?;
    session_detail_after_write(db, staff, session_id).await
}

/// A learner's training: progress per skills area and the sessions they were enrolled in.
/// A learner as their trainer sees them: the name, what helps them take part, their progress and
/// their sessions. No contact details: those stay on the borrower's record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LearnerTraining {
    pub borrower_id: i32,
    pub name: String,
    pub large_print: bool,
    pub accessibility_needs: Option<String>,
    pub progress: Vec<Progress>,
    pub sessions: Vec<(SessionView, Option<Attendance>)>,
    /// Their training with partner organisations, under agreements that share attendance.
    pub partner_training: Vec<super::PartnerTraining>,
}

/// A learner's training. Staff who see borrowers see anyone's; a trainer only a learner enrolled
/// in one of their own sessions.
pub async fn learner(
    db: &impl ConnectionTrait,
    staff: &Staff,
    borrower_id: i32,
) -> Result<LearnerTraining, AppError> {
    staff.require(Action::ViewTraining)?;
    let borrower = people::service::find(db, staff.organisation_id(), borrower_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no learner with id {borrower_id}")))?;
    if !staff.role().allows(Action::ViewBorrowers)
        && !repo::is_learner_of(db, staff.id(), borrower_id).await?
    {
        return Err(AppError::Forbidden(
            "trainers see the learners of their own sessions only".into(),
        ));
    }
    let scores = repo::scores_of_borrower(db, staff.organisation_id(), borrower_id).await?;
    let enrolments = repo::enrolments_of_borrower(db, borrower_id).await?;
    let marks: HashMap<i32, Option<Attendance>> =
        enrolments.iter().map(|e| (e.session_id, e.attendance)).collect();
    let rows = repo::sessions_by_ids(
        db,
        staff.organisation_id(),
        enrolments.iter().map(|e| e.session_id).collect(),
    )
    .await?;
    let sessions = views(db, staff, rows).await?;
    Ok(LearnerTraining {
        borrower_id,
        name: borrower.name,
        large_print: borrower.large_print,
        accessibility_needs: borrower.accessibility_needs,
        progress: model::progress(&scores),
        sessions: sessions
            .into_iter()
            .map(|s| {
                let mark = marks.get(&s.id).copied().flatten();
                (s, mark)
            })
            .collect(),
        partner_training: Vec::new(),
    })
}

/// As [`learner`], with their training at partner organisations that share attendance with the
/// staff member's organisation under an agreement in force (each read written to the access log).
pub async fn learner_with_partners(
    db: &Db,
    staff: &Staff,
    borrower_id: i32,
    now: DateTime<Utc>,
) -> Result<LearnerTraining, AppError> {
    let mut training = learner(&db.read, staff, borrower_id).await?;
    training.partner_training = super::partner_training(db, staff, borrower_id, now).await?;
    Ok(training)
}
