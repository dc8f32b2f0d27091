use sea_orm::entity::prelude::*;

/// Where a directory service is found.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "directory_locations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub service_id: i32,
    pub name: String,
    pub address: Option<String>,
    pub postcode: Option<String>,
    /// Name and address lower-cased, for the search by place.
    pub place_text: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
