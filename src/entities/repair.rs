use sea_orm::entity::prelude::*;

use crate::loans::model::RepairOutcome;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "repairs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    pub device_id: i32,
    #[sea_orm(column_type = "Text")]
    pub fault: String,
    pub repairer: Option<String>,
    pub opened_by: Option<i32>,
    pub opened_at: DateTimeUtc,
    pub outcome: Option<RepairOutcome>,
    pub cost_pence: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    pub closed_by: Option<i32>,
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
