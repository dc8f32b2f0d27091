use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loan_extensions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub loan_id: i32,
    pub from_due_on: Date,
    pub to_due_on: Date,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub extended_by: Option<i32>,
    pub extended_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
