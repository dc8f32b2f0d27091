//! Day-one flows walked to their end, as the people who use them would: lending leads to signing,
//! and what is left unsigned is listed and counted.

use reqwest::{Client, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::{TestApp, in_days, json_of};

/// A browser that keeps its cookies and does not follow redirects, signed in with the admin's
/// token.
fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn text(app: &TestApp, client: &Client, path: &str) -> String {
    let response = client
        .get(app.url(path))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.text().await.unwrap()
}

fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn lending_leads_straight_to_the_agreement_and_unsigned_loans_are_listed() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Bow").await;
    for _ in 0..3 {
        json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    }
    let borrower = app.borrower("Margaret Ellis").await;
    let client = browser();
    let lent = client
        .post(app.url("/devices/TST-00001/issue"))
        .bearer_auth(&app.token)
        .form(&[("borrower_id", borrower.to_string()), ("due_on", in_days(21))])
        .send()
        .await
        .unwrap();
    assert_eq!(lent.status(), StatusCode::SEE_OTHER);
    let location = lent.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(
        location.ends_with("/agreement"),
        "on to the agreement: {location}"
    );
    let page = text(&app, &client, &location).await;
    assert!(page.contains("TST-00001 lent to Margaret Ellis"), "{page}");
    assert!(page.contains("Go to signing") && page.contains("Print to sign on paper"));
    let loan: i64 = location.split('/').nth(2).unwrap().parse().unwrap();

    // Two more loans; one of the three is signed.
    let second = app.issue("TST-00002", borrower).await;
    let third = app.issue("TST-00003", borrower).await;
    json_of(
        app.post(
            &format!("/api/v1/loans/{second}/agreement/accept"),
            &json!({"signed_name": "Margaret Ellis"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    let unsigned = json_of(app.get("/api/v1/loans?signed=false").await, StatusCode::OK).await;
    assert_eq!(ids(&unsigned), [loan, third], "{unsigned}");
    assert_eq!(unsigned["total"], 2);
    assert_eq!(unsigned["items"][0]["borrower"]["name"], "Margaret Ellis");
    assert_eq!(unsigned["items"][0]["signed"], false);
    let open = json_of(app.get("/api/v1/loans?limit=2").await, StatusCode::OK).await;
    assert_eq!(open["total"], 3);
    assert_eq!(ids(&open).len(), 2);
    let cursor = open["next_cursor"].as_str().unwrap();
    let rest = json_of(
        app.get(&format!("/api/v1/loans?limit=2&cursor={cursor}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&rest).len(), 1);
    assert_eq!(rest["next_cursor"], Value::Null);
    let bad = app.get("/api/v1/loans?status=maybe").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The loan page says plainly it is not signed; the dashboard counts and links them.
    let loan_page = text(&app, &client, &format!("/loans/{loan}")).await;
    assert!(loan_page.contains("The agreement is not signed."), "{loan_page}");
    let dashboard = text(&app, &client, "/").await;
    assert!(
        dashboard.contains("<a href=\"/loans?signed=false\"><strong>2</strong> not signed</a>"),
        "{dashboard}"
    );
    let list = text(&app, &client, "/loans?signed=false").await;
    assert!(
        list.contains("2 open loans whose agreements are not signed"),
        "{list}"
    );
    assert!(list.contains(&format!("/loans/{third}/agreement")));

    // Signing on screen goes back to the loan, which says who signed.
    let signed = client
        .post(app.url(&format!("/loans/{loan}/agreement")))
        .bearer_auth(&app.token)
        .form(&[("signed_name", "Margaret Ellis"), ("agree", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let location = signed.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert_eq!(location, format!("/loans/{loan}"));
    let page = text(&app, &client, &location).await;
    assert!(
        page.contains("The agreement is signed by Margaret Ellis."),
        "{page}"
    );
    assert!(!page.contains("The agreement is not signed."));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_checks_keep_what_was_missing_at_the_return() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Bow").await;
    let accessories = json!({"accessories": ["charger", "sleeve"]});
    json_of(
        app.add_device(hub, accessories.clone()).await,
        StatusCode::CREATED,
    )
    .await;
    json_of(app.add_device(hub, accessories).await, StatusCode::CREATED).await;
    let borrower = app.borrower("Margaret Ellis").await;
    let client = browser();
    for tag in ["TST-00001", "TST-00002"] {
        let loan = json_of(
            app.post(
                "/api/v1/loans",
                &json!({"asset_tag": tag, "borrower_id": borrower, "due_on": in_days(14), "accessories": ["charger", "sleeve"]}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        json_of(
            app.post(
                &format!("/api/v1/loans/{}/return", loan["id"]),
                &json!({"condition": "good", "accessories_returned": ["sleeve"]}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }

    // Through the API: "not complete" with nothing named takes what the return was missing.
    let checks =
        json!({"wiped": true, "wipe_method": "factory_reset", "complete": false, "condition": "good"});
    let device = json_of(
        app.post("/api/v1/devices/TST-00001/checks", &checks).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(device["accessories"], json!(["sleeve"]));
    let events = json_of(app.get("/api/v1/devices/TST-00001/events").await, StatusCode::OK).await;
    let last = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "checks_recorded")
        .unwrap();
    assert_eq!(last["details"]["missing"], json!(["charger"]), "{last}");
    let history = text(&app, &client, "/devices/TST-00001").await;
    assert!(history.contains("missing: charger"), "{history}");
    let wrong = json!({"wiped": true, "wipe_method": "factory_reset", "complete": false, "missing": ["mouse"], "condition": "good"});
    let refused = app.post("/api/v1/devices/TST-00002/checks", &wrong).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Through the page: the return's missing charger is already ticked, and the message says so.
    let form = text(&app, &client, "/devices/TST-00002/checks").await;
    assert!(form.contains("Not brought back at the return: charger"), "{form}");
    let saved = client
        .post(app.url("/devices/TST-00002/checks"))
        .bearer_auth(&app.token)
        .form(&[
            ("wiped", "true"),
            ("wipe_method", "factory_reset"),
            ("complete", "false"),
            ("missing", "charger"),
            ("condition", "good"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let page = text(&app, &client, "/devices/TST-00002").await;
    assert!(
        page.contains("TST-00002 is checked and ready to lend, without its charger."),
        "{page}"
    );
    assert!(!page.contains("charger, sleeve"), "{page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_organisations_settings_reach_labels_agreements_and_the_found_page() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Bow").await;
    json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let before = json_of(app.get("/api/v1/organisation").await, StatusCode::OK).await;
    assert_eq!(before["prefix"], "TST");
    let refused = app.patch("/api/v1/organisation", &json!({"prefix": "ABC"})).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad_phone = app
        .patch("/api/v1/organisation", &json!({"phone": "call us"}))
        .await;
    let body = json_of(bad_phone, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["error"]["field"], "phone");
    let coordinator = app
        .staff_token("coordinator@example.org", lendhub::auth::Role::Coordinator)
        .await;
    let forbidden = app
        .client
        .patch(app.url("/api/v1/organisation"))
        .bearer_auth(&coordinator)
        .json(&json!({"phone": "020 7946 0000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);

    // Through the settings page, as an admin does it.
    let client = browser();
    let saved = client
        .post(app.url("/settings"))
        .bearer_auth(&app.token)
        .form(&[
            ("name", "Tower Hamlets Homes"),
            ("phone", "020 7946 0000"),
            ("email", "devices@example.org"),
            ("address", "1 Roman Road\nLondon E3 2AA"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let after = json_of(app.get("/api/v1/organisation").await, StatusCode::OK).await;
    assert_eq!(after["phone"], "020 7946 0000");
    assert_eq!(after["email"], "devices@example.org");
    assert_eq!(after["prefix"], "TST");
    let cleared = json_of(
        app.patch("/api/v1/organisation", &json!({"email": null})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cleared["email"], Value::Null);

    let found = client
        .get(app.url("/d/TST-00001"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        found.contains("020 7946 0000") && found.contains("Tower Hamlets Homes"),
        "{found}"
    );
    let borrower = app.borrower("Margaret Ellis").await;
    let loan = app.issue("TST-00001", borrower).await;
    let agreement = text(&app, &client, &format!("/loans/{loan}/agreement")).await;
    assert!(
        agreement.contains("Tower Hamlets Homes, phone 020 7946 0000"),
        "{agreement}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn error_pages_keep_the_navigation_of_whoever_is_signed_in() {
    let app = TestApp::spawn().await;
    let client = browser();
    let trainer = app
        .staff_token("trainer@example.org", lendhub::auth::Role::Trainer)
        .await;
    for (token, path, status) in [
        (&app.token, "/loans/999999", StatusCode::NOT_FOUND),
        (&trainer, "/loans/overdue", StatusCode::FORBIDDEN),
    ] {
        let response = client.get(app.url(path)).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        let html = response.text().await.unwrap();
        assert!(html.contains("<nav aria-label=\"Main\""), "{path}: {html}");
        assert!(html.contains("Sign out"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_borrower_list_pages_by_name_or_last_loan_with_its_total() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Bow").await;
    json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let mut ids = Vec::new();
    for n in 0..25 {
        ids.push(app.borrower(&format!("Person {n:02}")).await);
    }
    let lent = app.issue("TST-00001", ids[7]).await;
    app.return_loan(lent).await;

    let mut seen = Vec::new();
    let mut path = "/api/v1/borrowers?limit=10".to_owned();
    loop {
        let page = json_of(app.get(&path).await, StatusCode::OK).await;
        assert_eq!(page["total"], 25);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["name"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/borrowers?limit=10&cursor={cursor}"),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "by name, each once");
    assert_eq!(seen.len(), 25);

    let by_loan = json_of(
        app.get("/api/v1/borrowers?sort=last_loan&limit=2").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_loan["items"][0]["id"], ids[7], "who borrowed last comes first");
    let bad = app.get("/api/v1/borrowers?sort=age").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let client = browser();
    let page = text(&app, &client, "/borrowers").await;
    assert!(page.contains("25 borrowers, by name"), "{page}");
    assert!(!page.contains("Next page"), "fifty to a page hold them all");
    let page = text(&app, &client, "/borrowers?sort=last_loan").await;
    assert!(
        page.contains("25 borrowers, who borrowed most recently first"),
        "{page}"
    );
    let first = page.find("Person 07").unwrap();
    assert!(first < page.find("Person 00").unwrap());
}
