//! The scheme's figures: the lead organisation's admins and coordinators see each
//! organisation's counts and their total, in the summary, the funder report's page and its
//! spreadsheet; a partner sees only its own and no other organisation's name.

use lendhub::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, json_of};
use crate::partners::partner;

#[tokio::test(flavor = "multi_thread")]
async fn the_lead_sees_each_organisation_s_counts_and_a_partner_only_its_own() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Lead hub").await;
    app.add_device(
        hub,
        json!({"kind": "laptop", "make": "Dell", "model": "Latitude"}),
    )
    .await;
    let created = json_of(
        app.post("/api/v1/organisations", &partner("WKT", "tia@wkt.example.org"))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let partner_id = i32::try_from(created["id"].as_i64().unwrap()).unwrap();
    let partner_admin = app
        .staff_token_in(partner_id, "pa@wkt.example.org", Role::Admin)
        .await;
    let partner_hub = json_of(
        app.post_as(
            Some(&partner_admin),
            "/api/v1/hubs",
            &json!({"name": "Training room"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    for _ in 0..2 {
        json_of(
            app.post_as(
                Some(&partner_admin),
                "/api/v1/devices",
                &json!({"kind": "tablet", "make": "Lenovo", "model": "Tab", "hub_id": partner_hub["id"]}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let lead = json_of(app.get("/api/v1/reports/summary").await, StatusCode::OK).await;
    assert_eq!(lead["devices"]["total"], 1, "the lead's own figures stay its own");
    let scheme = &lead["by_organisation"];
    let devices: Vec<(&str, u64)> = scheme["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["name"].as_str().unwrap(), o["devices"].as_u64().unwrap()))
        .collect();
    assert_eq!(devices, [("Test Homes", 1), ("West Kent Training", 2)]);
    assert_eq!(scheme["total"]["devices"], 3);
    let coordinator = app.staff_token("co@example.org", Role::Coordinator).await;
    let seen = json_of(
        app.get_as(Some(&coordinator), "/api/v1/reports/summary").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["by_organisation"]["total"]["devices"], 3);
    let own = json_of(
        app.get_as(Some(&partner_admin), "/api/v1/reports/summary").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(own["devices"]["total"], 2);
    assert!(
        own.get("by_organisation").is_none(),
        "a partner's answer names no other organisation: {own}"
    );
    assert!(!own.to_string().contains("Test Homes"));

    // The funder report's spreadsheet: a column for each organisation and one for them all.
    let borrower = app.borrower("Lead Borrower").await;
    app.issue("TST-00001", borrower).await;
    let partner_borrower = json_of(
        app.post_as(
            Some(&partner_admin),
            "/api/v1/borrowers",
            &json!({"name": "Partner Borrower", "phone": "07700 900777", "consent": {"loan": true}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    for tag in ["WKT-00001", "WKT-00002"] {
        json_of(
            app.post_as(
                Some(&partner_admin),
                "/api/v1/loans",
                &json!({"asset_tag": tag, "borrower_id": partner_borrower["id"], "due_on": crate::helpers::in_days(30)}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let csv = app.get("/api/v1/reports/funder.csv").await.text().await.unwrap();
    let rows: Vec<Vec<&str>> = csv
        .trim_start_matches('\u{feff}')
        .lines()
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "figure",
            "label",
            "value",
            "Test Homes",
            "West Kent Training",
            "All organisations"
        ]
    );
    let issued = rows.iter().find(|r| r[0] == "loans.issued").unwrap();
    assert_eq!(issued[2..], ["1", "1", "2", "3"], "{csv}");
    let people = rows.iter().find(|r| r[0] == "people.borrowed").unwrap();
    assert_eq!(people[2..], ["1", "1", "1", "2"], "{csv}");
    let own = app
        .get_as(Some(&partner_admin), "/api/v1/reports/funder.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        own.lines().next().unwrap().ends_with("figure,label,value"),
        "{own}"
    );
    assert!(!own.contains("Test Homes"));
    let issued = own.lines().find(|l| l.starts_with("loans.issued,")).unwrap();
    assert!(issued.ends_with(",2"), "{issued}");
    let page = app.page_text("/reports/funder").await;
    assert!(
        page.contains("By organisation") && page.contains("All organisations"),
        "{page}"
    );
}
