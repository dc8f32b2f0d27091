use sea_orm::entity::prelude::*;

use crate::follow_ups::model::{FollowUpStatus, Helped, HowOften};
use crate::{entities::JsonList, reminders::model::Channel};

/// Asking someone, so many days after their loan or gift began, how it went; and what they said.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_ups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    pub hub_id: i32,
    pub borrower_id: i32,
    pub loan_id: Option<i32>,
    pub gift_id: Option<i32>,
    pub after_days: i32,
    pub due_on: Date,
    pub status: FollowUpStatus,
    /// How they were asked: by email (with a link) or on the call list.
    pub channel: Option<Channel>,
    /// SHA-256 of the key in the emailed link.
    #[sea_orm(unique)]
    pub key_hash: Option<String>,
    pub created_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
    /// The staff member who took the answers by phone; none when they answered the link.
    pub answered_by: Option<i32>,
    pub still_using: Option<bool>,
    pub how_often: Option<HowOften>,
    pub helped_with: Option<JsonList<Helped>>,
    pub confidence: Option<i32>,
    pub confidence_before: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
