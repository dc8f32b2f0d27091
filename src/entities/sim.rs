use sea_orm::entity::prelude::*;

/// A SIM with data, given on its own to someone with a phone or device but no connection.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sims")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    /// The hub it is kept at; none for every hub of the organisation.
    pub hub_id: Option<i32>,
    #[sea_orm(unique)]
    pub iccid: String,
    pub network: String,
    /// Data each month, in GB.
    pub allowance_gb: i32,
    /// The last day it has data.
    pub expires_on: Date,
    /// The batch it came in (as the supplier names it).
    pub batch: Option<String>,
    pub borrower_id: Option<i32>,
    pub issued_at: Option<DateTimeUtc>,
    pub issued_by: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
