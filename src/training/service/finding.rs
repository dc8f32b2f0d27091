//! Finding sessions: one with its register and the devices used (the register kept from a trainer
//! on another's session), and lists by dates, hub and trainer, or by a device used in them.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use super::{Names, SessionView, views};
use crate::training::{model::Attendance, repo};
use crate::{
    auth::{Action, Staff},
    dates::{london_midnight, optional_date},
    devices,
    entities::training_session,
    error::AppError,
    people::{self},
};

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
    /// What this staff member may do with the session now.
    #[serde(skip)]
    pub may: SessionActions,
}

/// What a staff member may do with one session: the rules the service enforces, for a page to
/// offer only what will be accepted.
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionActions {
    /// Take the register, score, change the devices (its trainer or a coordinator; not once cancelled).
    pub run: bool,
    /// Enrol a learner (those who run it, and those who lend at a counter; not once cancelled).
    pub enrol: bool,
    /// Cancel it (those who run it, before it starts).
    pub cancel: bool,
}

impl SessionActions {
    fn of(staff: &Staff, session: &training_session::Model, now: DateTime<Utc>) -> Self {
        let open = session.cancelled_at.is_none();
        let run = open && super::sessions::can_run(staff, session).is_ok();
        Self {
            run,
            enrol: open && (run || staff.role().allows(Action::Lend)),
            cancel: run && session.starts_at > now,
        }
    }
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
    let mut learners: HashMap<i32, _> = people::service::find_many(db, staff.organisation_id(), &ids)
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
    let may = SessionActions::of(staff, &row, Utc::now());
    Ok(SessionDetail {
        session: names.view(row, enrolled_count),
        enrolments: learners,
        devices,
        learners_hidden,
        may,
    })
}

/// Which sessions to list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionFilter {
    /// `YYYY-MM-DD`, London; today when absent.
    #[param(pattern = r"^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub from: Option<String>,
    /// `YYYY-MM-DD`, London, inclusive; eight weeks after `from` when absent.
    #[param(pattern = r"^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
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
