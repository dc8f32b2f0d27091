//! Holes a security review found outside hub scoping, each a regression test: money that
//! overflowed the figures, free text in the pseudonymised export, personal answers cached, a body
//! over the limit answered in another shape.

use reqwest::{StatusCode, header};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::json;

use crate::helpers::{TestApp, error_of, json_of};
use lendhub::entities::{device, repair};

#[tokio::test(flavor = "multi_thread")]
async fn costs_are_bounded_and_the_figures_never_overflow() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Bow").await;
    let huge = app
        .add_device(hub, json!({"purchase_cost_pence": i64::MAX}))
        .await;
    let (_, field) = error_of(huge, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(field.as_deref(), Some("purchase_cost_pence"));
    json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;

    let repair = json_of(
        app.post(
            "/api/v1/repairs",
            &json!({"asset_tag": "TST-00001", "fault": "cracked screen"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let close = format!("/api/v1/repairs/{}/close", repair["id"]);
    let refused = app
        .post(&close, &json!({"outcome": "fixed", "cost_pence": i64::MAX}))
        .await;
    let (_, field) = error_of(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(field.as_deref(), Some("cost_pence"));

    // Two such costs written before the bound (as an old database may hold) still add up.
    let devices = device::Entity::find().all(&app.db.read).await.unwrap();
    let now = chrono::Utc::now();
    for device in devices.iter().take(2) {
        repair::Entity::insert(repair::ActiveModel {
            organisation_id: Set(app.organisation_id),
            device_id: Set(device.id),
            fault: Set("from before".into()),
            opened_at: Set(now - chrono::Duration::days(2)),
            outcome: Set(Some(lendhub::loans::model::RepairOutcome::Fixed)),
            cost_pence: Set(Some(i64::MAX)),
            closed_at: Set(Some(now - chrono::Duration::days(1))),
            ..Default::default()
        })
        .exec(&app.db.write)
        .await
        .unwrap();
    }
    for path in [
        "/",
        "/reports/funder",
        "/api/v1/reports/funder.csv",
        "/api/v1/reports/funder.pdf",
        "/api/v1/reports/summary",
    ] {
        let response = app.get(path).await;
        let status = response.status();
        assert_eq!(
            status,
            StatusCode::OK,
            "GET {path}: {}",
            response.text().await.unwrap()
        );
    }
    let csv = app.get("/api/v1/reports/funder.csv").await.text().await.unwrap();
    assert!(csv.contains("repairs.cost,Cost of repairs,200000.00"), "{csv}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pseudonymised_export_holds_closed_values_only() {
    let app = TestApp::spawn().await;
    let body = json!({
        "name": "Ada Lovelace", "address": "1 Roman Road", "postcode": "E3 4AB", "consent": {"data_processing": true},
        "referral_source": "Referred by Jo Bloggs jo@example.org 07700 900777",
        "preferred_language": "Ada's own words",
    });
    json_of(app.post("/api/v1/borrowers", &body).await, StatusCode::CREATED).await;
    let csv = app
        .get("/api/v1/reports/borrowers.csv?pseudonymised=true")
        .await
        .text()
        .await
        .unwrap();
    let header = csv.lines().next().unwrap().trim_start_matches('\u{feff}');
    assert_eq!(
        header,
        "id,postcode_district,barriers,large_print,prefers_phone,added_on"
    );
    for personal in ["Jo Bloggs", "jo@example.org", "07700", "Ada"] {
        assert!(!csv.contains(personal), "{personal} in {csv}");
    }
    assert!(csv.contains(",E3,"), "{csv}");
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_with_personal_data_are_never_cached() {
    let app = TestApp::spawn().await;
    let borrower = app.borrower("Ada Lovelace").await;
    for path in [
        format!("/api/v1/borrowers/{borrower}"),
        format!("/borrowers/{borrower}"),
        "/api/v1/reports/borrowers.csv".to_owned(),
        "/".to_owned(),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            "no-store",
            "GET {path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_the_limit_is_answered_in_the_error_shape() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn().await;
    // Only the headers are sent: the answer comes from the declared length alone, so no race
    // between the client still writing and the server closing.
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /api/v1/borrowers HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        app.token,
        3 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"code\":\"payload_too_large\""), "{answer}");
}
