use sea_orm::entity::prelude::*;

/// A device given to a borrower for good: directly, or a loan that became a gift (`loan_id`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "gifts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    pub hub_id: i32,
    #[sea_orm(unique)]
    pub device_id: i32,
    pub borrower_id: i32,
    #[sea_orm(unique)]
    pub loan_id: Option<i32>,
    /// Why it was given (free text, forgotten with the person).
    pub reason: Option<String>,
    pub given_by: i32,
    pub given_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
