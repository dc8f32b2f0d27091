//! Rows for skills scores: one per learner, area and session, recorded or corrected, and read by
//! learner (with when each was given) or by session.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, JoinType, QueryFilter, QuerySelect,
    sea_query::OnConflict,
};

use crate::entities::{
    skills_score::{self, Entity as SkillsScore},
    training_session::{self, Entity as TrainingSession},
};
use crate::training::model::SkillsArea;

/// Records (or corrects) a learner's score in one area at one session.
pub async fn upsert_score(
    db: &impl ConnectionTrait,
    session_id: i32,
    borrower_id: i32,
    area: SkillsArea,
    score: i32,
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    SkillsScore::insert(skills_score::ActiveModel {
        session_id: Set(session_id),
        borrower_id: Set(borrower_id),
        area: Set(area),
        score: Set(score),
        recorded_by: Set(Some(staff_id)),
        recorded_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            skills_score::Column::SessionId,
            skills_score::Column::BorrowerId,
            skills_score::Column::Area,
        ])
        .update_columns([
            skills_score::Column::Score,
            skills_score::Column::RecordedBy,
            skills_score::Column::RecordedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// A learner's scores with the start of the session each was given at.
/// A learner's scores at the sessions of `organisation_id` (their own organisation's, or a
/// partner's under an agreement), with when each session started.
pub async fn scores_of_borrower(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    borrower_id: i32,
) -> Result<Vec<(SkillsArea, DateTime<Utc>, i32)>, DbErr> {
    SkillsScore::find()
        .select_only()
        .column(skills_score::Column::Area)
        .column(training_session::Column::StartsAt)
        .column(skills_score::Column::Score)
        .join(
            JoinType::InnerJoin,
            SkillsScore::belongs_to(TrainingSession)
                .from(skills_score::Column::SessionId)
                .to(training_session::Column::Id)
                .into(),
        )
        .filter(skills_score::Column::BorrowerId.eq(borrower_id))
        .filter(training_session::Column::OrganisationId.eq(organisation_id))
        .into_tuple()
        .all(db)
        .await
}

pub async fn scores_of_session(
    db: &impl ConnectionTrait,
    session_id: i32,
) -> Result<Vec<skills_score::Model>, DbErr> {
    SkillsScore::find()
        .filter(skills_score::Column::SessionId.eq(session_id))
        .all(db)
        .await
}
