use sea_orm::entity::prelude::*;

/// A partner organisation's link for referring people without an account. Only the key's SHA-256
/// is kept; the link is shown once, when it is made.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_links")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    #[sea_orm(unique)]
    pub key_hash: String,
    /// The organisation that refers through it: "Jobcentre Plus, Maidstone".
    pub referrer_organisation: String,
    /// Who it was made for, and where the link was sent.
    pub name: Option<String>,
    pub email: Option<String>,
    pub created_by: i32,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
