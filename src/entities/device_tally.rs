//! How many devices one (organisation, hub, status, kind) holds, kept by the database's triggers
//! on `devices` (`m20261208_000022_tallies.rs`).

use sea_orm::entity::prelude::*;

use crate::devices::model::{DeviceKind, DeviceStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "device_tallies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub organisation_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub hub_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub status: DeviceStatus,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: DeviceKind,
    pub n: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
