use sea_orm::entity::prelude::*;

use crate::{devices::model::DeviceKind, waiting::model::WaitingStatus};

/// A person waiting for a kind of device at a hub; while `held_device_id` is set, that device is
/// held for them until `held_until`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "waiting")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    pub borrower_id: i32,
    pub kind: DeviceKind,
    pub hub_id: i32,
    /// Higher goes first; equal priorities go in the order they joined.
    pub priority: i32,
    pub since: DateTimeUtc,
    pub referral_id: Option<i32>,
    pub status: WaitingStatus,
    #[sea_orm(unique)]
    pub held_device_id: Option<i32>,
    pub held_until: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    pub created_by: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
