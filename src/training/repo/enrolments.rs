//! Rows for enrolments: counted per session, added and taken off, a learner's attendance marked,
//! and read by id for the attendance export.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Query,
};

use crate::entities::{
    enrolment::{self, Entity as Enrolment},
    training_session::{self, Entity as TrainingSession},
};
use crate::training::model::Attendance;

pub async fn enrolled(db: &impl ConnectionTrait, session_id: i32) -> Result<u64, DbErr> {
    Enrolment::find()
        .filter(enrolment::Column::SessionId.eq(session_id))
        .count(db)
        .await
}

/// How many learners are enrolled in each of `session_ids`, in one query.
pub async fn enrolled_counts(
    db: &impl ConnectionTrait,
    session_ids: Vec<i32>,
) -> Result<std::collections::HashMap<i32, u64>, DbErr> {
    let counts: Vec<(i32, i64)> = Enrolment::find()
        .select_only()
        .column(enrolment::Column::SessionId)
        .column_as(enrolment::Column::Id.count(), "enrolled")
        .filter(enrolment::Column::SessionId.is_in(session_ids))
        .group_by(enrolment::Column::SessionId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts.into_iter().map(|(id, n)| (id, n.unsigned_abs())).collect())
}

pub async fn insert_enrolment(
    db: &impl ConnectionTrait,
    row: enrolment::ActiveModel,
) -> Result<enrolment::Model, DbErr> {
    row.insert(db).await
}

pub async fn enrolments(db: &impl ConnectionTrait, session_id: i32) -> Result<Vec<enrolment::Model>, DbErr> {
    Enrolment::find()
        .filter(enrolment::Column::SessionId.eq(session_id))
        .order_by_asc(enrolment::Column::Id)
        .all(db)
        .await
}

/// One learner's enrolment in a session.
pub async fn enrolment(
    db: &impl ConnectionTrait,
    session_id: i32,
    borrower_id: i32,
) -> Result<Option<enrolment::Model>, DbErr> {
    Enrolment::find()
        .filter(enrolment::Column::SessionId.eq(session_id))
        .filter(enrolment::Column::BorrowerId.eq(borrower_id))
        .one(db)
        .await
}

pub async fn delete_enrolment(db: &impl ConnectionTrait, id: i32) -> Result<(), DbErr> {
    Enrolment::delete_by_id(id).exec(db).await?;
    Ok(())
}

pub async fn enrolments_of_borrower(
    db: &impl ConnectionTrait,
    borrower_id: i32,
) -> Result<Vec<enrolment::Model>, DbErr> {
    Enrolment::find()
        .filter(enrolment::Column::BorrowerId.eq(borrower_id))
        .all(db)
        .await
}

/// Whether `borrower_id` is enrolled in a session that `trainer_id` runs.
pub async fn is_learner_of(
    db: &impl ConnectionTrait,
    trainer_id: i32,
    borrower_id: i32,
) -> Result<bool, DbErr> {
    let sessions = Query::select()
        .column(training_session::Column::Id)
        .from(training_session::Entity)
        .and_where(training_session::Column::TrainerId.eq(trainer_id))
        .to_owned();
    let count = Enrolment::find()
        .filter(enrolment::Column::BorrowerId.eq(borrower_id))
        .filter(enrolment::Column::SessionId.in_subquery(sessions))
        .count(db)
        .await?;
    Ok(count > 0)
}

/// Marks a learner's attendance; false when they are not enrolled.
pub async fn mark(
    db: &impl ConnectionTrait,
    session_id: i32,
    borrower_id: i32,
    attendance: Attendance,
    notes: Option<String>,
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = Enrolment::update_many()
        .col_expr(enrolment::Column::Attendance, Some(attendance.as_str()).into())
        .col_expr(enrolment::Column::Notes, notes.into())
        .col_expr(enrolment::Column::RecordedBy, Some(staff_id).into())
        .col_expr(enrolment::Column::RecordedAt, Some(now).into())
        .filter(enrolment::Column::SessionId.eq(session_id))
        .filter(enrolment::Column::BorrowerId.eq(borrower_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Up to `limit` enrolments in the organisation's sessions with ids above `after`, by id: one
/// batch of the attendance export.
pub async fn enrolments_after(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    after: i32,
    limit: u64,
) -> Result<Vec<enrolment::Model>, DbErr> {
    Enrolment::find()
        .filter(
            enrolment::Column::SessionId.in_subquery(
                Query::select()
                    .column(training_session::Column::Id)
                    .from(TrainingSession)
                    .and_where(training_session::Column::OrganisationId.eq(organisation_id))
                    .to_owned(),
            ),
        )
        .filter(enrolment::Column::Id.gt(after))
        .order_by_asc(enrolment::Column::Id)
        .limit(limit)
        .all(db)
        .await
}
