//! The figures the database keeps as devices and loans change equal a recount from the rows after
//! any history: random changes to devices and loans straight in the tables (every path a write
//! can take reaches the triggers, whichever code made it; agreements signed too), on SQLite and
//! on PostgreSQL; the
//! summary reads them; and `lendhub tallies rebuild` mends tallies that were tampered with.

use std::process::Command;

use proptest::{
    collection::vec,
    prelude::*,
    test_runner::{Config, TestRunner},
};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement, Value as SqlValue};
use serde_json::json;

use crate::helpers::{TestApp, in_days, json_of};

const STATUSES: [&str; 7] = [
    "available",
    "on_loan",
    "awaiting_checks",
    "in_repair",
    "lost",
    "retired",
    "gifted",
];
const KINDS: [&str; 3] = ["laptop", "tablet", "mifi"];
const LOAN_STATUSES: [&str; 4] = ["open", "returned", "lost", "gifted"];

#[derive(Debug, Clone)]
enum Op {
    DeviceStatus(usize, usize),
    DeviceHub(usize, usize),
    DeviceKind(usize, usize),
    NewLoan { device: usize, due: i64, hub: usize },
    LoanStatus(usize, usize),
    LoanDue(usize, i64),
    LoanHub(usize, usize),
    DeleteLoan(usize),
    Sign(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..4usize, 0..STATUSES.len()).prop_map(|(d, s)| Op::DeviceStatus(d, s)),
        (0..4usize, 0..2usize).prop_map(|(d, h)| Op::DeviceHub(d, h)),
        (0..4usize, 0..KINDS.len()).prop_map(|(d, k)| Op::DeviceKind(d, k)),
        (0..4usize, -10..30i64, 0..2usize).prop_map(|(device, due, hub)| Op::NewLoan { device, due, hub }),
        (0..8usize, 0..LOAN_STATUSES.len()).prop_map(|(l, s)| Op::LoanStatus(l, s)),
        (0..8usize, -10..30i64).prop_map(|(l, d)| Op::LoanDue(l, d)),
        (0..8usize, 0..2usize).prop_map(|(l, h)| Op::LoanHub(l, h)),
        (0..8usize).prop_map(Op::DeleteLoan),
        (0..8usize).prop_map(Op::Sign),
    ]
}

struct World {
    app: TestApp,
    hubs: Vec<i64>,
    devices: Vec<i64>,
    borrower: i64,
}

async fn rows(app: &TestApp, sql: &str) -> Vec<String> {
    let mut found: Vec<String> = app
        .db
        .read
        .query_all_raw(Statement::from_string(app.db.backend(), sql.to_owned()))
        .await
        .unwrap()
        .iter()
        .map(|row| {
            (0..5)
                .map(|i| {
                    row.try_get_by_index::<i64>(i)
                        .map(|n| n.to_string())
                        .or_else(|_| row.try_get_by_index::<i32>(i).map(|n| n.to_string()))
                        .or_else(|_| row.try_get_by_index::<String>(i))
                        .or_else(|_| {
                            row.try_get_by_index::<chrono::NaiveDate>(i)
                                .map(|d| d.to_string())
                        })
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    found.sort();
    found
}

/// The kept figures, and the same counted from the rows.
async fn kept_and_counted(app: &TestApp) -> [(Vec<String>, Vec<String>); 2] {
    [
        (
            rows(
                app,
                "SELECT organisation_id, hub_id, status, kind, n FROM device_tallies WHERE n <> 0",
            )
            .await,
            rows(
                app,
                "SELECT organisation_id, hub_id, status, kind, COUNT(*) FROM devices \
                 GROUP BY organisation_id, hub_id, status, kind",
            )
            .await,
        ),
        (
            rows(
                app,
                "SELECT organisation_id, hub_id, due_on, n, signed FROM open_loan_tallies WHERE n <> 0",
            )
            .await,
            rows(
                app,
                "SELECT loans.organisation_id, loans.hub_id, loans.due_on, COUNT(*), COUNT(agreements.id) \
                 FROM loans LEFT JOIN agreements ON agreements.loan_id = loans.id WHERE loans.status = 'open' \
                 GROUP BY loans.organisation_id, loans.hub_id, loans.due_on",
            )
            .await,
        ),
    ]
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let mut hubs = Vec::new();
    for name in ["North hub", "South hub"] {
        let hub = json_of(
            app.post("/api/v1/hubs", &json!({"name": name})).await,
            StatusCode::CREATED,
        )
        .await;
        hubs.push(hub["id"].as_i64().unwrap());
    }
    let mut devices = Vec::new();
    for n in 0..4 {
        let device = json_of(app.add_device(hubs[n % 2], json!({})).await, StatusCode::CREATED).await;
        devices.push(device["id"].as_i64().unwrap());
    }
    let borrower = app.borrower("Ada Tally").await;
    World {
        app,
        hubs,
        devices,
        borrower,
    }
}

async fn loan_ids(app: &TestApp) -> Vec<i64> {
    rows(app, "SELECT id, 0, 0, 0, 0 FROM loans ORDER BY id")
        .await
        .iter()
        .filter_map(|r| r.split(' ').next()?.parse().ok())
        .collect()
}

/// Runs one change straight in the tables; one the database refuses (a second open loan of a
/// device, say) changes nothing, tallies included.
async fn apply(w: &World, op: &Op) {
    let loans = loan_ids(&w.app).await;
    let loan = |i: usize| loans.get(i % loans.len().max(1)).copied().unwrap_or(0);
    let day = |offset: i64| in_days(offset);
    let (sql, values): (&str, Vec<SqlValue>) = match op {
        Op::DeviceStatus(d, s) => (
            "UPDATE devices SET status = $1 WHERE id = $2",
            vec![STATUSES[*s].into(), w.devices[*d].into()],
        ),
        Op::DeviceHub(d, h) => (
            "UPDATE devices SET hub_id = $1 WHERE id = $2",
            vec![w.hubs[*h].into(), w.devices[*d].into()],
        ),
        Op::DeviceKind(d, k) => (
            "UPDATE devices SET kind = $1 WHERE id = $2",
            vec![KINDS[*k].into(), w.devices[*d].into()],
        ),
        Op::NewLoan { device, due, hub } => (
            "INSERT INTO loans (organisation_id, device_id, borrower_id, hub_id, issued_at, due_on, \
             accessories_issued, status, updated_at) VALUES ($1, $2, $3, $4, $5, $6, '[]', 'open', $5)",
            vec![
                w.app.organisation_id.into(),
                w.devices[*device].into(),
                w.borrower.into(),
                w.hubs[*hub].into(),
                chrono::Utc::now().into(),
                chrono::NaiveDate::parse_from_str(&day(*due), "%Y-%m-%d")
                    .unwrap()
                    .into(),
            ],
        ),
        Op::LoanStatus(l, s) => (
            "UPDATE loans SET status = $1 WHERE id = $2",
            vec![LOAN_STATUSES[*s].into(), loan(*l).into()],
        ),
        Op::LoanDue(l, d) => (
            "UPDATE loans SET due_on = $1 WHERE id = $2",
            vec![
                chrono::NaiveDate::parse_from_str(&day(*d), "%Y-%m-%d")
                    .unwrap()
                    .into(),
                loan(*l).into(),
            ],
        ),
        Op::LoanHub(l, h) => (
            "UPDATE loans SET hub_id = $1 WHERE id = $2",
            vec![w.hubs[*h].into(), loan(*l).into()],
        ),
        Op::DeleteLoan(l) => ("DELETE FROM loans WHERE id = $1", vec![loan(*l).into()]),
        // Signed once at most: the second is refused by the unique loan_id.
        Op::Sign(l) => (
            "INSERT INTO agreements (organisation_id, loan_id, terms_version, method, signed_name, \
             accepted_at, pdf, sha256) VALUES ($1, $2, 'test', 'paper', 'Ada Tally', $3, $4, 'none')",
            vec![
                w.app.organisation_id.into(),
                loan(*l).into(),
                chrono::Utc::now().into(),
                b"%PDF".to_vec().into(),
            ],
        ),
    };
    let sql = match w.app.db.backend() {
        sea_orm::DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    };
    // Refused changes are part of any history: they must leave the tallies as they were.
    let _ = w
        .app
        .db
        .write
        .execute_raw(Statement::from_sql_and_values(w.app.db.backend(), sql, values))
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kept_figures_equal_a_recount_after_any_history() {
    let w = world().await;
    for (kept, counted) in kept_and_counted(&w.app).await {
        assert_eq!(kept, counted, "after the first devices");
    }
    let mut runner = TestRunner::new(Config {
        cases: 48,
        ..Config::default()
    });
    let handle = tokio::runtime::Handle::current();
    runner
        .run(&vec(op(), 1..30), |ops| {
            tokio::task::block_in_place(|| {
                handle.block_on(async {
                    for op in &ops {
                        apply(&w, op).await;
                    }
                    for (kept, counted) in kept_and_counted(&w.app).await {
                        prop_assert_eq!(kept, counted, "after {:?}", ops);
                    }
                    Ok(())
                })
            })
        })
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_summary_reads_them_and_the_rebuild_mends_them() {
    let w = world().await;
    let tag =
        json_of(w.app.get("/api/v1/devices?limit=1").await, StatusCode::OK).await["items"][0]["asset_tag"]
            .as_str()
            .unwrap()
            .to_owned();
    w.app.issue(&tag, w.borrower).await;
    let summary = json_of(w.app.get("/api/v1/reports/summary").await, StatusCode::OK).await;
    assert_eq!(summary["devices"]["total"], 4, "{summary}");
    assert_eq!(summary["devices"]["by_status"]["on_loan"], 1, "{summary}");
    assert_eq!(summary["loans"]["open"], 1, "{summary}");

    // Tallies tampered with by hand: the command counts them afresh.
    w.app
        .db
        .write
        .execute_unprepared("UPDATE device_tallies SET n = n + 5")
        .await
        .unwrap();
    w.app
        .db
        .write
        .execute_unprepared("DELETE FROM open_loan_tallies")
        .await
        .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_lendhub"))
        .args(["tallies", "rebuild"])
        .env("LENDHUB_DATABASE_URL", &w.app.database_url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("tallies counted afresh"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    for (kept, counted) in kept_and_counted(&w.app).await {
        assert_eq!(kept, counted);
    }
    let summary = json_of(w.app.get("/api/v1/reports/summary").await, StatusCode::OK).await;
    assert_eq!(summary["devices"]["total"], 4, "{summary}");
    assert_eq!(summary["loans"]["open"], 1, "{summary}");
}
