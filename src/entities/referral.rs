use sea_orm::entity::prelude::*;

use super::JsonList;
use crate::referrals::model::{Need, ReferralStatus};

/// A person referred by a partner, waiting for staff to accept or decline them.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referrals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    /// The link it came through; none when staff entered it.
    pub link_id: Option<i32>,
    pub status: ReferralStatus,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub address: Option<String>,
    pub postcode: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub needs: JsonList<Need>,
    pub hub_id: Option<i32>,
    /// The eligibility answers, as a JSON object of question to yes or no.
    #[sea_orm(column_type = "Text")]
    pub answers: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub reasons: Option<String>,
    pub referrer_name: String,
    pub referrer_organisation: String,
    pub referrer_email: Option<String>,
    pub referrer_phone: Option<String>,
    /// The purposes the person agreed to (`people::model::Purpose` values).
    #[sea_orm(column_type = "Text")]
    pub consents: JsonList,
    pub priority: i32,
    pub created_at: DateTimeUtc,
    pub created_by: Option<i32>,
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decline_reason: Option<String>,
    pub borrower_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
