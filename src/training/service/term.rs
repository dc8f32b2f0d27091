//! Running sessions over a term: changing a session's time, length, places, place or trainer;
//! taking a learner off it; and cancelling it, which tells each learner as their contact details
//! allow (email, the call list, a letter). A cancelled session stays on the record, marked so.

use askama::Template;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, IntoActiveModel};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;

use super::{Names, SessionView, can_run};
use crate::audit::AuditAction;
use crate::reminders::{
    model::ReminderKind,
    service::{Notice, Told, notify},
};
use crate::training::{
    model::{parse_capacity, parse_duration, parse_meeting_url, parse_starts_at},
    repo,
};
use crate::{
    audit::{EntityRef, record},
    auth::{self, Action, Staff},
    db::{self, Db},
    entities::training_session,
    error::AppError,
    hubs, people,
};

/// Reads a field that may be absent (leave it), `null` (clear it) or a value (set it).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// `PATCH /training/sessions/{id}`: only what is given changes.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SessionPatch {
    /// RFC 3339, or a London time `YYYY-MM-DDTHH:MM`.
    pub starts_at: Option<String>,
    pub duration_minutes: Option<i32>,
    /// Not fewer than the learners already enrolled.
    pub capacity: Option<i32>,
    /// The hub it is held at; `null` for online (then `meeting_url` is needed).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub hub_id: Option<Option<i32>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub meeting_url: Option<Option<String>>,
    /// Who runs it; `null` for nobody yet. Coordinators and admins only.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub trainer_id: Option<Option<i32>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
}

fn cancelled(session: &training_session::Model) -> AppError {
    AppError::Conflict {
        code: "session_cancelled",
        message: format!(
            "this session was cancelled on {}: it cannot be changed",
            crate::dates::long_date(crate::dates::today(
                session.cancelled_at.unwrap_or(session.starts_at)
            ))
        ),
    }
}

/// Refuses a change to a cancelled session.
pub(super) fn not_cancelled(session: &training_session::Model) -> Result<(), AppError> {
    match session.cancelled_at {
        Some(_) => Err(cancelled(session)),
        None => Ok(()),
    }
}

/// The hub `hub_id` of the staff member's organisation, or a 422 on `hub_id`.
pub(super) async fn check_hub(db: &impl ConnectionTrait, staff: &Staff, hub_id: i32) -> Result<(), AppError> {
    match hubs::repo::find(db, hub_id).await? {
        Some(hub) if hub.organisation_id == staff.organisation_id() => Ok(()),
        _ => Err(AppError::invalid(
            "hub_id",
            format!("there is no hub with id {hub_id}"),
        )),
    }
}

/// Whether `id` may run sessions: a trainer, coordinator or admin of the organisation, not
/// disabled. The one place the choice of trainer is checked, for forms and the API alike.
pub(super) async fn check_trainer(
    db: &impl ConnectionTrait,
    staff: &Staff,
    id: i32,
) -> Result<i32, AppError> {
    let trainer = auth::repo::staff_of(db, staff.organisation_id())
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| AppError::invalid("trainer_id", format!("there is no staff member with id {id}")))?;
    if !trainer.role.allows(Action::Train) || !trainer.active {
        return Err(AppError::invalid(
            "trainer_id",
            format!("{} cannot run training sessions", trainer.name),
        ));
    }
    Ok(trainer.id)
}

/// Who can be chosen to run a session: `(id, name)` of the organisation's active trainers,
/// coordinators and admins, by name.
pub async fn trainers(db: &impl ConnectionTrait, staff: &Staff) -> Result<Vec<(i32, String)>, AppError> {
    staff.require(Action::ViewTraining)?;
    let mut trainers: Vec<(i32, String)> = auth::repo::staff_of(db, staff.organisation_id())
        .await?
        .into_iter()
        .filter(|s| s.active && s.role.allows(Action::Train))
        .map(|s| (s.id, s.name))
        .collect();
    trainers.sort_by_key(|t| t.1.to_lowercase());
    Ok(trainers)
}

/// Changes a session: the trainer who runs it, or coordinators and admins; only they choose its
/// trainer. Places cannot drop below the learners already enrolled.
pub async fn update_session(
    db: &Db,
    staff: &Staff,
    id: i32,
    patch: &SessionPatch,
    now: DateTime<Utc>,
) -> Result<SessionView, AppError> {
    staff.require(Action::Train)?;
    let starts_at = patch
        .starts_at
        .as_deref()
        .map(|t| parse_starts_at("starts_at", Some(t)))
        .transpose()?;
    let duration = patch
        .duration_minutes
        .map(|m| parse_duration("duration_minutes", Some(m)))
        .transpose()?;
    let capacity = patch
        .capacity
        .map(|c| parse_capacity("capacity", Some(c)))
        .transpose()?;
    let meeting_url = patch
        .meeting_url
        .as_ref()
        .map(|url| parse_meeting_url("meeting_url", url.as_deref()))
        .transpose()?;
    let notes = patch
        .notes
        .as_ref()
        .map(|n| crate::validate::optional_text("notes", "the notes", n.as_deref(), 2000))
        .transpose()?;
    if let Some(Some(hub_id)) = patch.hub_id {
        check_hub(&db.read, staff, hub_id).await?;
    }
    let trainer_id = match patch.trainer_id {
        None => None,
        Some(choice) => {
            staff.require(Action::ManageTraining)?;
            Some(match choice {
                Some(id) => Some(check_trainer(&db.read, staff, id).await?),
                None => None,
            })
        }
    };
    let tx = db::begin_write(db).await?;
    let session = repo::lock_session(&tx, staff.organisation_id(), id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no session with id {id}")))?;
    can_run(staff, &session)?;
    not_cancelled(&session)?;
    let enrolled = repo::enrolled(&tx, id).await?;
    if let Some(capacity) = capacity
        && u64::try_from(capacity).unwrap_or_default() < enrolled
    {
        return Err(AppError::invalid(
            "capacity",
            format!(
                "{} already enrolled: give at least {enrolled} places, or take learners off first",
                crate::words::count(enrolled, "learner is", "learners are")
            ),
        ));
    }
    let hub_id = patch.hub_id.unwrap_or(session.hub_id);
    let url = meeting_url.clone().unwrap_or_else(|| session.meeting_url.clone());
    if hub_id.is_none() && url.is_none() {
        return Err(AppError::invalid(
            "hub_id",
            "choose the hub it is held at, or give a meeting link for an online session",
        ));
    }
    let mut row = session.clone().into_active_model();
    if let Some(starts_at) = starts_at {
        row.starts_at = Set(starts_at);
    }
    if let Some(duration) = duration {
        row.duration_minutes = Set(duration);
    }
    if let Some(capacity) = capacity {
        row.capacity = Set(capacity);
    }
    if patch.hub_id.is_some() {
        row.hub_id = Set(hub_id);
    }
    if let Some(url) = meeting_url {
        row.meeting_url = Set(url);
    }
    if let Some(trainer_id) = trainer_id {
        row.trainer_id = Set(trainer_id);
    }
    if let Some(notes) = notes {
        row.notes = Set(notes);
    }
    let row = repo::update_session(&tx, row).await?;
    record(
        &tx,
        staff,
        EntityRef::Organisation(staff.organisation_id()),
        AuditAction::SessionChanged,
        json!({
            "session_id": id,
            "starts_at": (row.starts_at != session.starts_at).then_some(row.starts_at),
            "duration_minutes": (row.duration_minutes != session.duration_minutes).then_some(row.duration_minutes),
            "capacity": (row.capacity != session.capacity).then_some(row.capacity),
            "hub_id": (row.hub_id != session.hub_id).then_some(row.hub_id),
            "trainer_id": (row.trainer_id != session.trainer_id).then_some(row.trainer_id),
        }),
        now,
    )
    .await?;
    tx.commit().await?;
    let names = Names::load(&db.read, staff.organisation_id()).await?;
    Ok(names.view(row, enrolled))
}

/// `POST /training/sessions/{id}/cancel`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CancelRequest {
    /// Why, in a sentence the learners are told: "The trainer is ill."
    pub reason: Option<String>,
}

/// A cancelled session and how its learners are being told.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Cancelled {
    pub session: SessionView,
    pub told: Told,
}

#[derive(Template)]
#[template(path = "emails/session_cancelled.txt")]
struct CancelText<'a> {
    name: &'a str,
    course: &'a str,
    when: &'a str,
    place: &'a str,
    reason: Option<&'a str>,
    ask: Option<&'a str>,
    organisation: &'a str,
}

#[derive(Template)]
#[template(path = "emails/session_cancelled.html")]
struct CancelHtml<'a> {
    subject: &'a str,
    m: &'a CancelText<'a>,
}

/// Cancels a session that has not started: it stays listed, marked cancelled, takes no more
/// learners or marks, and each learner is told once, by email, a call or a letter.
pub async fn cancel_session(
    db: &Db,
    staff: &Staff,
    id: i32,
    request: &CancelRequest,
    now: DateTime<Utc>,
) -> Result<Cancelled, AppError> {
    staff.require(Action::Train)?;
    let reason = crate::validate::optional_text("reason", "the reason", request.reason.as_deref(), 500)?;
    let names = Names::load(&db.read, staff.organisation_id()).await?;
    let organisation = crate::organisations::repo::find(&db.read, staff.organisation_id())
        .await?
        .ok_or_else(|| AppError::Internal("the staff member's organisation is missing".into()))?;
    let tx = db::begin_write(db).await?;
    let session = repo::lock_session(&tx, staff.organisation_id(), id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no session with id {id}")))?;
    can_run(staff, &session)?;
    not_cancelled(&session)?;
    if session.starts_at <= now {
        return Err(AppError::Conflict {
            code: "session_started",
            message: "this session has already started: take the register instead (mark who did not come as absent or excused)".into(),
        });
    }
    let hub = match session.hub_id {
        Some(hub_id) => hubs::repo::find(&tx, hub_id).await?,
        None => None,
    };
    let enrolments = repo::enrolments(&tx, id).await?;
    let ids: Vec<i32> = enrolments.iter().map(|e| e.borrower_id).collect();
    let learners = people::repo::find_many(&tx, staff.organisation_id(), &ids).await?;
    let enrolled = enrolments.len() as u64;
    let view = names.view(session.clone(), enrolled);
    let when = view.when();
    let place = view.place();
    let phone = hub
        .as_ref()
        .and_then(|h| h.phone.clone())
        .or_else(|| organisation.phone.clone());
    let ask = phone.map(|p| format!("call us on {p}"));
    let subject = format!(
        "Your {} session on {} is cancelled",
        view.course_title,
        session
            .starts_at
            .with_timezone(&chrono_tz::Europe::London)
            .format("%A %-d %B")
    );
    let mut notices = Vec::with_capacity(learners.len());
    for learner in &learners {
        let text = CancelText {
            name: &learner.name,
            course: &view.course_title,
            when: &when,
            place: &place,
            reason: reason.as_deref(),
            ask: ask.as_deref(),
            organisation: &organisation.name,
        };
        let html = CancelHtml {
            subject: &subject,
            m: &text,
        }
        .render()
        .map_err(AppError::internal)?;
        notices.push(Notice {
            organisation_id: staff.organisation_id(),
            hub_id: session.hub_id,
            borrower_id: learner.id,
            session_id: Some(id),
            kind: ReminderKind::SessionCancelled,
            dedupe_key: format!("session_cancelled:{id}:{}", learner.id),
            email: learner.email.clone(),
            phone: learner.phone.clone(),
            address: learner.address.clone(),
            prefers_phone: learner.prefers_phone,
            subject: subject.clone(),
            text: text.render().map_err(AppError::internal)?,
            html,
        });
    }
    let told = notify(&tx, notices, now).await?;
    let mut row = session.into_active_model();
    row.cancelled_at = Set(Some(now));
    row.cancelled_by = Set(Some(staff.id()));
    row.cancel_reason = Set(reason.clone());
    let row = repo::update_session(&tx, row).await?;
    record(
        &tx,
        staff,
        EntityRef::Organisation(staff.organisation_id()),
        AuditAction::SessionCancelled,
        json!({"session_id": id, "learners": enrolled, "told": told}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Cancelled {
        session: names.view(row, enrolled),
        told,
    })
}

/// Takes a learner off a session (enrolled by mistake, or no longer coming), which frees their
/// place. One already marked in the register keeps their record: change the mark instead.
pub async fn unenrol(
    db: &Db,
    staff: &Staff,
    session_id: i32,
    borrower_id: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    staff.require(Action::ViewTraining)?;
    let tx = db::begin_write(db).await?;
    let session = repo::lock_session(&tx, staff.organisation_id(), session_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no session with id {session_id}")))?;
    if !staff.role().allows(Action::Lend) {
        can_run(staff, &session)?;
    }
    not_cancelled(&session)?;
    let enrolment = repo::enrolment(&tx, session_id, borrower_id)
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!("borrower {borrower_id} is not enrolled in this session"))
        })?;
    if let Some(mark) = enrolment.attendance {
        return Err(AppError::Conflict {
            code: "attendance_recorded",
            message: format!(
                "they are marked {} in this session's register: change the mark instead",
                mark.label().to_lowercase()
            ),
        });
    }
    repo::delete_enrolment(&tx, enrolment.id).await?;
    record(
        &tx,
        staff,
        EntityRef::Borrower(borrower_id),
        AuditAction::Unenrolled,
        json!({"session_id": session_id}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
