//! Cancelling a session that has not started, which tells each learner as their contact details
//! allow (email, the call list, a letter). A cancelled session stays on the record, marked so.

use askama::Template;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, IntoActiveModel};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Names, SessionView, can_run, not_cancelled};
use crate::audit::AuditAction;
use crate::reminders::{
    model::ReminderKind,
    service::{Notice, Told, notify},
};
use crate::training::repo;
use crate::{
    audit::{EntityRef, record},
    auth::{Action, Staff},
    db::{self, Db},
    error::AppError,
    hubs, people,
};

/// `POST /training/sessions/{id}/cancel`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CancelRequest {
    /// Why, in a sentence the learners are told: "The trainer is ill."
    #[schema(max_length = 500)]
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
    let organisation = crate::organisations::service::find(&db.read, staff.organisation_id())
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
        Some(hub_id) => hubs::service::find_row(&tx, hub_id).await?,
        None => None,
    };
    let enrolments = repo::enrolments(&tx, id).await?;
    let ids: Vec<i32> = enrolments.iter().map(|e| e.borrower_id).collect();
    let learners = people::service::find_many(&tx, staff.organisation_id(), &ids).await?;
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
            consents: people::service::consents_of(learner),
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
