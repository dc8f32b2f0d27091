//! Demo hubs and devices: the organisation (made when there is none), five hubs, and devices of a
//! spread of kinds, conditions and statuses, each device in repair with the repair it is in for.

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use serde_json::json;

use crate::audit::AuditAction;
use crate::{
    audit::{self, Actor, EntityRef, NewEvent},
    db::{self, Db},
    devices::{
        model::{AssetTag, Condition, DeviceDetails, DeviceKind, DeviceStatus, Sim},
        repo as devices_repo,
    },
    error::AppError,
    hubs, organisations,
};

/// The faults of demo devices in repair.
const FAULTS: [&str; 4] = [
    "Cracked screen",
    "Will not charge",
    "Keyboard keys stuck",
    "Battery swelling",
];

/// Demo hubs: name, address, opening hours and phone (numbers from Ofcom's range kept for drama).
const HUBS: [(&str, &str, &str, &str); 5] = [
    (
        "Whitechapel Community Hub",
        "12 Vallance Road, London E1 5HR",
        "Monday to Friday, 10am to 4pm",
        "020 7946 0100",
    ),
    (
        "Poplar Job Club",
        "Chrisp Street Market, London E14 6AQ",
        "Tuesday and Thursday, 9:30am to 1pm",
        "020 7946 0200",
    ),
    (
        "Bow Library",
        "Roman Road, London E3 5ES",
        "Monday to Saturday, 9am to 6pm",
        "020 7946 0300",
    ),
    (
        "Stepney Tenants' Hall",
        "Ben Jonson Road, London E1 4SA",
        "Wednesday, 1pm to 5pm",
        "020 7946 0400",
    ),
    (
        "Limehouse Digital Café",
        "646 Commercial Road, London E14 7HA",
        "Monday and Friday, 11am to 3pm",
        "020 7946 0500",
    ),
];

const MODELS: [(DeviceKind, &str, &str); 8] = [
    (DeviceKind::Laptop, "Lenovo", "ThinkPad T480"),
    (DeviceKind::Laptop, "Dell", "Latitude 5490"),
    (DeviceKind::Laptop, "HP", "EliteBook 840 G5"),
    (DeviceKind::Laptop, "Acer", "Chromebook 314"),
    (DeviceKind::Tablet, "Samsung", "Galaxy Tab A8"),
    (DeviceKind::Tablet, "Apple", "iPad (9th generation)"),
    (DeviceKind::Mifi, "Huawei", "E5576 Mobile WiFi"),
    (DeviceKind::Mifi, "TP-Link", "M7350"),
];

const FUNDERS: [&str; 3] = [
    "National Lottery Community Fund",
    "Council digital inclusion grant",
    "Donated by a local business",
];

/// What `demo` made.
#[derive(Debug, Clone, Copy)]
pub struct DemoSummary {
    pub organisation_id: i32,
    pub hubs: usize,
    pub devices: usize,
}

/// Adds `devices` devices spread over five hubs to the first organisation (creating "Tower
/// Community Homes", prefix `TCH`, when there is none).
pub async fn fill(db: &Db, devices: usize) -> Result<DemoSummary, AppError> {
    let now = Utc::now();
    let actor = Actor::System("demo data");
    let tx = db::begin_write(db).await?;
    let org = match organisations::service::first(&tx).await? {
        Some(org) => org,
        None => organisations::service::insert(&tx, "Tower Community Homes", "TCH", now).await?,
    };
    let existing = hubs::service::list_rows(&tx, org.id).await?;
    let mut hub_ids = Vec::new();
    for (name, address, hours, phone) in HUBS {
        let id = match existing.iter().find(|h| h.name == name) {
            Some(hub) => hub.id,
            None => {
                let details = hubs::model::HubDetails {
                    name: name.to_owned(),
                    address: Some(address.to_owned()),
                    opening_hours: Some(hours.to_owned()),
                    phone: Some(phone.to_owned()),
                };
                let hub = hubs::service::insert(&tx, org.id, &details, now).await?;
                audit::insert(
                    &tx,
                    NewEvent {
                        organisation_id: org.id,
                        at: now,
                        actor,
                        entity: EntityRef::Hub(hub.id),
                        action: AuditAction::HubAdded,
                        details: json!({"name": name}),
                    },
                )
                .await?;
                hub.id
            }
        };
        hub_ids.push(id);
    }

    let count = i32::try_from(devices).map_err(|_| AppError::invalid("devices", "too many devices"))?;
    let first = organisations::service::take_asset_numbers(&tx, org.id, count).await?;
    let batch = 400;
    for start in (0..count).step_by(batch) {
        let end = (start + i32::try_from(batch).unwrap_or(i32::MAX)).min(count);
        let rows = (start..end).map(|i| {
            let (kind, status, details) = demo_device(i, &hub_ids);
            devices_repo::new_row(
                org.id,
                &AssetTag::numbered(&org.asset_prefix, first + i),
                kind,
                status,
                &details,
                now,
            )
        });
        devices_repo::insert_many(&tx, rows.collect()).await?;
    }
    // One "added" event per device, written with the devices' own ids, and every device in
    // repair has the repair it is in for: a page of the new devices at a time, so memory stays
    // flat however many there are.
    let mut after = AssetTag::numbered(&org.asset_prefix, first - 1).to_string();
    let mut in_repair = 0;
    loop {
        let page = crate::devices::service::list_rows(
            &tx,
            org.id,
            &devices_repo::DeviceFilter {
                after: Some(after.clone()),
                ..Default::default()
            },
            1000,
        )
        .await?;
        let Some(last) = page.last() else { break };
        after = last.asset_tag.clone();
        audit::insert_many(
            &tx,
            page.iter()
                .map(|row| NewEvent {
                    organisation_id: org.id,
                    at: now,
                    actor,
                    entity: EntityRef::Device(row.id),
                    action: AuditAction::DeviceAdded,
                    details: json!({"asset_tag": row.asset_tag, "kind": row.kind}),
                })
                .collect(),
        )
        .await?;
        for row in page.iter().filter(|d| d.status == DeviceStatus::InRepair) {
            let n = in_repair;
            in_repair += 1;
            crate::loans::service::insert_repair(
                &tx,
                crate::entities::repair::ActiveModel {
                    organisation_id: Set(org.id),
                    device_id: Set(row.id),
                    fault: Set(FAULTS[n % FAULTS.len()].to_owned()),
                    repairer: Set(Some("Tech for Good repairs".to_owned())),
                    opened_at: Set(now - Duration::days(i64::try_from(n % 20).unwrap_or(0) + 1)),
                    ..Default::default()
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(DemoSummary {
        organisation_id: org.id,
        hubs: hub_ids.len(),
        devices,
    })
}

/// The `i`th demo device: a spread of kinds, hubs, conditions and statuses, deterministic so
/// benchmarks see the same data every run.
fn demo_device(i: i32, hub_ids: &[i32]) -> (DeviceKind, DeviceStatus, DeviceDetails) {
    let n = usize::try_from(i).unwrap_or_default();
    let (kind, make, model) = MODELS[n % MODELS.len()];
    let status = match n % 20 {
        0 | 1 => DeviceStatus::AwaitingChecks,
        2 => DeviceStatus::InRepair,
        _ => DeviceStatus::Available,
    };
    let condition = [Condition::New, Condition::Good, Condition::Good, Condition::Fair][n % 4];
    let accessories = match kind {
        DeviceKind::Laptop => vec!["charger".to_owned(), "sleeve".to_owned()],
        DeviceKind::Tablet => vec!["charger".to_owned(), "case".to_owned()],
        DeviceKind::Mifi => vec!["USB cable".to_owned()],
    };
    let sim = (kind == DeviceKind::Mifi).then(|| Sim {
        iccid: format!("894410{i:014}"),
        network: ["Three", "Vodafone", "EE"][n % 3].to_owned(),
        allowance_gb: Some([20, 50, 100][n % 3]),
        plan_ends_on: NaiveDate::from_ymd_opt(2027, 3, 31).map(|d| d + Duration::days(i64::from(i % 365))),
    });
    let details = DeviceDetails {
        make: make.to_owned(),
        model: model.to_owned(),
        serial_number: Some(format!(
            "{}{:07}",
            &make[..2].to_uppercase(),
            i * 7919 % 10_000_000
        )),
        imei: None,
        condition,
        accessories,
        hub_id: hub_ids[n % hub_ids.len()],
        funding_source: Some(FUNDERS[n % FUNDERS.len()].to_owned()),
        purchased_on: NaiveDate::from_ymd_opt(2025, 1, 1).map(|d| d + Duration::days(i64::from(i % 600))),
        purchase_cost_pence: Some([18_900, 24_999, 32_000, 9_900][n % 4]),
        notes: None,
        sim,
    };
    (kind, status, details)
}
