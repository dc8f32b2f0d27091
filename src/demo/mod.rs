//! `lendhub demo`: fills a database with realistic hubs, devices (a repair behind each one in
//! repair), borrowers, loans and training, for trying lendhub out and for benchmarks. Rows are
//! written in batches inside one transaction, each with its audit event.

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
    let org = match organisations::repo::first(&tx).await? {
        Some(org) => org,
        None => organisations::repo::insert(&tx, "Tower Community Homes", "TCH", now).await?,
    };
    let existing = hubs::repo::list(&tx, org.id).await?;
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
                let hub = hubs::repo::insert(&tx, org.id, &details, now).await?;
                audit::repo::insert(
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
    let first = organisations::repo::take_asset_numbers(&tx, org.id, count).await?;
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
    // One "added" event per device, written with the devices' own ids.
    let added = crate::devices::repo::list(
        &tx,
        org.id,
        &devices_repo::DeviceFilter {
            after: Some(AssetTag::numbered(&org.asset_prefix, first - 1).to_string()),
            ..Default::default()
        },
        u64::try_from(devices).unwrap_or(u64::MAX),
    )
    .await?;
    for row in &added {
        audit::repo::insert(
            &tx,
            NewEvent {
                organisation_id: org.id,
                at: now,
                actor,
                entity: EntityRef::Device(row.id),
                action: AuditAction::DeviceAdded,
                details: json!({"asset_tag": row.asset_tag, "kind": row.kind}),
            },
        )
        .await?;
    }
    // Every device in repair has the repair it is in for.
    for (n, row) in added
        .iter()
        .filter(|d| d.status == DeviceStatus::InRepair)
        .enumerate()
    {
        crate::loans::repo::insert_repair(
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
    tx.commit().await?;
    Ok(DemoSummary {
        organisation_id: org.id,
        hubs: hub_ids.len(),
        devices,
    })
}

mod people;
mod training;

use people::{demo_name, demo_phone, demo_postcode};
pub use training::train;

/// Lends `loans` of the organisation's available devices to as many new demo borrowers: due dates
/// from three weeks ago to six weeks ahead, and a mix of borrowers reached by email (60%), by
/// phone only (25%) and by post only (15%), as schemes see; two in three also had the device
/// before, some time in the past two years. Returns how many were lent now.
pub async fn lend(db: &Db, organisation_id: i32, loans: usize) -> Result<usize, AppError> {
    let now = Utc::now();
    let today = crate::dates::today(now);
    let tx = db::begin_write(db).await?;
    let devices =
        crate::loans::repo::available_devices(&tx, organisation_id, u64::try_from(loans).unwrap_or(u64::MAX))
            .await?;
    let last_borrower = crate::people::repo::ids_after(&tx, organisation_id, 0)
        .await?
        .last()
        .copied()
        .unwrap_or(0);
    for (c, chunk) in devices.chunks(400).enumerate() {
        let borrowers = (0..chunk.len()).map(|i| {
            let n = c * 400 + i;
            let n = n + usize::try_from(last_borrower).unwrap_or_default();
            let name = demo_name(n);
            let (email, phone, address) = match n % 20 {
                0..=11 => (
                    Some(format!(
                        "{}.{n}@example.org",
                        name.split(' ').next().unwrap_or("borrower").to_lowercase()
                    )),
                    Some(demo_phone(n)),
                    None,
                ),
                12..=16 => (None, Some(demo_phone(n)), None),
                _ => (None, None, Some(format!("{} Roman Road, London", n % 300 + 1))),
            };
            crate::entities::borrower::ActiveModel {
                organisation_id: Set(organisation_id),
                name: Set(name),
                email: Set(email),
                phone: Set(phone),
                address: Set(address),
                postcode: Set(Some(demo_postcode(n))),
                barriers: Set(vec!["no_device".to_owned()].into()),
                consent_data_processing: Set(true),
                consent_recorded_at: Set(now),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
        });
        crate::people::repo::insert_many(&tx, borrowers.collect()).await?;
    }
    let borrower_ids = crate::people::repo::ids_after(&tx, organisation_id, last_borrower).await?;
    for (batch, pairs) in devices
        .iter()
        .zip(&borrower_ids)
        .collect::<Vec<_>>()
        .chunks(400)
        .enumerate()
    {
        let rows = pairs.iter().enumerate().map(|(i, (device, borrower_id))| {
            let ((device_id, hub_id), borrower_id) = (**device, **borrower_id);
            let n = i64::try_from(batch * 400 + i).unwrap_or_default();
            crate::entities::loan::ActiveModel {
                organisation_id: Set(organisation_id),
                device_id: Set(device_id),
                borrower_id: Set(borrower_id),
                hub_id: Set(hub_id),
                issued_at: Set(now - Duration::days(30)),
                due_on: Set(today + Duration::days(n % 63 - 21)),
                accessories_issued: Set(vec!["charger".to_owned()].into()),
                status: Set(crate::loans::model::LoanStatus::Open),
                updated_at: Set(now),
                ..Default::default()
            }
        });
        crate::loans::repo::insert_many(&tx, rows.collect()).await?;
        crate::loans::repo::mark_on_loan(&tx, pairs.iter().map(|(d, _)| d.0).collect(), now).await?;
        let past: Vec<_> = pairs
            .iter()
            .enumerate()
            .filter_map(|(i, (device, borrower_id))| {
                past_loan(organisation_id, batch * 400 + i, **device, **borrower_id, now)
            })
            .collect();
        if !past.is_empty() {
            crate::loans::repo::insert_many(&tx, past).await?;
        }
    }
    crate::people::repo::refresh_last_loans(&tx, organisation_id).await?;
    tx.commit().await?;
    Ok(devices.len().min(borrower_ids.len()))
}

/// Adds `loans` past loans, all returned, issued evenly from two years ago to two months ago,
/// for two to eight weeks each (one in ten back three days late), cycling through the
/// organisation's available devices and its borrowers: a long-running scheme's history, for
/// the report benchmarks. Returns how many were added (none without devices and borrowers).
pub async fn history(db: &Db, organisation_id: i32, loans: usize) -> Result<usize, AppError> {
    let now = Utc::now();
    let tx = db::begin_write(db).await?;
    let devices =
        crate::loans::repo::available_devices(&tx, organisation_id, i64::MAX.unsigned_abs()).await?;
    let borrowers = crate::people::repo::ids_after(&tx, organisation_id, 0).await?;
    if devices.is_empty() || borrowers.is_empty() {
        return Ok(0);
    }
    let first = now - Duration::days(730);
    let span = Duration::days(670).num_seconds();
    let count = i64::try_from(loans).unwrap_or(i64::MAX).max(1);
    for start in (0..loans).step_by(800) {
        let rows = (start..loans.min(start + 800)).map(|i| {
            let (device_id, hub_id) = devices[i % devices.len()];
            let n = i64::try_from(i).unwrap_or_default();
            let issued_at = first + Duration::seconds(span * n / count);
            let weeks = 2 + n % 7;
            let late = if n % 10 == 0 { 3 } else { -(n % 3) };
            let returned_at = issued_at + Duration::weeks(weeks) + Duration::days(late);
            returned_loan(
                organisation_id,
                (device_id, hub_id),
                borrowers[i % borrowers.len()],
                (issued_at, weeks, returned_at),
                Condition::Good,
            )
        });
        crate::loans::repo::insert_many(&tx, rows.collect()).await?;
    }
    crate::people::repo::refresh_last_loans(&tx, organisation_id).await?;
    tx.commit().await?;
    Ok(loans)
}

/// Two in three demo borrowers had the same device before, for four to eight weeks some time in
/// the past two years, and brought it back: a scheme's history, on the device and borrower pages.
fn past_loan(
    organisation_id: i32,
    n: usize,
    (device_id, hub_id): (i32, i32),
    borrower_id: i32,
    now: chrono::DateTime<Utc>,
) -> Option<crate::entities::loan::ActiveModel> {
    if n % 3 == 2 {
        return None;
    }
    let n = i64::try_from(n).unwrap_or_default();
    // Issued 100 to 720 days ago, so each is back well before the open loan began 30 days ago.
    let issued_at = now - Duration::days(100 + n * 37 % 620);
    let weeks = 4 + n % 5;
    let returned_at = issued_at + Duration::weeks(weeks) - Duration::days(n % 3);
    let condition = [Condition::Good, Condition::Good, Condition::Fair][usize::try_from(n % 3).unwrap_or(0)];
    Some(returned_loan(
        organisation_id,
        (device_id, hub_id),
        borrower_id,
        (issued_at, weeks, returned_at),
        condition,
    ))
}

/// A demo loan `weeks` long from `issued_at`, brought back at `returned_at` with its charger.
fn returned_loan(
    organisation_id: i32,
    (device_id, hub_id): (i32, i32),
    borrower_id: i32,
    (issued_at, weeks, returned_at): (chrono::DateTime<Utc>, i64, chrono::DateTime<Utc>),
    condition: Condition,
) -> crate::entities::loan::ActiveModel {
    crate::entities::loan::ActiveModel {
        organisation_id: Set(organisation_id),
        device_id: Set(device_id),
        borrower_id: Set(borrower_id),
        hub_id: Set(hub_id),
        issued_at: Set(issued_at),
        due_on: Set(crate::dates::today(issued_at) + Duration::weeks(weeks)),
        accessories_issued: Set(vec!["charger".to_owned()].into()),
        status: Set(crate::loans::model::LoanStatus::Returned),
        returned_at: Set(Some(returned_at)),
        returned_on: Set(Some(crate::dates::today(returned_at))),
        return_condition: Set(Some(condition)),
        accessories_returned: Set(Some(vec!["charger".to_owned()].into())),
        updated_at: Set(returned_at),
        ..Default::default()
    }
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
