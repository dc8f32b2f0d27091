//! Exports through the API: whole tables as CSV a spreadsheet opens safely, every row once across
//! the batches they stream in, and personal data only for the roles that report on the scheme.

use crate::helpers::{TestApp, json_of};
use lendhub::{
    auth::Role,
    entities::{borrower, device, enrolment, loan, training_session},
};
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

/// A download's rows, after checking it is a CSV file that starts with a BOM and `columns`.
async fn rows(app: &TestApp, path: &str, columns: &str) -> Vec<csv::StringRecord> {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    let headers = response.headers();
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"lendhub-"),
        "{:?}",
        headers["content-disposition"]
    );
    let body = response.text().await.unwrap();
    let body = body.strip_prefix('\u{feff}').expect("a BOM first");
    let (header, _) = body.split_once("\r\n").expect("CRLF line ends");
    assert_eq!(header, columns, "{path}");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    reader.records().map(|r| r.expect("a CSV row")).collect()
}

fn column(rows: &[csv::StringRecord], at: usize) -> Vec<&str> {
    rows.iter().map(|r| &r[at]).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn exports_hold_every_row_once_and_are_safe_to_open() {
    let app = TestApp::spawn().await;
    // More than two batches of devices, loans over them, and sessions with registers.
    let demo = lendhub::demo::fill(&app.db, 1_100).await.unwrap();
    lendhub::demo::lend(&app.db, demo.organisation_id, 300)
        .await
        .unwrap();
    lendhub::demo::train(&app.db, demo.organisation_id, 12)
        .await
        .unwrap();
    let hub = app.hub("Riverside").await;
    let formula = json_of(
        app.add_device(
            hub,
            json!({"make": "=HYPERLINK(\"http://x.example\")", "model": "@SUM(A1)"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let sian = json_of(
        app.post(
            "/api/v1/borrowers",
            &json!({"name": "Siân Hughes", "phone": "+44 7700 900461", "postcode": "M14 5TQ",
                    "consent": {"data_processing": true}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();

    let db = &app.db.read;
    let devices = rows(
        &app,
        "/api/v1/reports/devices.csv",
        "asset_tag,kind,make,model,serial_number,imei,hub,status,condition,accessories,funding_source,\
         purchased_on,purchase_cost,notes,sim_iccid,sim_network,sim_allowance_gb,sim_plan_ends_on",
    )
    .await;
    let mut tags = column(&devices, 0);
    assert_eq!(tags.len() as u64, device::Entity::find().count(db).await.unwrap());
    tags.sort_unstable();
    tags.dedup();
    assert_eq!(tags.len(), devices.len(), "a device twice");
    let row = devices
        .iter()
        .find(|r| &r[0] == formula["asset_tag"].as_str().unwrap())
        .unwrap();
    assert_eq!(&row[2], "'=HYPERLINK(\"http://x.example\")");
    assert_eq!(&row[3], "'@SUM(A1)");
    assert_eq!(&row[6], "Riverside");

    let loans = rows(
        &app,
        "/api/v1/reports/loans.csv",
        "id,asset_tag,borrower_id,hub,status,issued_on,due_on,returned_on,return_condition,lost_on",
    )
    .await;
    assert_eq!(loans.len() as u64, loan::Entity::find().count(db).await.unwrap());
    assert!(loans.len() >= 300);
    assert!(column(&loans, 4).contains(&"returned"), "the demo's past loans");

    let columns = "id,name,email,phone,address,postcode,barriers,large_print,preferred_language,\
                   accessibility_needs,prefers_phone,referral_source,added_on";
    let borrowers = rows(&app, "/api/v1/reports/borrowers.csv", columns).await;
    assert_eq!(
        borrowers.len() as u64,
        borrower::Entity::find().count(db).await.unwrap()
    );
    let row = borrowers.iter().find(|r| r[0] == sian.to_string()).unwrap();
    assert_eq!(&row[1], "Siân Hughes");
    assert_eq!(&row[3], "'+44 7700 900461");

    let pseudonymised = rows(
        &app,
        "/api/v1/reports/borrowers.csv?pseudonymised=true",
        "id,postcode_district,barriers,large_print,preferred_language,referral_source,added_on",
    )
    .await;
    assert_eq!(pseudonymised.len(), borrowers.len());
    let row = pseudonymised.iter().find(|r| r[0] == sian.to_string()).unwrap();
    assert_eq!(&row[1], "M14");
    for (named, bare) in borrowers.iter().zip(&pseudonymised) {
        assert_eq!(named[0], bare[0]);
        let text = bare.iter().collect::<Vec<_>>().join(",");
        for personal in [&named[1], &named[2], &named[3], &named[4], &named[5]] {
            assert!(
                personal.is_empty() || !text.contains(personal),
                "{personal} in {text}"
            );
        }
    }

    let sessions = rows(
        &app,
        "/api/v1/reports/sessions.csv",
        "id,course,starts_at,duration_minutes,capacity,hub,online,trainer,enrolled",
    )
    .await;
    assert_eq!(
        sessions.len() as u64,
        training_session::Entity::find().count(db).await.unwrap()
    );
    assert!(
        sessions.iter().all(|r| !r[1].is_empty()),
        "every session names its course"
    );
    let attendance = rows(
        &app,
        "/api/v1/reports/attendance.csv",
        "session_id,course,starts_at,borrower_id,attendance",
    )
    .await;
    assert_eq!(
        attendance.len() as u64,
        enrolment::Entity::find().count(db).await.unwrap()
    );
    let enrolled: u64 = column(&sessions, 8)
        .iter()
        .map(|n| n.parse::<u64>().unwrap())
        .sum();
    assert_eq!(enrolled, attendance.len() as u64);
    assert!(column(&attendance, 4).contains(&"present"));
}

#[tokio::test(flavor = "multi_thread")]
async fn only_admins_and_coordinators_export() {
    let app = TestApp::spawn().await;
    let coordinator = app
        .staff_token("coordinator@example.org", Role::Coordinator)
        .await;
    let hub_staff = app.staff_token("counter@example.org", Role::HubStaff).await;
    let trainer = app.staff_token("trainer@example.org", Role::Trainer).await;
    for name in ["devices", "loans", "borrowers", "sessions", "attendance"] {
        let path = format!("/api/v1/reports/{name}.csv");
        assert_eq!(
            app.get_as(Some(&coordinator), &path).await.status(),
            StatusCode::OK
        );
        for token in [&hub_staff, &trainer] {
            let error = json_of(app.get_as(Some(token), &path).await, StatusCode::FORBIDDEN).await;
            assert!(
                error["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("download spreadsheets"),
                "{error}"
            );
        }
        assert_eq!(app.get_as(None, &path).await.status(), StatusCode::UNAUTHORIZED);
    }
    let error = json_of(
        app.get("/api/v1/reports/borrowers.csv?pseudonymised=perhaps")
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error["error"]["field"], "pseudonymised", "{error}");
}
