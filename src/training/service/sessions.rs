//! Sessions: how one is shown (its course, trainer and hub named) and planning one, by
//! coordinators and trainers; a trainer runs only their own.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::AuditAction;
use crate::training::{
    model::{parse_capacity, parse_duration, parse_meeting_url, parse_starts_at},
    repo,
};
use crate::{
    audit::{EntityRef, record},
    auth::{self, Action, Role, Staff},
    db::{self, Db},
    devices::{self, model::AssetTag},
    entities::training_session,
    error::AppError,
    hubs,
};

/// A session as lists show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub id: i32,
    pub course_id: i32,
    pub course_title: String,
    pub trainer_id: Option<i32>,
    pub trainer_name: Option<String>,
    pub hub_id: Option<i32>,
    pub hub_name: Option<String>,
    /// For sessions held online.
    pub meeting_url: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub capacity: i32,
    pub enrolled: u64,
    pub notes: Option<String>,
    /// When it was cancelled; a cancelled session stays listed, marked so.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why, as the learners were told.
    pub cancel_reason: Option<String>,
}

impl SessionView {
    /// "Tuesday 3 March 2027, 10:00am to 11:30am", in London.
    pub fn when(&self) -> String {
        let start = self.starts_at.with_timezone(&chrono_tz::Europe::London);
        let end = start + chrono::Duration::minutes(i64::from(self.duration_minutes));
        format!(
            "{}, {} to {}",
            start.format("%A %-d %B %Y"),
            start.format("%-I:%M%P"),
            end.format("%-I:%M%P")
        )
    }

    /// "Riverside Hub" or "Online".
    pub fn place(&self) -> String {
        match (&self.hub_name, &self.meeting_url) {
            (Some(hub), _) => hub.clone(),
            (None, Some(_)) => "Online".to_owned(),
            (None, None) => String::new(),
        }
    }

    /// The course, when and where, for lists on other pages.
    pub fn line(&self) -> String {
        format!("{}: {} at {}", self.course_title, self.when(), self.place())
    }
}

/// Names of the courses, trainers and hubs sessions refer to (an organisation has tens of each,
/// so they are read whole).
pub struct Names {
    pub courses: HashMap<i32, String>,
    pub staff: HashMap<i32, String>,
    pub hubs: HashMap<i32, String>,
}

impl Names {
    pub async fn load(db: &impl ConnectionTrait, organisation_id: i32) -> Result<Self, AppError> {
        Ok(Self {
            courses: repo::courses(db, organisation_id)
                .await?
                .into_iter()
                .map(|c| (c.id, c.title))
                .collect(),
            staff: auth::service::staff_of(db, organisation_id)
                .await?
                .into_iter()
                .map(|s| (s.id, s.name))
                .collect(),
            hubs: hubs::service::list_rows(db, organisation_id)
                .await?
                .into_iter()
                .map(|h| (h.id, h.name))
                .collect(),
        })
    }

    pub(super) fn view(&self, row: training_session::Model, enrolled: u64) -> SessionView {
        SessionView {
            id: row.id,
            course_id: row.course_id,
            // A session's course is a foreign key to a course of the same organisation.
            course_title: self.courses.get(&row.course_id).cloned().unwrap_or_default(),
            trainer_id: row.trainer_id,
            trainer_name: row.trainer_id.and_then(|id| self.staff.get(&id).cloned()),
            hub_id: row.hub_id,
            hub_name: row.hub_id.and_then(|id| self.hubs.get(&id).cloned()),
            meeting_url: row.meeting_url,
            starts_at: row.starts_at,
            duration_minutes: row.duration_minutes,
            capacity: row.capacity,
            enrolled,
            notes: row.notes,
            cancelled_at: row.cancelled_at,
            cancel_reason: row.cancel_reason,
        }
    }
}

/// `POST /training/sessions`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SessionRequest {
    pub course_id: Option<i32>,
    /// RFC 3339, or a London time `YYYY-MM-DDTHH:MM`.
    pub starts_at: Option<String>,
    /// 60 or 90 usually; 15 to 480.
    pub duration_minutes: Option<i32>,
    pub capacity: Option<i32>,
    /// Where it is held; absent for an online session (give `meeting_url`).
    pub hub_id: Option<i32>,
    pub meeting_url: Option<String>,
    /// Who runs it; a trainer adding a session runs it themselves.
    pub trainer_id: Option<i32>,
    /// The devices used in it.
    pub asset_tags: Option<Vec<String>>,
    pub notes: Option<String>,
}

pub(super) fn can_run(staff: &Staff, session: &training_session::Model) -> Result<(), AppError> {
    if staff.role().allows(Action::ManageTraining) {
        return Ok(());
    }
    staff.require(Action::Train)?;
    if session.trainer_id == Some(staff.id()) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "this is another trainer's session: only they, or a coordinator, can change it".into(),
        ))
    }
}

/// The most devices one request may name for a session (a room's worth, several times over).
const MAX_SESSION_DEVICES: usize = 100;

pub(super) async fn devices_for(
    db: &impl ConnectionTrait,
    staff: &Staff,
    field: &str,
    tags: &[String],
) -> Result<Vec<i32>, AppError> {
    crate::validate::at_most(field, tags, MAX_SESSION_DEVICES)?;
    let mut ids = Vec::new();
    // A scanned label types its whole address, `{PUBLIC_URL}/d/{tag}`: the tag is the end of it.
    for text in tags
        .iter()
        .map(|t| t.trim().rsplit("/d/").next().unwrap_or_default())
        .filter(|t| !t.is_empty())
    {
        let tag = AssetTag::parse(field, text)
            .map_err(|_| AppError::invalid(field, format!("{text} is not an asset tag")))?;
        let device = devices::service::find_by_tag(db, staff.organisation_id(), &tag)
            .await?
            .ok_or_else(|| AppError::invalid(field, format!("there is no device with asset tag {tag}")))?;
        if !ids.contains(&device.id) {
            ids.push(device.id);
        }
    }
    Ok(ids)
}

pub async fn create_session(
    db: &Db,
    staff: &Staff,
    request: &SessionRequest,
    now: DateTime<Utc>,
) -> Result<SessionView, AppError> {
    staff.require(Action::Train)?;
    let course_id = request
        .course_id
        .ok_or_else(|| AppError::invalid("course_id", "choose the course"))?;
    repo::course(&db.read, staff.organisation_id(), course_id)
        .await?
        .ok_or_else(|| AppError::invalid("course_id", format!("there is no course with id {course_id}")))?;
    let starts_at = parse_starts_at("starts_at", request.starts_at.as_deref())?;
    let duration = parse_duration("duration_minutes", request.duration_minutes)?;
    let capacity = parse_capacity("capacity", request.capacity)?;
    let meeting_url = parse_meeting_url("meeting_url", request.meeting_url.as_deref())?;
    if let Some(hub_id) = request.hub_id {
        super::check_hub(&db.read, staff, hub_id).await?;
    } else if meeting_url.is_none() {
        return Err(AppError::invalid(
            "hub_id",
            "choose the hub it is held at, or give a meeting link for an online session",
        ));
    }
    let trainer_id = match request.trainer_id {
        None if staff.role() == Role::Trainer => Some(staff.id()),
        None => None,
        Some(id) => {
            if id != staff.id() {
                staff.require(Action::ManageTraining)?;
            }
            Some(super::check_trainer(&db.read, staff, id).await?)
        }
    };
    if trainer_id != Some(staff.id()) {
        staff.require(Action::ManageTraining)?;
    }
    let device_ids = devices_for(
        &db.read,
        staff,
        "asset_tags",
        request.asset_tags.as_deref().unwrap_or_default(),
    )
    .await?;
    let notes = crate::validate::optional_text("notes", "the notes", request.notes.as_deref(), 2000)?;
    let tx = db::begin_write(db).await?;
    let row = repo::insert_session(
        &tx,
        training_session::ActiveModel {
            organisation_id: Set(staff.organisation_id()),
            course_id: Set(course_id),
            trainer_id: Set(trainer_id),
            hub_id: Set(request.hub_id),
            meeting_url: Set(meeting_url),
            starts_at: Set(starts_at),
            duration_minutes: Set(duration),
            capacity: Set(capacity),
            notes: Set(notes),
            created_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    repo::add_devices(&tx, row.id, &device_ids).await?;
    record(
        &tx,
        staff,
        EntityRef::Organisation(staff.organisation_id()),
        AuditAction::SessionAdded,
        json!({"session_id": row.id, "course_id": course_id, "starts_at": starts_at, "devices": device_ids}),
        now,
    )
    .await?;
    tx.commit().await?;
    let names = Names::load(&db.read, staff.organisation_id()).await?;
    Ok(names.view(row, 0))
}

pub(super) async fn views(
    db: &impl ConnectionTrait,
    staff: &Staff,
    rows: Vec<training_session::Model>,
) -> Result<Vec<SessionView>, AppError> {
    let names = Names::load(db, staff.organisation_id()).await?;
    let counts = repo::enrolled_counts(db, rows.iter().map(|r| r.id).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            // A session with no enrolments has no count row: none enrolled.
            let enrolled = counts.get(&row.id).copied().unwrap_or_default();
            names.view(row, enrolled)
        })
        .collect())
}
