use sea_orm::entity::prelude::*;

use crate::devices::model::Condition;

/// The checks recorded before a returned device is lent again.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "device_checks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub device_id: i32,
    pub loan_id: Option<i32>,
    pub wiped: bool,
    pub wipe_method: String,
    pub complete: bool,
    pub condition: Condition,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    pub checked_by: Option<i32>,
    pub checked_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
