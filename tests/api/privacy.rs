//! A person's own data: the export holds everything about them and nothing about anyone else,
//! and every look at a record, agreement or export is in the access log admins read.

use std::io::Read;
use std::process::Command;

use crate::helpers::{TestApp, json_of, run, tools_present};
use lendhub::auth::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn borrower(app: &TestApp, name: &str, email: &str, phone: &str) -> i64 {
    let body = json!({"name": name, "email": email, "phone": phone, "consent": {"loan": true}});
    json_of(app.post("/api/v1/borrowers", &body).await, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap()
}

async fn signed_loan(app: &TestApp, hub: i64, borrower: i64, name: &str) -> i64 {
    let device = json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let loan = app.issue(device["asset_tag"].as_str().unwrap(), borrower).await;
    json_of(
        app.post(
            &format!("/api/v1/loans/{loan}/agreement/accept"),
            &json!({"signed_name": name, "terms_version": "2026-11"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    loan
}

/// Every file of a ZIP, by name.
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (file.name().to_owned(), content)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_export_holds_everything_about_one_person_and_nothing_about_another() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let ada = borrower(&app, "Ada Lovelace", "ada@example.org", "020 7946 0018").await;
    let bob = borrower(&app, "Robert Tables", "bobby@example.org", "07700 900999").await;
    let loan = signed_loan(&app, hub, ada, "Ada Lovelace").await;
    signed_loan(&app, hub, bob, "Robert Tables").await;
    let coordinator = app.staff_token("coord@example.org", Role::Coordinator).await;

    // A coordinator opens Ada's record, then downloads everything held about her.
    let record = app
        .get_as(Some(&coordinator), &format!("/api/v1/borrowers/{ada}"))
        .await;
    assert_eq!(record.status(), StatusCode::OK);
    let response = app
        .get_as(Some(&coordinator), &format!("/api/v1/borrowers/{ada}/export"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let files = unzip(&response.bytes().await.unwrap());
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["README.txt", "person.json", &format!("agreement-loan-{loan}.pdf")]
    );

    let person: Value = serde_json::from_slice(&files[1].1).expect("person.json parses");
    assert_eq!(person["record"]["name"], "Ada Lovelace");
    assert_eq!(person["record"]["email"], "ada@example.org");
    assert_eq!(person["loans"][0]["id"], loan);
    assert_eq!(person["consents"]["current"]["loan"], true);
    assert!(!person["audit_events"].as_array().unwrap().is_empty(), "{person}");
    let readme = String::from_utf8(files[0].1.clone()).unwrap();
    assert!(readme.contains("person.json") && readme.contains("agreement-loan-N.pdf"));

    let mut texts = vec![
        String::from_utf8(files[0].1.clone()).unwrap(),
        String::from_utf8(files[1].1.clone()).unwrap(),
    ];
    if tools_present(&["pdftotext"]) {
        let dir = tempfile::tempdir().unwrap();
        let pdf = dir.path().join("agreement.pdf");
        std::fs::write(&pdf, &files[2].1).unwrap();
        let text = run(Command::new("pdftotext").arg(&pdf).arg("-"));
        assert!(text.contains("Ada Lovelace"), "{text}");
        texts.push(text);
    }
    for text in &texts {
        for other in ["Robert Tables", "bobby@example.org", "07700 900999"] {
            assert!(!text.contains(other), "{other} is in Ada's export");
        }
    }

    // The admin sees both looks, by the coordinator; the coordinator may not read the log.
    let log = json_of(
        app.get(&format!("/api/v1/borrowers/{ada}/access-log")).await,
        StatusCode::OK,
    )
    .await;
    let looks: Vec<(&str, i64)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["what"].as_str().unwrap(), l["staff_id"].as_i64().unwrap()))
        .collect();
    let coordinator_id =
        json_of(app.get_as(Some(&coordinator), "/api/v1/me").await, StatusCode::OK).await["id"]
            .as_i64()
            .unwrap();
    assert_eq!(
        looks,
        [("export", coordinator_id), ("record", coordinator_id)],
        "{log}"
    );
    let refused = app
        .get_as(Some(&coordinator), &format!("/api/v1/borrowers/{ada}/access-log"))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let page = app.page_text(&format!("/borrowers/{ada}")).await;
    assert!(
        page.contains("Who has looked at this record") && page.contains("Everything we hold (the download)")
    );

    // Hub staff may not download a whole person.
    let hub_staff = app.staff_token("hub@example.org", Role::HubStaff).await;
    let refused = app
        .get_as(Some(&hub_staff), &format!("/api/v1/borrowers/{ada}/export"))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}
