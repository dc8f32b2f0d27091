use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stocktake_scans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub stocktake_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub device_id: i32,
    pub scanned_by: Option<i32>,
    pub scanned_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
