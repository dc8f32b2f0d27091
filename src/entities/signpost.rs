use sea_orm::entity::prelude::*;

/// A borrower pointed to a directory service: when, by whom, and whether they agreed to their
/// details being passed on.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signposts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    pub borrower_id: i32,
    pub service_id: i32,
    pub notes: Option<String>,
    pub consent: bool,
    pub made_by: i32,
    pub made_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
