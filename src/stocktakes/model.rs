//! What a stocktake found: each device counted at the hub sorted into found, missing (expected at
//! the hub but not scanned) and unexpected (scanned, but on loan, elsewhere or out of use).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{
    devices::model::{DeviceKind, DeviceStatus},
    entities::device,
};

/// One device in a stocktake's result.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StocktakeItem {
    pub asset_tag: String,
    pub kind: DeviceKind,
    /// "Lenovo ThinkPad T480"
    pub make_model: String,
    pub status: DeviceStatus,
    /// The hub the device belongs to.
    pub hub_id: i32,
    /// Why it is where it is in the result, in plain words.
    pub reason: String,
}

/// A stocktake and what it has counted so far (or, once closed, its result).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StocktakeView {
    pub id: i32,
    pub hub_id: i32,
    pub hub_name: String,
    pub started_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub found: Vec<StocktakeItem>,
    pub missing: Vec<StocktakeItem>,
    pub unexpected: Vec<StocktakeItem>,
}

/// Whether a device in this status should be on the hub's shelf: ready to lend or waiting for
/// its checks. Devices on loan, in repair, lost or retired are not.
pub fn on_the_shelf(status: DeviceStatus) -> bool {
    matches!(status, DeviceStatus::Available | DeviceStatus::AwaitingChecks)
}

/// Why a scanned device is unexpected at hub `hub_id`, or `None` when it was found where it should
/// be. `hub_name` names a hub by id.
pub fn unexpected_because(
    device: &device::Model,
    hub_id: i32,
    hub_name: impl Fn(i32) -> String,
) -> Option<String> {
    match device.status {
        DeviceStatus::OnLoan => {
            Some("On loan: take it back at the counter if the borrower returned it".into())
        }
        DeviceStatus::Lost => Some("Reported lost: record it as found on its page".into()),
        DeviceStatus::InRepair => Some("In repair: close the repair if it is back".into()),
        DeviceStatus::Retired => Some("Retired: it should have been disposed of".into()),
        DeviceStatus::Gifted => Some("Given away: it belongs to the person it was given to".into()),
        DeviceStatus::Available | DeviceStatus::AwaitingChecks if device.hub_id != hub_id => {
            Some(format!("Belongs to {}", hub_name(device.hub_id)))
        }
        DeviceStatus::Available | DeviceStatus::AwaitingChecks => None,
    }
}

/// Sorts a stocktake's scanned devices and the devices expected at its hub into found, missing
/// and unexpected, each in asset-tag order.
pub fn sort(
    hub_id: i32,
    scanned: &[device::Model],
    expected: &[device::Model],
    hub_name: impl Fn(i32) -> String,
) -> (Vec<StocktakeItem>, Vec<StocktakeItem>, Vec<StocktakeItem>) {
    let item = |d: &device::Model, reason: String| StocktakeItem {
        asset_tag: d.asset_tag.clone(),
        kind: d.kind,
        make_model: format!("{} {}", d.make, d.model),
        status: d.status,
        hub_id: d.hub_id,
        reason,
    };
    let (mut found, mut unexpected) = (Vec::new(), Vec::new());
    for device in scanned {
        match unexpected_because(device, hub_id, &hub_name) {
            None => found.push(item(device, "Scanned at its hub".into())),
            Some(reason) => unexpected.push(item(device, reason)),
        }
    }
    let counted: std::collections::HashSet<i32> = scanned.iter().map(|d| d.id).collect();
    let mut missing: Vec<StocktakeItem> = expected
        .iter()
        .filter(|d| !counted.contains(&d.id))
        .map(|d| item(d, format!("{} at this hub, but not scanned", d.status.label())))
        .collect();
    for list in [&mut found, &mut missing, &mut unexpected] {
        list.sort_by(|a, b| a.asset_tag.cmp(&b.asset_tag));
    }
    (found, missing, unexpected)
}
