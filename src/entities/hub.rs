use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hubs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    pub name: String,
    pub address: Option<String>,
    /// Told to borrowers in reminders, e.g. "Monday to Friday, 10am to 4pm".
    pub opening_hours: Option<String>,
    /// Where borrowers (and anyone who finds a device) can ring the hub.
    pub phone: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
