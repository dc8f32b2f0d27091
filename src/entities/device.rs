use sea_orm::entity::prelude::*;

use super::JsonList;

use crate::devices::model::{Condition, DeviceKind, DeviceStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "devices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    #[sea_orm(unique)]
    pub asset_tag: String,
    pub kind: DeviceKind,
    pub make: String,
    pub model: String,
    pub serial_number: Option<String>,
    pub imei: Option<String>,
    pub status: DeviceStatus,
    pub condition: Condition,
    /// A JSON array of strings.
    #[sea_orm(column_type = "Text")]
    pub accessories: JsonList,
    /// Set by the upgrade on a device whose serial number an earlier device already had, until
    /// an admin corrects it: the unique index leaves these rows out.
    pub serial_duplicate: bool,
    pub hub_id: i32,
    pub funding_source: Option<String>,
    pub purchased_on: Option<Date>,
    pub purchase_cost_pence: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    pub sim_iccid: Option<String>,
    pub sim_network: Option<String>,
    pub sim_allowance_gb: Option<i32>,
    pub sim_plan_ends_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
