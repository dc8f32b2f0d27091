//! Holes a security review found in hub scoping, each kept shut: hub staff read and change only
//! their hubs' loans, calls and notes, wherever the loan is reached from.

use lendhub::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, json_of};

/// Two hubs, a borrower with a loan at each, and a call note on the other hub's loan. Returns
/// the app, the token of hub staff at Riverside, the borrower and the (Riverside, Hilltop) loans.
async fn two_hubs() -> (TestApp, String, i64, i64, i64) {
    let app = TestApp::spawn().await;
    let riverside = app.hub("Riverside").await;
    let hilltop = app.hub("Hilltop").await;
    json_of(app.add_device(riverside, json!({})).await, StatusCode::CREATED).await;
    json_of(app.add_device(hilltop, json!({})).await, StatusCode::CREATED).await;
    let borrower = app.borrower("Phone Only").await;
    let riverside_loan = app.issue("TST-00001", borrower).await;
    let hilltop_loan = app.issue("TST-00002", borrower).await;
    lendhub::reminders::service::sweep(
        &app.db,
        &lendhub::reminders::model::Policy::default(),
        &app.base,
        chrono::Utc::now() + chrono::Duration::days(40),
    )
    .await
    .unwrap();
    let calls = json_of(app.get("/api/v1/reminders/call-list").await, StatusCode::OK).await;
    for call in calls["items"].as_array().unwrap() {
        let note = format!("Hilltop note {}", call["loan_id"]);
        json_of(
            app.post(
                &format!("/api/v1/reminders/{}/outcome", call["id"]),
                &json!({"outcome": "left_message", "notes": note}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    let token = app.staff_token("counter@example.org", Role::HubStaff).await;
    app.assign_hubs(&token, &[riverside]).await;
    (app, token, borrower, riverside_loan, hilltop_loan)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_borrower_shows_hub_staff_only_their_hubs_loans_and_call_notes() {
    let (app, token, borrower, riverside_loan, hilltop_loan) = two_hubs().await;
    let record = json_of(
        app.get_as(Some(&token), &format!("/api/v1/borrowers/{borrower}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let loans: Vec<i64> = record["loans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_i64().unwrap())
        .collect();
    assert_eq!(loans, [riverside_loan], "{record}");

    let page = app
        .get_as(Some(&token), &format!("/borrowers/{borrower}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("TST-00001"), "their own hub's loan is shown");
    assert!(!page.contains("TST-00002"), "another hub's loan is not");
    assert!(page.contains(&format!("Hilltop note {riverside_loan}")));
    assert!(
        !page.contains(&format!("Hilltop note {hilltop_loan}")),
        "another hub's call note is not shown"
    );

    // The counter's borrower search lists open loans too.
    let search = app
        .get_as(Some(&token), "/devices/TST-00001/issue?q=Phone")
        .await
        .text()
        .await
        .unwrap();
    assert!(search.contains("Phone Only"));
    assert!(
        !search.contains("TST-00002"),
        "another hub's open loan at the counter"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hub_staff_cannot_link_another_hubs_loan_to_a_course() {
    let (app, token, _, riverside_loan, hilltop_loan) = two_hubs().await;
    let course = json_of(
        app.post("/api/v1/training/courses", &json!({"title": "Getting online"}))
            .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .clone();
    let link = |loan: i64| {
        app.client
            .put(app.url(&format!("/api/v1/loans/{loan}/course")))
            .bearer_auth(&token)
            .json(&json!({"course_id": course}))
            .send()
    };
    assert_eq!(
        app.get_as(Some(&token), &format!("/api/v1/loans/{hilltop_loan}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(link(hilltop_loan).await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(link(riverside_loan).await.unwrap().status(), StatusCode::OK);
    let loan = json_of(
        app.get(&format!("/api/v1/loans/{hilltop_loan}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        loan["course_id"],
        json!(null),
        "the other hub's loan is unchanged"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hub_staff_take_back_another_hubs_device_without_learning_whose_it_was() {
    let (app, token, _, _, hilltop_loan) = two_hubs().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = |path: String| client.get(app.url(&path)).bearer_auth(&token).send();
    // Find takes them straight to taking it back; the form names the hub, not the borrower.
    let found = page("/devices?q=tst-2".into()).await.unwrap();
    assert_eq!(found.status(), StatusCode::SEE_OTHER);
    let form_path = found.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(form_path, format!("/loans/{hilltop_loan}/return"));
    let form = page(form_path.clone()).await.unwrap().text().await.unwrap();
    assert!(form.contains("Lent from Hilltop"), "{form}");
    assert!(!form.contains("Phone Only"), "the borrower is not named");
    assert_eq!(
        page(format!("/loans/{hilltop_loan}")).await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "the loan itself stays private"
    );

    let returned = json_of(
        app.post_as(
            Some(&token),
            &format!("/api/v1/loans/{hilltop_loan}/return"),
            &json!({"condition": "good", "accessories_returned": []}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(returned["status"], "returned");
    assert!(
        returned.get("borrower_name").is_none() && returned.get("borrower_id").is_none(),
        "{returned}"
    );
    let riverside = returned["returned_hub_id"].as_i64().unwrap();
    // The device is now Riverside's: theirs to check and lend.
    let device = json_of(
        app.get_as(Some(&token), "/api/v1/devices/TST-00002").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(device["hub_id"], riverside);
    assert_eq!(device["status"], "awaiting_checks");
    let loan = json_of(
        app.get(&format!("/api/v1/loans/{hilltop_loan}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(loan["status"], "returned");
}
