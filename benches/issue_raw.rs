//! The raw rate of the issue transaction: `loans::service::issue` called directly with 64
//! concurrent callers, no HTTP, JSON or sign-in. `bench/issue.sh` runs it beside wrk against the
//! HTTP endpoint so the two can be compared in one run.
//!
//! cargo bench --bench issue_raw -- DATABASE_URL SECONDS FIRST_TAG_NUMBER
//!
//! The database needs `lendhub demo` devices and the staff account with id 1.

use std::time::{Duration, Instant};

use chrono::Utc;
use lendhub::{
    auth::{Role, Staff},
    dates::today,
    entities::staff_user,
    loans::service::{IssueRequest, issue},
    people::{
        model::{BorrowerRequest, ConsentRequest},
        service,
    },
};

const CALLERS: usize = 64;

/// Demo devices numbered n with (n - 1) % 20 in {0, 1, 2} are not available (see `demo`).
fn available(number: usize) -> bool {
    (number - 1) % 20 > 2
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let url = args.next().expect("a database URL");
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let first: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let db = lendhub::db::connect(&url).await.expect("the database");
    let staff = Staff::from(staff_user::Model {
        id: 1,
        organisation_id: 1,
        email: "bench@example.org".into(),
        name: "Bench".into(),
        role: Role::Admin,
        password_hash: String::new(),
        active: true,
        created_at: chrono::Utc::now(),
    });
    let borrower = BorrowerRequest {
        name: Some("Bench Borrower".into()),
        phone: Some("07700 900123".into()),
        consent: Some(ConsentRequest {
            data_processing: Some(true),
            ..ConsentRequest::default()
        }),
        ..BorrowerRequest::default()
    };
    let borrower_id = service::create_from_request(&db, &staff, &borrower, Utc::now())
        .await
        .expect("a borrower")
        .id;
    let due_on = (today(Utc::now()) + chrono::Duration::days(28)).to_string();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..CALLERS)
        .map(|caller| {
            let (db, staff, due_on) = (db.clone(), staff.clone(), due_on.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut number = first + caller;
                while Instant::now() < deadline {
                    if available(number) {
                        let request = IssueRequest {
                            asset_tag: Some(format!("TCH-{number:05}")),
                            borrower_id: Some(borrower_id),
                            due_on: Some(due_on.clone()),
                            hub_id: None,
                            accessories: None,
                        };
                        let started = Instant::now();
                        issue(&db, &staff, &request, Utc::now())
                            .await
                            .expect("the issue succeeds");
                        latencies.push(started.elapsed());
                    }
                    number += CALLERS;
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("a caller"));
    }
    latencies.sort();
    let count = latencies.len();
    let pick = |p: usize| latencies[(count * p / 100).min(count - 1)].as_secs_f64() * 1000.0;
    println!(
        "RESULT rps={:.0} p50_ms={:.2} p95_ms={:.2} p99_ms={:.2} issued={count}",
        f64::from(u32::try_from(count).unwrap_or(u32::MAX))
            / f64::from(u32::try_from(seconds).unwrap_or(u32::MAX)),
        pick(50),
        pick(95),
        pick(99)
    );
}
