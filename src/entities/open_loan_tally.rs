//! How many open loans at one hub fall due on one day (and how many of them are signed), kept by the database's triggers on
//! `loans` (`m20261208_000022_tallies.rs`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "open_loan_tallies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub organisation_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub hub_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub due_on: Date,
    pub n: i64,
    /// How many of them have a signed agreement.
    pub signed: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
