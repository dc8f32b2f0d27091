//! Courses, sessions, enrolments, the register and skills scores. A trainer runs their own
//! sessions; coordinators and admins any. Capacity is counted under a lock on the session, so a
//! full session answers 409 however many ask at once.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, SqlErr};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    model::{
        self, Attendance, Event, Progress, SkillsArea, parse_areas, parse_capacity, parse_duration,
        parse_meeting_url, parse_score, parse_starts_at,
    },
    repo,
};
use crate::validate::optional_text;
use crate::{
    audit::{EntityRef, record},
    auth::{self, Action, Role, Staff},
    dates::{london_midnight, optional_date},
    db::{self, Db},
    devices::{self, model::AssetTag},
    entities::{course, enrolment, training_session},
    error::AppError,
    hubs, loans,
    people::{self, model::BorrowerRequest},
};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CourseView {
    pub id: i32,
    pub title: String,
    pub description: Option<String>,
    pub skills_areas: Vec<SkillsArea>,
}

impl From<course::Model> for CourseView {
    fn from(row: course::Model) -> Self {
        Self {
            id: row.id,
            title: row.title,
            description: row.description,
            skills_areas: serde_json::from_str(&row.skills_areas).unwrap_or_default(),
        }
    }
}

/// `POST /training/courses`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CourseRequest {
    pub title: Option<String>,
    pub description: Option<String>,
    /// One Essential Digital Skills area: `communicating`, `handling_information`,
    /// `transacting`, `problem_solving` or `being_safe`.
    pub skills_area: Option<String>,
    /// Several areas.
    pub skills_areas: Option<Vec<String>>,
}

pub async fn create_course(
    db: &Db,
    staff: &Staff,
    request: &CourseRequest,
    now: DateTime<Utc>,
) -> Result<CourseView, AppError> {
    staff.require(Action::ManageTraining)?;
    let title = crate::organisations::model::parse_name(
        "title",
        "the course's title",
        request.title.as_deref().unwrap_or_default(),
        120,
    )?;
    let description = optional_text(
        "description",
        "the description",
        request.description.as_deref(),
        2000,
    )?;
    let mut codes = request.skills_areas.clone().unwrap_or_default();
    codes.extend(request.skills_area.clone());
    let field = if request.skills_areas.is_some() {
        "skills_areas"
    } else {
        "skills_area"
    };
    let areas = parse_areas(field, &codes)?;
    let tx = db::begin_write(db).await?;
    let row = repo::insert_course(
        &tx,
        course::ActiveModel {
            organisation_id: Set(staff.organisation_id),
            title: Set(title.clone()),
            description: Set(description),
            skills_areas: Set(serde_json::to_string(&areas).unwrap_or_else(|_| "[]".into())),
            created_at: Set(now),
            ..Default::default()
        },
    )
    .await
    .map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code: "duplicate_course",
            message: format!("there is already a course called {title}"),
        },
        _ => err.into(),
    })?;
    record(
        &tx,
        staff,
        EntityRef::Organisation(staff.organisation_id),
        "course_added",
        json!({"course_id": row.id, "title": title}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row.into())
}

pub async fn courses(db: &impl ConnectionTrait, staff: &Staff) -> Result<Vec<CourseView>, AppError> {
    staff.require(Action::ViewTraining)?;
    Ok(repo::courses(db, staff.organisation_id)
        .await?
        .into_iter()
        .map(CourseView::from)
        .collect())
}

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

/// Names of the courses, trainers and hubs sessions refer to.
struct Names {
    courses: HashMap<i32, String>,
    staff: HashMap<i32, String>,
    hubs: HashMap<i32, String>,
}

impl Names {
    async fn load(db: &impl ConnectionTrait, organisation_id: i32) -> Result<Self, AppError> {
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

    fn view(&self, row: training_session::Model, enrolled: u64) -> SessionView {
        SessionView {
            id: row.id,
            course_id: row.course_id,
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

fn can_run(staff: &Staff, session: &training_session::Model) -> Result<(), AppError> {
    if staff.role.allows(Action::ManageTraining) {
        return Ok(());
    }
    staff.require(Action::Train)?;
    if session.trainer_id == Some(staff.id) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "this is another trainer's session: only they, or a coordinator, can change it".into(),
        ))
    }
}

async fn devices_for(
    db: &impl ConnectionTrait,
    staff: &Staff,
    field: &str,
    tags: &[String],
) -> Result<Vec<i32>, AppError> {
    let mut ids = Vec::new();
    // A scanned label types its whole address, `{PUBLIC_URL}/d/{tag}`: the tag is the end of it.
    for text in tags
        .iter()
        .map(|t| t.trim().rsplit("/d/").next().unwrap_or_default())
        .filter(|t| !t.is_empty())
    {
        let tag = AssetTag::parse(field, text)
            .map_err(|_| AppError::invalid(field, format!("{text} is not an asset tag")))?;
        let device = devices::repo::find_by_tag(db, staff.organisation_id, &tag)
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
    repo::course(&db.read, staff.organisation_id, course_id)
        .await?
        .ok_or_else(|| AppError::invalid("course_id", format!("there is no course with id {course_id}")))?;
    let starts_at = parse_starts_at("starts_at", request.starts_at.as_deref())?;
    let duration = parse_duration("duration_minutes", request.duration_minutes)?;
    let capacity = parse_capacity("capacity", request.capacity)?;
    let meeting_url = parse_meeting_url("meeting_url", request.meeting_url.as_deref())?;
    if let Some(hub_id) = request.hub_id {
        match hubs::repo::find(&db.read, hub_id).await? {
            Some(hub) if hub.organisation_id == staff.organisation_id => {}
            _ => {
                return Err(AppError::invalid(
                    "hub_id",
                    format!("there is no hub with id {hub_id}"),
                ));
            }
        }
    } else if meeting_url.is_none() {
        return Err(AppError::invalid(
            "hub_id",
            "choose the hub it is held at, or give a meeting link for an online session",
        ));
    }
    let trainer_id = match request.trainer_id {
        None if staff.role == Role::Trainer => Some(staff.id),
        None => None,
        Some(id) => {
            if id != staff.id {
                staff.require(Action::ManageTraining)?;
            }
            let trainer = auth::repo::staff_of(&db.read, staff.organisation_id)
                .await?
                .into_iter()
                .find(|s| s.id == id)
                .ok_or_else(|| {
                    AppError::invalid("trainer_id", format!("there is no staff member with id {id}"))
                })?;
            Some(trainer.id)
        }
    };
    if trainer_id != Some(staff.id) {
        staff.require(Action::ManageTraining)?;
    }
    let device_ids = devices_for(
        &db.read,
        staff,
        "asset_tags",
        request.asset_tags.as_deref().unwrap_or_default(),
    )
    .await?;
    let notes = request
        .notes
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let tx = db::begin_write(db).await?;
    let row = repo::insert_session(
        &tx,
        training_session::ActiveModel {
            organisation_id: Set(staff.organisation_id),
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
        EntityRef::Organisation(staff.organisation_id),
        "session_added",
        json!({"session_id": row.id, "course_id": course_id, "starts_at": starts_at, "devices": device_ids}),
        now,
    )
    .await?;
    tx.commit().await?;
    let names = Names::load(&db.read, staff.organisation_id).await?;
    Ok(names.view(row, 0))
}

/// A learner in a session's register.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LearnerView {
    pub borrower_id: i32,
    pub name: String,
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
}

pub async fn session(db: &impl ConnectionTrait, staff: &Staff, id: i32) -> Result<SessionDetail, AppError> {
    staff.require(Action::ViewTraining)?;
    let row = repo::session(db, staff.organisation_id, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no session with id {id}")))?;
    let enrolments = repo::enrolments(db, id).await?;
    let ids: Vec<i32> = enrolments.iter().map(|e| e.borrower_id).collect();
    let names: HashMap<i32, String> = people::repo::find_many(db, staff.organisation_id, &ids)
        .await?
        .into_iter()
        .map(|b| (b.id, b.name))
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
        .map(|e| LearnerView {
            borrower_id: e.borrower_id,
            name: names.get(&e.borrower_id).cloned().unwrap_or_default(),
            attendance: e.attendance,
            notes: e.notes,
            recorded_at: e.recorded_at,
            scores: scores.remove(&e.borrower_id).unwrap_or_default(),
        })
        .collect::<Vec<_>>();
    let devices = repo::session_devices(db, id).await?;
    let names = Names::load(db, staff.organisation_id).await?;
    let enrolled = u64::try_from(learners.len()).unwrap_or_default();
    Ok(SessionDetail {
        session: names.view(row, enrolled),
        enrolments: learners,
        devices,
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

pub async fn sessions(
    db: &impl ConnectionTrait,
    staff: &Staff,
    filter: &SessionFilter,
    now: DateTime<Utc>,
) -> Result<Vec<SessionView>, AppError> {
    staff.require(Action::ViewTraining)?;
    let from = optional_date("from", filter.from.as_deref())?.unwrap_or_else(|| crate::dates::today(now));
    let to = optional_date("to", filter.to.as_deref())?.unwrap_or(from + Duration::weeks(8));
    if to < from {
        return Err(AppError::invalid(
            "to",
            "the end date must not be before the start date",
        ));
    }
    let rows = repo::sessions(
        db,
        staff.organisation_id,
        london_midnight(from),
        london_midnight(to + Duration::days(1)),
        filter.hub_id,
        filter.trainer_id,
    )
    .await?;
    views(db, staff, rows).await
}

async fn views(
    db: &impl ConnectionTrait,
    staff: &Staff,
    rows: Vec<training_session::Model>,
) -> Result<Vec<SessionView>, AppError> {
    let names = Names::load(db, staff.organisation_id).await?;
    let counts = repo::enrolled_counts(db, rows.iter().map(|r| r.id).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let enrolled = counts.get(&row.id).copied().unwrap_or_default();
            names.view(row, enrolled)
        })
        .collect())
}

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
    let session = repo::lock_session(&tx, staff.organisation_id, session_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no session with id {session_id}")))?;
    if !staff.role.allows(Action::Lend) {
        can_run(staff, &session)?;
    }
    let borrower = match (request.borrower_id, walk_in) {
        (Some(id), _) => people::repo::find(&tx, staff.organisation_id, id)
            .await?
            .ok_or_else(|| AppError::invalid("borrower_id", format!("there is no borrower with id {id}")))?,
        (None, Some(details)) => {
            let row = people::repo::insert(&tx, staff.organisation_id, &details, staff.id, now).await?;
            record(
                &tx,
                staff,
                EntityRef::Borrower(row.id),
                "borrower_added",
                json!({"walk_in": session_id, "consent": {"data_processing": true, "recorded_by": staff.id}}),
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
            enrolled_by: Set(Some(staff.id)),
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
        "enrolled",
        json!({"session_id": session_id}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(LearnerView {
        borrower_id: borrower.id,
        name: borrower.name,
        attendance: None,
        notes: None,
        recorded_at: None,
        scores: HashMap::new(),
    })
}

/// A session `staff` may run: their own, or any for coordinators and admins.
async fn session_to_run(
    db: &Db,
    staff: &Staff,
    session_id: i32,
) -> Result<training_session::Model, AppError> {
    staff.require(Action::Train)?;
    let session = repo::session(&db.read, staff.organisation_id, session_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no session with id {session_id}")))?;
    can_run(staff, &session)?;
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
    let mut marks = Vec::new();
    for (i, record) in records.iter().enumerate() {
        let field = |name: &str| format!("records[{i}].{name}");
        let borrower_id = enrolled_learner(&enrolled, &field("borrower_id"), record.borrower_id)?;
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
            staff.id,
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
        EntityRef::Organisation(staff.organisation_id),
        "attendance_recorded",
        json!({"session_id": session_id, "records": summary}),
        now,
    )
    .await?;
    tx.commit().await?;
    session_detail_after_write(db, staff, session_id).await
}

async fn session_detail_after_write(db: &Db, staff: &Staff, id: i32) -> Result<SessionDetail, AppError> {
    session(&db.write, staff, id).await
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
        EntityRef::Organisation(staff.organisation_id),
        "session_devices_added",
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
    let mut checked = Vec::new();
    for (i, score) in scores.iter().enumerate() {
        let field = |name: &str| format!("scores[{i}].{name}");
        let borrower_id = enrolled_learner(&enrolled, &field("borrower_id"), score.borrower_id)?;
        let area = SkillsArea::parse(score.area.as_deref().unwrap_or_default())
            .map_err(|e| AppError::invalid(field("area"), e.message))?;
        let value = parse_score(&field("score"), score.score)?;
        checked.push((borrower_id, area, value));
    }
    let tx = db::begin_write(db).await?;
    for (borrower_id, area, value) in &checked {
        repo::upsert_score(&tx, session_id, *borrower_id, *area, *value, staff.id, now).await?;
    }
    record(
        &tx,
        staff,
        EntityRef::Organisation(staff.organisation_id),
        "skills_recorded",
        json!({"session_id": session_id, "scores": checked.len()}),
        now,
    )
    .await?;
    tx.commit().await?;
    session_detail_after_write(db, staff, session_id).await
}

/// A learner's training: progress per skills area and the sessions they were enrolled in.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LearnerTraining {
    pub progress: Vec<Progress>,
    pub sessions: Vec<(SessionView, Option<Attendance>)>,
}

pub async fn learner(
    db: &impl ConnectionTrait,
    staff: &Staff,
    borrower_id: i32,
) -> Result<LearnerTraining, AppError> {
    staff.require(Action::ViewBorrowers)?;
    let scores = repo::scores_of_borrower(db, borrower_id).await?;
    let enrolments = repo::enrolments_of_borrower(db, borrower_id).await?;
    let marks: HashMap<i32, Option<Attendance>> =
        enrolments.iter().map(|e| (e.session_id, e.attendance)).collect();
    let rows = repo::sessions_by_ids(
        db,
        staff.organisation_id,
        enrolments.iter().map(|e| e.session_id).collect(),
    )
    .await?;
    let sessions = views(db, staff, rows).await?;
    Ok(LearnerTraining {
        progress: model::progress(&scores),
        sessions: sessions
            .into_iter()
            .map(|s| {
                let mark = marks.get(&s.id).copied().flatten();
                (s, mark)
            })
            .collect(),
    })
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
    let rows = repo::sessions_by_ids(db, staff.organisation_id, ids).await?;
    views(db, staff, rows).await
}

/// `PUT /loans/{id}/course`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct LoanCourseRequest {
    /// The course the borrower is taking; null to unlink.
    pub course_id: Option<i32>,
}

/// Links a loan to the course the borrower is taking (or unlinks it).
pub async fn link_loan(
    db: &Db,
    staff: &Staff,
    loan_id: i32,
    request: &LoanCourseRequest,
    now: DateTime<Utc>,
) -> Result<Option<CourseView>, AppError> {
    staff.require(Action::Lend)?;
    loans::repo::find_loan(&db.read, staff.organisation_id, loan_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no loan with id {loan_id}")))?;
    let course = match request.course_id {
        Some(id) => Some(
            repo::course(&db.read, staff.organisation_id, id)
                .await?
                .ok_or_else(|| AppError::invalid("course_id", format!("there is no course with id {id}")))?,
        ),
        None => None,
    };
    let tx = db::begin_write(db).await?;
    repo::set_loan_course(&tx, loan_id, request.course_id).await?;
    record(
        &tx,
        staff,
        EntityRef::Loan(loan_id),
        "course_linked",
        json!({"course_id": request.course_id}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(course.map(CourseView::from))
}

/// The course a loan is linked to.
pub async fn course_of_loan(
    db: &impl ConnectionTrait,
    staff: &Staff,
    course_id: Option<i32>,
) -> Result<Option<CourseView>, AppError> {
    match course_id {
        None => Ok(None),
        Some(id) => Ok(repo::course(db, staff.organisation_id, id)
            .await?
            .map(CourseView::from)),
    }
}

/// Makes (or replaces) the staff member's calendar feed; returns its secret address.
pub async fn new_feed(
    db: &Db,
    staff: &Staff,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    staff.require(Action::ViewTraining)?;
    let token = auth::service::new_secret();
    let tx = db::begin_write(db).await?;
    repo::set_feed(&tx, staff.id, auth::service::hash_secret(&token), now).await?;
    record(
        &tx,
        staff,
        EntityRef::Staff(staff.id),
        "calendar_feed_created",
        json!({}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(format!("{public_url}/calendar/{token}.ics"))
}

/// The iCalendar feed behind a secret address: the trainer's sessions from 30 days ago to a year
/// ahead. `None` when the address is not (or no longer) a feed.
pub async fn feed(
    db: &impl ConnectionTrait,
    token: &str,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    let Some(staff_id) = repo::feed_owner(db, &auth::service::hash_secret(token)).await? else {
        return Ok(None);
    };
    let Some(staff) = auth::repo::find_staff_by_id(db, staff_id).await? else {
        return Ok(None);
    };
    let rows = repo::sessions(
        db,
        staff.organisation_id,
        now - Duration::days(30),
        now + Duration::days(366),
        None,
        Some(staff.id),
    )
    .await?;
    let names = Names::load(db, staff.organisation_id).await?;
    let hub_addresses: HashMap<i32, Option<String>> = hubs::repo::list(db, staff.organisation_id)
        .await?
        .into_iter()
        .map(|h| (h.id, h.address))
        .collect();
    let events: Vec<Event> = rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            let location = match (row.hub_id, &row.meeting_url) {
                (Some(hub), _) => {
                    let name = names.hubs.get(&hub).cloned().unwrap_or_default();
                    match hub_addresses.get(&hub).cloned().flatten() {
                        Some(address) => format!("{name}, {address}"),
                        None => name,
                    }
                }
                (None, Some(url)) => format!("Online: {url}"),
                (None, None) => String::new(),
            };
            let view = names.view(row, 0);
            Event {
                uid: format!(
                    "session-{id}@{}",
                    public_url.split("://").nth(1).unwrap_or("lendhub")
                ),
                starts_at: view.starts_at,
                minutes: view.duration_minutes,
                summary: view.course_title.clone(),
                location,
                description: format!("lendhub training session {id}: {}", view.course_title),
                url: format!("{public_url}/training/sessions/{id}"),
            }
        })
        .collect();
    Ok(Some(model::ics(
        &format!("{}: training sessions", staff.name),
        &events,
        now,
    )))
}
