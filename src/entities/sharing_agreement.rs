use sea_orm::entity::prelude::*;

use super::JsonList;
use crate::sharing::model::SharedData;

/// An agreement between two organisations to share the people who consented, for one purpose
/// and only the data it names (`sharing::model`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sharing_agreements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The organisation that proposed it.
    pub organisation_id: i32,
    /// The organisation asked to accept it.
    pub with_organisation_id: i32,
    pub purpose: String,
    /// The kinds of data it shares.
    #[sea_orm(column_type = "Text")]
    pub data: JsonList<SharedData>,
    pub starts_on: Date,
    pub ends_on: Date,
    pub lawful_basis: String,
    pub proposed_by: i32,
    pub proposed_at: DateTimeUtc,
    pub accepted_by: Option<i32>,
    pub accepted_at: Option<DateTimeUtc>,
    pub ended_by: Option<i32>,
    pub ended_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
