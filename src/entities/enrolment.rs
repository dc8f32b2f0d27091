use sea_orm::entity::prelude::*;

use crate::training::model::Attendance;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enrolments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub session_id: i32,
    pub borrower_id: i32,
    pub enrolled_by: Option<i32>,
    pub enrolled_at: DateTimeUtc,
    pub attendance: Option<Attendance>,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    pub recorded_by: Option<i32>,
    pub recorded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
