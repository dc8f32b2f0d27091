use sea_orm::entity::prelude::*;

use super::JsonList;

use crate::{devices::model::Condition, loans::model::LoanStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    pub device_id: i32,
    pub borrower_id: i32,
    pub hub_id: i32,
    pub issued_by: Option<i32>,
    pub issued_at: DateTimeUtc,
    pub due_on: Date,
    /// JSON array of strings.
    #[sea_orm(column_type = "Text")]
    pub accessories_issued: JsonList,
    pub status: LoanStatus,
    pub returned_at: Option<DateTimeUtc>,
    /// The London date it came back: on time when this is no later than `due_on`.
    pub returned_on: Option<Date>,
    pub returned_to: Option<i32>,
    /// The hub it came back to, when that was not the hub it was lent from.
    pub returned_hub_id: Option<i32>,
    pub return_condition: Option<Condition>,
    #[sea_orm(column_type = "Text", nullable)]
    pub accessories_returned: Option<JsonList>,
    #[sea_orm(column_type = "Text", nullable)]
    pub missing_accessories: Option<JsonList>,
    #[sea_orm(column_type = "Text", nullable)]
    pub return_notes: Option<String>,
    pub lost_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub lost_notes: Option<String>,
    pub updated_at: DateTimeUtc,
    /// The course the borrower is taking, when the loan goes with one.
    pub course_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
