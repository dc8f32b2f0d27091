use sea_orm::entity::prelude::*;

/// One sign-in attempt, written before the password is checked and removed when it succeeds;
/// kept for the throttling window, then purged.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_failures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub email: String,
    pub at: DateTimeUtc,
    /// The address the attempt came from (`None` for rows from before it was recorded).
    pub address: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
