use sea_orm::entity::prelude::*;

use crate::devices::model::DeviceKind;

/// `count` devices of a kind at a hub, kept back from lending between `starts_at` and `ends_at`
/// (for a training session, say).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reservations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    pub hub_id: i32,
    pub kind: DeviceKind,
    pub count: i32,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub session_id: Option<i32>,
    pub made_by: i32,
    pub created_at: DateTimeUtc,
    pub cancelled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
