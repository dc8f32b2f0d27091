//! Demo loans: open loans to new demo borrowers (reached by email, phone or post, as schemes
//! see), each with a past loan of the same device for most, and a long history of returned loans
//! for the report benchmarks.

use chrono::{Duration, Utc};
use sea_orm::ActiveValue::Set;

use super::people::{demo_name, demo_phone, demo_postcode};
use crate::{
    db::{self, Db},
    devices::model::Condition,
    error::AppError,
};

/// Up to `limit` of the organisation's available devices, `(id, hub)`, read 10,000 at a time: read
/// at once, a million of them were held twice over, as database rows before they became pairs.
async fn available(
    tx: &sea_orm::DatabaseTransaction,
    organisation_id: i32,
    limit: usize,
) -> Result<Vec<(i32, i32)>, AppError> {
    let mut devices: Vec<(i32, i32)> = Vec::new();
    while devices.len() < limit {
        let after = devices.last().map_or(0, |(id, _)| *id);
        let want = (limit - devices.len()).min(10_000);
        let page = crate::loans::service::available_devices(
            tx,
            organisation_id,
            after,
            u64::try_from(want).unwrap_or(10_000),
        )
        .await?;
        if page.is_empty() {
            break;
        }
        devices.extend(page);
    }
    Ok(devices)
}

/// Lends `loans` of the organisation's available devices to as many new demo borrowers: due dates
/// from three weeks ago to six weeks ahead, and a mix of borrowers reached by email (60%), by
/// phone only (25%) and by post only (15%), as schemes see; two in three also had the device
/// before, some time in the past two years. Returns how many were lent now.
pub async fn lend(db: &Db, organisation_id: i32, loans: usize) -> Result<usize, AppError> {
    let now = Utc::now();
    let today = crate::dates::today(now);
    let tx = db::begin_write(db).await?;
    let devices = available(&tx, organisation_id, loans).await?;
    let last_borrower = crate::people::service::ids_after(&tx, organisation_id, 0)
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
        crate::people::service::insert_many(&tx, borrowers.collect()).await?;
    }
    let borrower_ids = crate::people::service::ids_after(&tx, organisation_id, last_borrower).await?;
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
        crate::loans::service::insert_many(&tx, rows.collect()).await?;
        crate::loans::service::mark_on_loan(&tx, pairs.iter().map(|(d, _)| d.0).collect(), now).await?;
        let past: Vec<_> = pairs
            .iter()
            .enumerate()
            .filter_map(|(i, (device, borrower_id))| {
                past_loan(organisation_id, batch * 400 + i, **device, **borrower_id, now)
            })
            .collect();
        if !past.is_empty() {
            crate::loans::service::insert_many(&tx, past).await?;
        }
    }
    crate::people::service::refresh_last_loans(&tx, organisation_id).await?;
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
    let devices = available(&tx, organisation_id, usize::MAX).await?;
    let borrowers = crate::people::service::ids_after(&tx, organisation_id, 0).await?;
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
        crate::loans::service::insert_many(&tx, rows.collect()).await?;
    }
    crate::people::service::refresh_last_loans(&tx, organisation_id).await?;
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
