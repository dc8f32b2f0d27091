//! Rows for courses, and the course a loan is linked to.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::entities::{
    course::{self, Entity as Course},
    loan::{self, Entity as Loan},
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
