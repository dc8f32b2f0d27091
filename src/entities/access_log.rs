use sea_orm::entity::prelude::*;

/// One look at a borrower's record, agreement or export, by a staff member.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    pub borrower_id: i32,
    pub staff_id: i32,
    /// A `people::model::Looked`.
    pub what: String,
    pub at: DateTimeUtc,
    /// The sharing agreement a look at another organisation's person was made under.
    pub agreement_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
