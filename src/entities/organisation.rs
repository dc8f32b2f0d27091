use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub asset_prefix: String,
    pub next_asset_number: i32,
    pub phone: Option<String>,
    pub email: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub address: Option<String>,
    /// The scheme's eligibility questions (JSON); none for the defaults.
    pub eligibility: Option<String>,
    /// landlord, charity, training_partner, council or other.
    pub kind: String,
    /// Its hubs' lending is a service of the public Open Referral feed.
    pub publish_lending: bool,
    /// Its training sessions open to book are services of the public Open Referral feed.
    pub publish_training: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
