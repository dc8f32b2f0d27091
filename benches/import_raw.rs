//! The raw insert rate of the rows a device import writes: the same device rows built in memory
//! and written with `devices::repo::insert_many` in one transaction, 500 at a time, with no CSV,
//! checks or audit events. `bench/import.sh` runs it beside `lendhub import devices` on the
//! same rows so the two can be compared in one run.
//!
//! cargo bench --bench import_raw -- DATABASE_URL ROWS
//!
//! The database needs an organisation (`lendhub user create` makes one).

use std::time::Instant;

use chrono::Utc;
use lendhub::{
    db,
    devices::{
        self,
        model::{AssetTag, Condition, DeviceDetails, DeviceKind, DeviceStatus},
    },
    hubs, organisations,
};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let url = args.next().expect("a database URL");
    let rows: i32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let db = db::connect(&url).await.expect("the database");
    let org = organisations::repo::first(&db.read)
        .await
        .unwrap()
        .expect("an organisation");
    let now = Utc::now();
    let tx = db::begin_write(&db).await.unwrap();
    let details = hubs::model::HubDetails {
        name: "Raw Hub".into(),
        address: None,
        opening_hours: None,
        phone: None,
    };
    let hub = hubs::repo::insert(&tx, org.id, &details, now).await.unwrap();
    tx.commit().await.unwrap();

    let start = Instant::now();
    let tx = db::begin_write(&db).await.unwrap();
    let first = organisations::repo::take_asset_numbers(&tx, org.id, rows)
        .await
        .unwrap();
    for batch in (0..rows).collect::<Vec<_>>().chunks(500) {
        let models = batch.iter().map(|n| {
            let details = DeviceDetails {
                make: "Lenovo".into(),
                model: "ThinkPad T480".into(),
                serial_number: Some(format!("RAW-{n:07}")),
                imei: None,
                condition: Condition::Good,
                accessories: vec!["charger".into()],
                hub_id: hub.id,
                funding_source: None,
                purchased_on: None,
                purchase_cost_pence: Some(24_999),
                notes: None,
                sim: None,
            };
            devices::repo::new_row(
                org.id,
                &AssetTag::numbered(&org.asset_prefix, first + n),
                DeviceKind::Laptop,
                DeviceStatus::Available,
                &details,
                now,
            )
        });
        devices::repo::insert_many(&tx, models.collect()).await.unwrap();
    }
    tx.commit().await.unwrap();
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "RESULT {rows} rows in {seconds:.2} s: {:.0} rows/s",
        f64::from(rows) / seconds
    );
}
