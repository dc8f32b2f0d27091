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
    db::Db,
    devices,
    entities::training_session,
    error::AppError,
    people::model::Looked,
    people::{self},
    sharing::{self, model::Purpose},
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
    /// A learner of another organisation, enrolled under a training agreement.
    pub from_partner: bool,
    /// A partner's learner's phone and email, only under an agreement that names contact
    /// details (a trainer's own organisation's learners' stay on their record).
    pub phone: Option<String>,
    pub email: Option<String>,
    /// A partner's learner's record in this organisation, once one was made to lend them a
    /// device (`POST …/enrolments/{borrower_id}/own-record`).
    pub own_record_id: Option<i32>,
}

/// The name a learner of another organisation is shown by once they are no longer shared (the
/// agreement ended, or they withdrew consent).
pub const NO_LONGER_SHARED: &str = "A partner's learner (no longer shared)";

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

pub async fn session(db: &Db, staff: &Staff, id: i32) -> Result<SessionDetail, AppError> {
    session_via(db, &db.read, staff, id).await
}

/// As [`session`], read through `conn` (the writer's, straight after a change).
pub(super) async fn session_via(
    db: &Db,
    conn: &impl ConnectionTrait,
    staff: &Staff,
    id: i32,
) -> Result<SessionDetail, AppError> {
    let now = Utc::now();
    staff.require(Action::ViewTraining)?;
    let row = repo::session(conn, staff.organisation_id(), id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no session with id {id}")))?;
    // A trainer sees who is in their own sessions, not in anyone else's.
    let learners_hidden = !(staff.role().allows(Action::ViewBorrowers) || row.trainer_id == Some(staff.id()));
    let enrolments = if learners_hidden {
        Vec::new()
    } else {
        repo::enrolments(conn, id).await?
    };
    let enrolled_count = repo::enrolled(conn, id).await?;
    let ids: Vec<i32> = enrolments.iter().map(|e| e.borrower_id).collect();
    let mut learners: HashMap<i32, _> = people::service::find_many(conn, staff.organisation_id(), &ids)
        .await?
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    // Learners of other organisations, as a training agreement in force shows them now.
    let partners_learners: Vec<i32> = ids
        .iter()
        .copied()
        .filter(|id| !learners.contains_key(id))
        .collect();
    let mut shared = if partners_learners.is_empty() {
        HashMap::new()
    } else {
        sharing::service::shared_people(
            db,
            staff,
            Purpose::Training,
            &partners_learners,
            Looked::Register,
            now,
        )
        .await?
    };
    let own_records =
        people::service::own_records_of(conn, staff.organisation_id(), &partners_learners).await?;
    let mut scores: HashMap<i32, HashMap<String, i32>> = HashMap::new();
    for score in repo::scores_of_session(conn, id).await? {
        scores
            .entry(score.borrower_id)
            .or_default()
            .insert(score.area.as_str().to_owned(), score.score);
    }
    let learners = enrolments
        .into_iter()
        .map(|e| {
            let mut view = LearnerView {
                borrower_id: e.borrower_id,
                name: NO_LONGER_SHARED.to_owned(),
                accessibility_needs: None,
                large_print: false,
                attendance: e.attendance,
                notes: e.notes,
                recorded_at: e.recorded_at,
                scores: scores.remove(&e.borrower_id).unwrap_or_default(),
                from_partner: true,
                phone: None,
                email: None,
                own_record_id: own_records.get(&e.borrower_id).copied(),
            };
            if let Some(borrower) = learners.remove(&e.borrower_id) {
                view.name = borrower.name;
                view.accessibility_needs = borrower.accessibility_needs;
                view.large_print = borrower.large_print;
                view.from_partner = false;
            } else if let Some(person) = shared.remove(&e.borrower_id) {
                view.name = person.name;
                view.accessibility_needs = person.accessibility_needs;
                view.large_print = person.large_print;
                view.phone = person.phone;
                view.email = person.email;
            }
            view
        })
        .collect::<Vec<_>>();
    let devices = repo::session_devices(conn, id).await?;
    let names = Names::load(conn, staff.organisation_id()).await?;
    let may = SessionActions::of(staff, &row, now);
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
