//! Running sessions over a term: changing a session's time, length, places, place or trainer,
//! and taking a learner off it (a cancelled session refuses both); who may be a trainer.
//! Cancelling is in `cancelling.rs`.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, IntoActiveModel};
use serde::{Deserialize, Deserializer};
use serde_json::json;

use super::{Names, SessionView, can_run};
use crate::audit::AuditAction;
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
    hubs,
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
    match hubs::service::find_row(db, hub_id).await? {
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
    let trainer = auth::service::staff_of(db, staff.organisation_id())
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
    let mut trainers: Vec<(i32, String)> = auth::service::staff_of(db, staff.organisation_id())
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
