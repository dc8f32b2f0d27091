use sea_orm::entity::prelude::*;

/// A partner's service in the signposting directory.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "directory_services")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Its id in the Open Referral feed.
    #[sea_orm(unique)]
    pub uuid: String,
    /// The organisation that lists it (and alone may change it).
    pub organisation_id: i32,
    pub name: String,
    /// The name lower-cased: one service a name.
    #[sea_orm(unique)]
    pub name_key: String,
    pub description: Option<String>,
    /// Who runs it, as people know them.
    pub provider: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub url: Option<String>,
    pub referral_notes: Option<String>,
    pub opening_times: Option<String>,
    /// Name, provider and description, lower-cased, for the search.
    pub search_text: Option<String>,
    pub created_by: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
