use sea_orm::entity::prelude::*;

use crate::agreements::model::SigningMethod;

/// A signed agreement: written once, never changed but to erase its document (the database
/// refuses every other update, and deletes).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agreements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    #[sea_orm(unique)]
    pub loan_id: i32,
    pub terms_version: String,
    pub method: SigningMethod,
    pub signed_name: String,
    /// The drawn signature's strokes as JSON, when one was drawn.
    #[sea_orm(column_type = "Text", nullable)]
    pub signature: Option<String>,
    pub accepted_at: DateTimeUtc,
    pub recorded_by: Option<i32>,
    #[sea_orm(column_type = "Blob")]
    pub pdf: Vec<u8>,
    pub sha256: String,
    /// When anonymising deleted the document, signature and typed name (the one change the
    /// database allows); the hash, terms version and time of acceptance stay.
    pub erased_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
