use sea_orm::entity::prelude::*;

/// One consent given or withdrawn, for one purpose; only ever added.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub borrower_id: i32,
    /// A `people::model::Purpose`.
    pub purpose: String,
    pub given: bool,
    pub at: DateTimeUtc,
    /// Who recorded it; none when the upgrade to consent per purpose set it.
    pub staff_id: Option<i32>,
    /// A `people::model::How`, when recorded.
    pub how: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
