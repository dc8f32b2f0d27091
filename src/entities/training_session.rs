use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "training_sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    pub course_id: i32,
    pub trainer_id: Option<i32>,
    pub hub_id: Option<i32>,
    pub meeting_url: Option<String>,
    pub starts_at: DateTimeUtc,
    pub duration_minutes: i32,
    pub capacity: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    pub created_at: DateTimeUtc,
    /// When it was called off; a cancelled session stays on the record, marked so.
    pub cancelled_at: Option<DateTimeUtc>,
    pub cancelled_by: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub cancel_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
