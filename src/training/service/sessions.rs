//! Sessions: planned by coordinators and trainers, listed by date, shown with their register
//! and devices; a trainer runs only their own.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::AuditAction;
use crate::training::{
    model::{Attendance, parse_capacity, parse_duration, parse_meeting_url, parse_starts_at},
    repo,
};
use crate::{
    audit::{EntityRef, record},
    auth::{self, Action, Role, Staff},
    dates::{london_midnight, optional_date},
    db::{self, Db},
    devices::{self, model::AssetTag},
    entities::training_session,
    error::AppError,
    hubs,
    people::{self},
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
            staff: auth::repo::staff_of(db, organisation_id)
                .await?
                .into_iter()
                .map(|s| (s.id, s.name))
                .collect(),
            hubs: hubs::repo::list(db, organisation_id)
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
        let device = devices::repo::find_by_tag(db, staff.organisation_id(), &tag)
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

/// A learner in a session's register.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LearnerView {
    pub borrower_id: i32,
    pub name: String,
    /// What helps them take part, for the trainer to prepare.
    pub accessibility_needs: Option<String>,
    pub large_print: bool,
    pub attendance: Option<Attendance>,
    pub notes: Option<String>,
    pub recorded_at: Option<DateTime<Utc>>,
    /// Scores given at this session, by area.
    pub scores: HashMap<String, i32>,
}

/// `GET /training/sessions/{id}`: the session, its register and the devices used.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionDetail {
    #[serde(flatten)]
    pub session: SessionView,
    pub enrolments: Vec<LearnerView>,
    /// Asset tags of the devices used.
    pub devices: Vec<String>,
    /// Whether the register is kept from this staff member (a trainer on another's session).
    #[serde(skip)]
    pub learners_hidden: bool,
}

pub async fn session(db: &impl ConnectionTrait, staff: &Staff, id: i32) -> Result<SessionDetail, AppError> {
    staff.require(Action::ViewTraining)?;
    let row = repo::session(db, staff.organisation_id(), id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no session with id {id}")))?;
    // A trainer sees who is in their own sessions, not in anyone else's.
    let learners_hidden = !(staff.role().allows(Action::ViewBorrowers) || row.trainer_id == Some(staff.id()));
    let enrolments = if learners_hidden {
        Vec::new()
    } else {
        repo::enrolments(db, id).await?
    };
    let enrolled_count = repo::enrolled(db, id).await?;
    let ids: Vec<i32> = enrolments.iter().map(|e| e.borrower_id).collect();
    let mut learners: HashMap<i32, _> = people::repo::find_many(db, staff.organisation_id(), &ids)
        .await?
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    let mut scores: HashMap<i32, HashMap<String, i32>> = HashMap::new();
    for score in repo::scores_of_session(db, id).await? {
        scores
            .entry(score.borrower_id)
            .or_default()
            .insert(score.area.as_str().to_owned(), score.score);
    }
    let learners = enrolments
        .into_iter()
        .filter_map(|e| {
            // Enrolments name borrowers of the session's organisation (a foreign key); none is missing.
            let borrower = learners.remove(&e.borrower_id)?;
            Some((e, borrower))
        })
        .map(|(e, borrower)| LearnerView {
            borrower_id: e.borrower_id,
            name: borrower.name,
            accessibility_needs: borrower.accessibility_needs,
            large_print: borrower.large_print,
            attendance: e.attendance,
            notes: e.notes,
            recorded_at: e.recorded_at,
            scores: scores.remove(&e.borrower_id).unwrap_or_default(),
        })
        .collect::<Vec<_>>();
    let devices = repo::session_devices(db, id).await?;
    let names = Names::load(db, staff.organisation_id()).await?;
    let enrolled = enrolled_count;
    Ok(SessionDetail {
        session: names.view(row, enrolled),
        enrolments: learners,
        devices,
        learners_hidden,
    })
}

/// Which sessions to list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionFilter {
    /// `YYYY-MM-DD`, London; today when absent.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, London, inclusive; eight weeks after `from` when absent.
    pub to: Option<String>,
    pub hub_id: Option<i32>,
    pub trainer_id: Option<i32>,
}

impl SessionFilter {
    /// The first and last day listed: from today and for eight weeks unless asked otherwise, at
    /// most a year at a time.
    ///
    /// # Errors
    /// A date that is not `YYYY-MM-DD`, or a range backwards or over a year.
    pub fn range(&self, now: DateTime<Utc>) -> Result<(NaiveDate, NaiveDate), AppError> {
        let from = optional_date("from", self.from.as_deref())?.unwrap_or_else(|| crate::dates::today(now));
        let to = optional_date("to", self.to.as_deref())?.unwrap_or(from + Duration::weeks(8));
        if to < from {
            return Err(AppError::invalid(
                "to",
                "the end date must not be before the start date",
            ));
        }
        if to - from > Duration::days(MAX_RANGE_DAYS) {
            return Err(AppError::invalid(
                "to",
                "show at most a year of sessions at a time",
            ));
        }
        Ok((from, to))
    }
}

/// The longest span one list covers: a year of a weekly course is 52 sessions per hub.
const MAX_RANGE_DAYS: i64 = 366;

pub async fn sessions(
    db: &impl ConnectionTrait,
    staff: &Staff,
    filter: &SessionFilter,
    now: DateTime<Utc>,
) -> Result<Vec<SessionView>, AppError> {
    staff.require(Action::ViewTraining)?;
    let (from, to) = filter.range(now)?;
    let rows = repo::sessions(
        db,
        staff.organisation_id(),
        london_midnight(from),
        london_midnight(to + Duration::days(1)),
        filter.hub_id,
        filter.trainer_id,
    )
    .await?;
    views(db, staff, rows).await
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

/// `GET /devices/{asset_tag}/sessions`: the sessions a device was used in, latest first.
pub async fn device_sessions(
    db: &impl ConnectionTrait,
    staff: &Staff,
    tag: &str,
) -> Result<Vec<SessionView>, AppError> {
    staff.require(Action::ViewTraining)?;
    let device = devices::service::get(db, staff, tag).await?;
    let ids = repo::sessions_of_device(db, device.id).await?;
    let rows = repo::sessions_by_ids(db, staff.organisation_id(), ids).await?;
    views(db, staff, rows).await
}
