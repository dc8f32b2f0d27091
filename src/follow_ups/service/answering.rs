//! Answering: the person through the emailed link (no account; answered once, for 60 days;
//! after that it says thank you), or staff on the phone from the call list.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::json;

use super::{FollowUpView, view};
use crate::follow_ups::{
    model::{Answers, FollowUpStatus, HowOften, parse_confidence, parse_helped},
    repo,
};
use crate::{
    audit::{self, Actor, AuditAction, EntityRef, NewEvent},
    auth::{Action, Staff, service::hash_secret},
    db::{self, Db},
    devices::model::DeviceKind,
    entities::follow_up,
    error::{AppError, FieldError},
};

/// How long an emailed link may be answered.
pub const LINK_DAYS: i64 = 60;

/// `POST /follow-ups/{id}/answers`, and the questionnaire's form.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswersRequest {
    /// Are they still using it?
    #[schema(value_type = bool, required = true)]
    pub still_using: Option<bool>,
    #[schema(value_type = Option<HowOften>)]
    pub how_often: Option<String>,
    /// What it has helped with.
    #[schema(value_type = Option<Vec<crate::follow_ups::model::Helped>>, max_items = 6)]
    pub helped_with: Option<Vec<String>>,
    /// How confident they feel online now: 1 (not at all) to 5 (very).
    #[schema(minimum = 1, maximum = 5)]
    pub confidence: Option<i32>,
    /// How confident they felt before they had it: 1 to 5.
    #[schema(minimum = 1, maximum = 5)]
    pub confidence_before: Option<i32>,
}

impl AnswersRequest {
    /// The answers, or every problem, each naming its field.
    ///
    /// # Errors
    /// The fields that are wrong.
    pub fn parse(&self) -> Result<Answers, Vec<FieldError>> {
        let mut errors = Vec::new();
        let still_using = self.still_using.unwrap_or_else(|| {
            errors.push(FieldError::new("still_using", "say whether you still use it"));
            false
        });
        let how_often = match self.how_often.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(text) => HowOften::parse(text).map_err(|e| errors.push(e)).ok(),
        };
        let helped_with = parse_helped(self.helped_with.as_deref().unwrap_or_default())
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        let confidence = parse_confidence("confidence", self.confidence)
            .map_err(|e| errors.push(e))
            .unwrap_or(None);
        let confidence_before = parse_confidence("confidence_before", self.confidence_before)
            .map_err(|e| errors.push(e))
            .unwrap_or(None);
        if errors.is_empty() {
            Ok(Answers {
                still_using,
                how_often,
                helped_with,
                confidence,
                confidence_before,
            })
        } else {
            Err(errors)
        }
    }
}

fn invalid(mut errors: Vec<FieldError>) -> AppError {
    AppError::Invalid(errors.remove(0))
}

/// What the questionnaire may say about itself: nothing about the person.
#[derive(Debug, Clone)]
pub struct Questionnaire {
    pub organisation: String,
    pub device: DeviceKind,
    pub answered: bool,
}

fn expired() -> AppError {
    AppError::NotFound(format!(
        "this link is not one we sent, or it is more than {LINK_DAYS} days old: if you would like to tell us how it has gone, please ring us"
    ))
}

async fn by_key(db: &Db, key: &str, now: DateTime<Utc>) -> Result<follow_up::Model, AppError> {
    repo::by_key(&db.read, &hash_secret(key))
        .await?
        .filter(|row| row.created_at + Duration::days(LINK_DAYS) > now)
        .ok_or_else(expired)
}

/// The questionnaire behind `key`.
pub async fn questionnaire(db: &Db, key: &str, now: DateTime<Utc>) -> Result<Questionnaire, AppError> {
    let row = by_key(db, key, now).await?;
    let organisation = crate::organisations::service::find(&db.read, row.organisation_id)
        .await?
        .map_or_else(|| "us".to_owned(), |o| o.name);
    let device = repo::device_kind(&db.read, &row)
        .await?
        .unwrap_or(DeviceKind::Laptop);
    Ok(Questionnaire {
        organisation,
        device,
        answered: row.status == FollowUpStatus::Answered,
    })
}

/// The person's own answers, through the link.
pub async fn answer_by_key(
    db: &Db,
    key: &str,
    request: &AnswersRequest,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let answers = request.parse().map_err(invalid)?;
    let row = by_key(db, key, now).await?;
    let tx = db::begin_write(db).await?;
    if !repo::save_answers(&tx, row.id, &answers, None, now).await? {
        return Err(already(&row));
    }
    audit::insert(
        &tx,
        NewEvent {
            organisation_id: row.organisation_id,
            at: now,
            actor: Actor::System("follow-up link"),
            entity: EntityRef::Borrower(row.borrower_id),
            action: AuditAction::FollowUpAnswered,
            details: json!({"follow_up_id": row.id}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn already(row: &follow_up::Model) -> AppError {
    AppError::Conflict {
        code: "already_answered",
        message: match row.status {
            FollowUpStatus::NotAsked => {
                "they were not asked: they did not agree to be, or we have no way to ask".into()
            }
            _ => "these questions have been answered already".into(),
        },
    }
}

/// Answers taken by staff on the phone: the call leaves the list.
pub async fn answer_by_staff(
    db: &Db,
    staff: &Staff,
    id: i32,
    request: &AnswersRequest,
    now: DateTime<Utc>,
) -> Result<FollowUpView, AppError> {
    let scope = staff.scope(Action::Lend)?;
    let answers = request.parse().map_err(invalid)?;
    let tx = db::begin_write(db).await?;
    let row = repo::find(&tx, &scope, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no follow-up with id {id}")))?;
    if !repo::save_answers(&tx, id, &answers, Some(staff.id()), now).await? {
        return Err(already(&row));
    }
    crate::reminders::service::close_follow_up_call(&tx, id, staff.id(), now).await?;
    audit::record(
        &tx,
        staff,
        EntityRef::Borrower(row.borrower_id),
        AuditAction::FollowUpAnswered,
        json!({"follow_up_id": id}),
        now,
    )
    .await?;
    tx.commit().await?;
    let row = repo::find(&db.read, &scope, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no follow-up with id {id}")))?;
    view(&db.read, row).await
}
