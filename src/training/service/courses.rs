//! Courses, and the course a loan is linked to.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, SqlErr};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::AuditAction;
use crate::training::{
    model::{SkillsArea, parse_areas},
    repo,
};
use crate::validate::optional_text;
use crate::{
    audit::{EntityRef, record},
    auth::{Action, Staff},
    db::{self, Db},
    entities::course,
    error::AppError,
    loans,
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
            skills_areas: row.skills_areas.into_inner(),
        }
    }
}

/// `POST /training/courses`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CourseRequest {
    #[schema(value_type = String, required = true, format = "line", min_length = 1, max_length = 120)]
    pub title: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// One Essential Digital Skills area: `communicating`, `handling_information`,
    /// `transacting`, `problem_solving` or `being_safe`.
    #[schema(value_type = Option<crate::training::model::SkillsArea>)]
    pub skills_area: Option<String>,
    /// Several areas.
    #[schema(value_type = Option<Vec<crate::training::model::SkillsArea>>)]
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
            organisation_id: Set(staff.organisation_id()),
            title: Set(title.clone()),
            description: Set(description),
            skills_areas: Set(areas.into()),
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
        EntityRef::Organisation(staff.organisation_id()),
        AuditAction::CourseAdded,
        json!({"course_id": row.id, "title": title}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row.into())
}

pub async fn courses(db: &impl ConnectionTrait, staff: &Staff) -> Result<Vec<CourseView>, AppError> {
    staff.require(Action::ViewTraining)?;
    Ok(repo::courses(db, staff.organisation_id())
        .await?
        .into_iter()
        .map(CourseView::from)
        .collect())
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
    loans::service::find_loan(&db.read, &staff.scope(Action::Lend)?, loan_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no loan with id {loan_id}")))?;
    let course = match request.course_id {
        Some(id) => Some(
            repo::course(&db.read, staff.organisation_id(), id)
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
        AuditAction::CourseLinked,
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
        Some(id) => Ok(repo::course(db, staff.organisation_id(), id)
            .await?
            .map(CourseView::from)),
    }
}
