//! Rows for courses, sessions, the devices used in them, enrolments (with attendance), skills
//! scores and trainers' calendar feeds.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{OnConflict, Query},
};

use super::model::{Attendance, SkillsArea};
use crate::entities::{
    calendar_feed::{self, Entity as CalendarFeed},
    course::{self, Entity as Course},
    device::{self, Entity as Device},
    enrolment::{self, Entity as Enrolment},
    loan::{self, Entity as Loan},
    session_device::{self, Entity as SessionDevice},
    skills_score::{self, Entity as SkillsScore},
    training_session::{self, Entity as TrainingSession},
};

pub async fn insert_course(
    db: &impl ConnectionTrait,
    row: course::ActiveModel,
) -> Result<course::Model, DbErr> {
    row.insert(db).await
}

pub async fn courses(db: &impl ConnectionTrait, organisation_id: i32) -> Result<Vec<course::Model>, DbErr> {
    Course::find()
        .filter(course::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(course::Column::Title)
        .all(db)
        .await
}

pub async fn course(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
) -> Result<Option<course::Model>, DbErr> {
    Course::find_by_id(id)
        .filter(course::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await
}

pub async fn insert_session(
    db: &impl ConnectionTrait,
    row: training_session::ActiveModel,
) -> Result<training_session::Model, DbErr> {
    row.insert(db).await
}

pub async fn update_session(
    db: &impl ConnectionTrait,
    row: training_session::ActiveModel,
) -> Result<training_session::Model, DbErr> {
    row.update(db).await
}

pub async fn session(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
) -> Result<Option<training_session::Model>, DbErr> {
    TrainingSession::find_by_id(id)
        .filter(training_session::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await
}

/// The session, locked until the transaction ends on PostgreSQL (SQLite's single writer already
/// serialises), so enrolments against its capacity are counted one at a time.
pub async fn lock_session(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
) -> Result<Option<training_session::Model>, DbErr> {
    TrainingSession::find_by_id(id)
        .filter(training_session::Column::OrganisationId.eq(organisation_id))
        .lock_exclusive()
        .one(db)
        .await
}

/// Sessions starting in `[from, to)`, optionally at one hub or with one trainer, earliest first.
pub async fn sessions(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    hub_id: Option<i32>,
    trainer_id: Option<i32>,
) -> Result<Vec<training_session::Model>, DbErr> {
    let mut query = TrainingSession::find()
        .filter(training_session::Column::OrganisationId.eq(organisation_id))
        .filter(training_session::Column::StartsAt.gte(from))
        .filter(training_session::Column::StartsAt.lt(to));
    if let Some(hub_id) = hub_id {
        query = query.filter(training_session::Column::HubId.eq(hub_id));
    }
    if let Some(trainer_id) = trainer_id {
        query = query.filter(training_session::Column::TrainerId.eq(trainer_id));
    }
    query
        .order_by_asc(training_session::Column::StartsAt)
        .order_by_asc(training_session::Column::Id)
        .limit(500)
        .all(db)
        .await
}

pub async fn add_devices(
    db: &impl ConnectionTrait,
    session_id: i32,
    device_ids: &[i32],
) -> Result<(), DbErr> {
    if device_ids.is_empty() {
        return Ok(());
    }
    let rows = device_ids.iter().map(|&device_id| session_device::ActiveModel {
        session_id: Set(session_id),
        device_id: Set(device_id),
    });
    SessionDevice::insert_many(rows)
        .on_conflict_do_nothing()
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The asset tags of the devices used in a session.
pub async fn session_devices(db: &impl ConnectionTrait, session_id: i32) -> Result<Vec<String>, DbErr> {
    Device::find()
        .select_only()
        .column(device::Column::AssetTag)
        .join_rev(
            JoinType::InnerJoin,
            SessionDevice::belongs_to(Device)
                .from(session_device::Column::DeviceId)
                .to(device::Column::Id)
                .into(),
        )
        .filter(session_device::Column::SessionId.eq(session_id))
        .order_by_asc(device::Column::AssetTag)
        .into_tuple()
        .all(db)
        .await
}

/// The ids of the sessions a device was used in.
pub async fn sessions_of_device(db: &impl ConnectionTrait, device_id: i32) -> Result<Vec<i32>, DbErr> {
    SessionDevice::find()
        .select_only()
        .column(session_device::Column::SessionId)
        .filter(session_device::Column::DeviceId.eq(device_id))
        .into_tuple()
        .all(db)
        .await
}

pub async fn sessions_by_ids(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    ids: Vec<i32>,
) -> Result<Vec<training_session::Model>, DbErr> {
    TrainingSession::find()
        .filter(training_session::Column::OrganisationId.eq(organisation_id))
        .filter(training_session::Column::Id.is_in(ids))
        .order_by_desc(training_session::Column::StartsAt)
        .all(db)
        .await
}

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
pub async fn scores_of_borrower(
    db: &impl ConnectionTrait,
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

pub async fn set_loan_course(
    db: &impl ConnectionTrait,
    loan_id: i32,
    course_id: Option<i32>,
) -> Result<(), DbErr> {
    Loan::update_many()
        .col_expr(loan::Column::CourseId, course_id.into())
        .filter(loan::Column::Id.eq(loan_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Replaces a trainer's calendar feed secret (by its hash).
pub async fn set_feed(
    db: &impl ConnectionTrait,
    staff_id: i32,
    token_hash: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    CalendarFeed::insert(calendar_feed::ActiveModel {
        staff_id: Set(staff_id),
        token_hash: Set(token_hash),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(calendar_feed::Column::StaffId)
            .update_columns([calendar_feed::Column::TokenHash, calendar_feed::Column::CreatedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn feed_owner(db: &impl ConnectionTrait, token_hash: &str) -> Result<Option<i32>, DbErr> {
    Ok(CalendarFeed::find()
        .filter(calendar_feed::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?
        .map(|f| f.staff_id))
}

/// Up to `limit` of the organisation's sessions with ids above `after`, by id: one batch of an
/// export.
pub async fn sessions_after(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    after: i32,
    limit: u64,
) -> Result<Vec<training_session::Model>, DbErr> {
    TrainingSession::find()
        .filter(training_session::Column::OrganisationId.eq(organisation_id))
        .filter(training_session::Column::Id.gt(after))
        .order_by_asc(training_session::Column::Id)
        .limit(limit)
        .all(db)
        .await
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
