//! A device as the API and pages show it, made from its row, and its editable fields as a request
//! or as what the audit log keeps.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{
    devices::model::{Condition, DeviceKind, DeviceRequest, DeviceStatus, Sim, SimRequest},
    entities::device,
};

/// A device as the API and pages show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceView {
    pub id: i32,
    pub asset_tag: String,
    pub kind: DeviceKind,
    pub status: DeviceStatus,
    pub make: String,
    pub model: String,
    pub serial_number: Option<String>,
    pub imei: Option<String>,
    pub condition: Condition,
    pub accessories: Vec<String>,
    pub hub_id: i32,
    pub funding_source: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub purchased_on: Option<NaiveDate>,
    pub purchase_cost_pence: Option<i64>,
    pub notes: Option<String>,
    pub sim: Option<Sim>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<device::Model> for DeviceView {
    fn from(row: device::Model) -> Self {
        let sim = match (row.sim_iccid, row.sim_network) {
            (Some(iccid), Some(network)) => Some(Sim {
                iccid,
                network,
                allowance_gb: row.sim_allowance_gb,
                plan_ends_on: row.sim_plan_ends_on,
            }),
            _ => None,
        };
        Self {
            id: row.id,
            asset_tag: row.asset_tag,
            kind: row.kind,
            status: row.status,
            make: row.make,
            model: row.model,
            serial_number: row.serial_number,
            imei: row.imei,
            condition: row.condition,
            accessories: row.accessories.into_inner(),
            hub_id: row.hub_id,
            funding_source: row.funding_source,
            purchased_on: row.purchased_on,
            purchase_cost_pence: row.purchase_cost_pence,
            notes: row.notes,
            sim,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl DeviceView {
    /// The editable fields in the shape of a request, for merging a PATCH or filling a form.
    pub fn as_request(&self) -> DeviceRequest {
        DeviceRequest {
            kind: Some(self.kind.as_str().to_owned()),
            make: Some(self.make.clone()),
            model: Some(self.model.clone()),
            hub_id: Some(self.hub_id),
            serial_number: self.serial_number.clone(),
            imei: self.imei.clone(),
            asset_tag: Some(self.asset_tag.clone()),
            condition: Some(self.condition.as_str().to_owned()),
            accessories: Some(self.accessories.clone()),
            funding_source: self.funding_source.clone(),
            purchased_on: self.purchased_on.map(|d| d.to_string()),
            purchase_cost_pence: self.purchase_cost_pence,
            notes: self.notes.clone(),
            sim: self.sim.as_ref().map(|sim| SimRequest {
                iccid: Some(sim.iccid.clone()),
                network: Some(sim.network.clone()),
                allowance_gb: sim.allowance_gb,
                plan_ends_on: sim.plan_ends_on.map(|d| d.to_string()),
            }),
        }
    }

    /// What the audit log keeps of a device's editable fields.
    pub(super) fn snapshot(&self) -> Value {
        json!({
            "make": self.make, "model": self.model, "serial_number": self.serial_number,
            "imei": self.imei, "condition": self.condition, "accessories": self.accessories,
            "hub_id": self.hub_id, "funding_source": self.funding_source,
            "purchased_on": self.purchased_on, "purchase_cost_pence": self.purchase_cost_pence,
            "notes": self.notes, "sim": self.sim,
        })
    }
}
