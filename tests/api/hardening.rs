//! The holes an outside review and a fuzzer found, each closed with a test: sign-in that could be
//! raced or used to lock people out, redirects off the site, panics and 500s from what a client
//! sent, work without bound, tokens that could not be revoked, an audit log that could be edited.

use std::net::IpAddr;

use crate::helpers::{PASSWORD, TestApp, error_of, in_days, json_of};
use chrono::{Duration, Utc};
use reqwest::{Client, StatusCode, header};
use sea_orm::ConnectionTrait;
use serde_json::json;

/// A client whose connections come from `address` (any of 127.0.0.0/8 on this machine).
fn client_from(address: &str) -> Client {
    Client::builder()
        .local_address(address.parse::<IpAddr>().unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

async fn ask_for_token(app: &TestApp, client: &Client, password: &str) -> StatusCode {
    client
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"email": "admin@example.org", "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_guesses_get_five_password_checks_and_lock_out_only_their_own_address() {
    let app = TestApp::spawn().await;
    let attacker = client_from("127.0.0.2");
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..20 {
        let (client, url) = (attacker.clone(), app.url("/api/v1/tokens"));
        guesses.spawn(async move {
            let body = json!({"email": "admin@example.org", "password": format!("wrong password {i}")});
            client.post(url).json(&body).send().await.unwrap().status()
        });
    }
    let answers = guesses.join_all().await;
    let checked = answers
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let refused = answers
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (5, 15), "{answers:?}");
    // The right password from the throttled address waits out the window too...
    assert_eq!(
        ask_for_token(&app, &attacker, PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ...but the account's owner, elsewhere, signs in as usual, by the API and by the page.
    let owner = client_from("127.0.0.3");
    assert_eq!(ask_for_token(&app, &owner, PASSWORD).await, StatusCode::CREATED);
    let page = owner
        .post(app.url("/login"))
        .form(&[
            ("email", "admin@example.org"),
            ("password", PASSWORD),
            ("next", "/devices"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread")]
async fn after_sign_in_only_a_plain_path_on_this_site_is_followed() {
    let app = TestApp::spawn().await;
    for next in [
        "/\t/evil.example",
        "/\\evil.example",
        "//evil.example",
        "https://evil.example",
    ] {
        let response = client_from("127.0.0.1")
            .post(app.url("/login"))
            .form(&[
                ("email", "admin@example.org"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(response.headers()[header::LOCATION], "/", "{next:?}");
    }
    for query in [
        "next=/%09/evil.example",
        "next=/%0A/x",
        "next=/%0D%0ASet-Cookie:%20a=b",
    ] {
        let page = app
            .client
            .get(app.url(&format!("/login?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{query}");
        let html = page.text().await.unwrap();
        assert!(!html.contains("evil.example"), "{query}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn input_that_used_to_panic_gets_a_422_naming_the_field() {
    let app = TestApp::spawn().await;
    for postcode in ["E1 5H𝟙", "𝟙𝟙𝟙", "É1 5HR"] {
        let response = app
            .post(
                "/api/v1/borrowers",
                &json!({"name": "Ann", "postcode": postcode, "phone": "07700 900123", "consent": {"data_processing": true}}),
            )
            .await;
        assert_eq!(
            error_of(response, StatusCode::UNPROCESSABLE_ENTITY)
                .await
                .1
                .as_deref(),
            Some("postcode"),
            "{postcode}"
        );
    }
    let course = json_of(
        app.post("/api/v1/training/courses", &json!({"title": "Getting online"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    for starts_at in [
        "+262142-01-01T10:00:00Z",
        "+262142-01-01T10:00",
        "9999-12-31T23:59:59Z",
    ] {
        let response = app
            .post(
                "/api/v1/training/sessions",
                &json!({"course_id": course["id"], "starts_at": starts_at, "duration_minutes": 60, "capacity": 8}),
            )
            .await;
        assert_eq!(
            error_of(response, StatusCode::UNPROCESSABLE_ENTITY)
                .await
                .1
                .as_deref(),
            Some("starts_at"),
            "{starts_at}"
        );
    }
    // The pages that list sessions still answer.
    assert!(app.page_text("/training").await.contains("Training"));
    let hub = app.hub("Riverside").await;
    let device = json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let borrower = app.borrower("Ann Jones").await;
    let response = app
        .post(
            "/api/v1/loans",
            &json!({"asset_tag": device["asset_tag"], "borrower_id": borrower, "due_on": "+262142-01-01"}),
        )
        .await;
    assert_eq!(
        error_of(response, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .1
            .as_deref(),
        Some("due_on")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn what_a_client_sent_is_never_a_500() {
    let app = TestApp::spawn().await;
    app.borrower("Siân Evans").await;
    for q in ["%00abc", "sian%00", "%22%22%22", "AND%20OR%20NOT", "*%5E%22"] {
        let response = app.get(&format!("/api/v1/borrowers?q={q}")).await;
        assert!(
            response.status() == StatusCode::OK || response.status() == StatusCode::UNPROCESSABLE_ENTITY,
            "{q}: {}",
            response.status()
        );
    }
    let found = json_of(
        app.get("/api/v1/borrowers?q=%00%00a%22").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(found["error"]["field"], "q");

    // Marking more letters posted than a database takes parameters.
    let ids: Vec<(&str, String)> = (0..70_000).map(|i| ("ids", i.to_string())).collect();
    let response = app
        .client
        .post(app.url("/reminders/letters/posted"))
        .bearer_auth(&app.token)
        .header(header::ACCEPT, "application/json")
        .form(&ids)
        .send()
        .await
        .unwrap();
    assert_ne!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(response.status().is_client_error(), "{}", response.status());

    // A walk-in naming an organisation that does not exist.
    let hub = app.hub("Riverside").await;
    let session = app.session(hub, json!({})).await;
    let response = app
        .post(
            &format!("/api/v1/training/sessions/{}/enrolments", session["id"]),
            &json!({"walk_in": {"name": "Walk In", "phone": "07700 900123", "resident_of_organisation_id": 999_999, "consent": {"data_processing": true}}}),
        )
        .await;
    assert_eq!(
        error_of(response, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .1
            .as_deref(),
        Some("walk_in.resident_of_organisation_id")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_list_a_client_sends_is_capped() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let many: Vec<String> = (0..100_000).map(|i| format!("a{i}")).collect();
    let response = app.add_device(hub, json!({"accessories": many})).await;
    assert_eq!(
        error_of(response, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .1
            .as_deref(),
        Some("accessories")
    );
    let tags: Vec<String> = (0..5_000).map(|i| format!("TST-{i:05}")).collect();
    let course = json_of(
        app.post("/api/v1/training/courses", &json!({"title": "Getting online"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let response = app
        .post(
            "/api/v1/training/sessions",
            &json!({"course_id": course["id"], "starts_at": format!("{}T10:00", in_days(3)), "duration_minutes": 60, "capacity": 8, "hub_id": hub, "asset_tags": tags}),
        )
        .await;
    assert_eq!(
        error_of(response, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .1
            .as_deref(),
        Some("asset_tags")
    );
    let response = app
        .post(
            "/api/v1/training/sessions",
            &json!({"course_id": course["id"], "starts_at": format!("{}T10:00", in_days(3)), "duration_minutes": 60, "capacity": 8, "hub_id": hub, "notes": "x".repeat(2001)}),
        )
        .await;
    assert_eq!(
        error_of(response, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .1
            .as_deref(),
        Some("notes")
    );

    // One learner marked twice in one register is refused, not written twice.
    let session = json_of(
        app.post(
            "/api/v1/training/sessions",
            &json!({"course_id": course["id"], "starts_at": format!("{}T10:00", in_days(3)), "duration_minutes": 60, "capacity": 8, "hub_id": hub}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let learner = app.borrower("Ann Jones").await;
    let path = format!("/api/v1/training/sessions/{}", session["id"]);
    json_of(
        app.post(&format!("{path}/enrolments"), &json!({"borrower_id": learner}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let twice = json!({"records": [{"borrower_id": learner, "status": "present"}, {"borrower_id": learner, "status": "absent"}]});
    let response = app
        .client
        .put(app.url(&format!("{path}/attendance")))
        .bearer_auth(&app.token)
        .json(&twice)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(response, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .1
            .as_deref(),
        Some("records[1].borrower_id")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_caller_lists_and_revokes_their_own_tokens() {
    let app = TestApp::spawn().await;
    let listed = json_of(app.get("/api/v1/tokens").await, StatusCode::OK).await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{listed}");
    assert!(
        items[0].get("token").is_none() && items[0].get("token_hash").is_none(),
        "no secret: {listed}"
    );
    let other = app
        .staff_token("coordinator@example.org", lendhub::auth::Role::Coordinator)
        .await;
    let id = items[0]["id"].as_i64().unwrap();
    let theirs = app
        .client
        .delete(app.url(&format!("/api/v1/tokens/{id}")))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(
        theirs.status(),
        StatusCode::NOT_FOUND,
        "nobody revokes another's token"
    );
    let revoked = app
        .client
        .delete(app.url(&format!("/api/v1/tokens/{id}")))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get_as(Some(&other), "/api/v1/me").await.status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_left_unused_signs_out_and_old_rows_are_purged() {
    let app = TestApp::spawn().await;
    let browser = client_from("127.0.0.1");
    let signed_in = browser
        .post(app.url("/login"))
        .form(&[
            ("email", "admin@example.org"),
            ("password", PASSWORD),
            ("next", "/devices"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        browser.get(app.url("/devices")).send().await.unwrap().status(),
        StatusCode::OK
    );
    // Three hours pass without a click (the default idle timeout is two).
    let earlier = (Utc::now() - Duration::hours(3)).to_rfc3339();
    app.db
        .write
        .execute_unprepared(&format!(
            "UPDATE staff_sessions SET last_seen_at = '{earlier}', created_at = '{earlier}'"
        ))
        .await
        .unwrap();
    let page = browser.get(app.url("/devices")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert!(
        page.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );

    // The purge removes it, with expired tokens and old sign-in attempts.
    let purged = lendhub::auth::service::purge(&app.db, Utc::now(), Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(purged, 1);
    let left = app
        .db
        .read
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.backend(),
            "SELECT COUNT(*) AS n FROM staff_sessions",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(left.try_get::<i64>("", "n").unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_log_cannot_be_edited_or_deleted() {
    let app = TestApp::spawn().await;
    app.hub("Riverside").await;
    for sql in [
        "UPDATE audit_events SET actor_label = 'nobody'",
        "DELETE FROM audit_events",
    ] {
        assert!(app.db.write.execute_unprepared(sql).await.is_err(), "{sql}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn behind_https_browsers_are_told_to_stay_on_https() {
    use tower::ServiceExt;
    let app = TestApp::spawn().await;
    assert!(
        app.get("/healthz")
            .await
            .headers()
            .get(header::STRICT_TRANSPORT_SECURITY)
            .is_none()
    );
    let mut config = lendhub::config::Config::for_database(&app.database_url);
    config.public_url = "https://loans.example.org".into();
    let state = lendhub::state::AppState {
        db: app.db.clone(),
        config: std::sync::Arc::new(config),
        setup_token: None,
        imports: lendhub::imports::model::Jobs::default(),
    };
    let response = lendhub::startup::router(state)
        .oneshot(
            axum::http::Request::get("/healthz")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        response.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn trainers_see_their_own_learners_names_and_needs_and_nothing_more() {
    let app = TestApp::spawn().await;
    let mine = app
        .staff_token("trainer@example.org", lendhub::auth::Role::Trainer)
        .await;
    let other = app
        .staff_token("other.trainer@example.org", lendhub::auth::Role::Trainer)
        .await;
    let me = json_of(app.get_as(Some(&mine), "/api/v1/me").await, StatusCode::OK).await;
    let learner = json_of(
        app.post(
            "/api/v1/borrowers",
            &json!({"name": "Margaret Ellis", "phone": "07700 900555", "email": "margaret@example.org", "address": "4 Bow Road", "accessibility_needs": "Hard of hearing: sit near the front", "consent": {"data_processing": true}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let course = json_of(
        app.post("/api/v1/training/courses", &json!({"title": "Email"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let session = json_of(
        app.post(
            "/api/v1/training/sessions",
            &json!({"course_id": course["id"], "starts_at": format!("{}T10:00", in_days(1)), "duration_minutes": 90, "capacity": 8, "trainer_id": me["id"], "meeting_url": "https://meet.example.org/a"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/api/v1/training/sessions/{}", session["id"]);
    json_of(
        app.post(
            &format!("{path}/enrolments"),
            &json!({"borrower_id": learner["id"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    // Their own learner: name and needs, on the register and the learner page; no contact details.
    let register = json_of(app.get_as(Some(&mine), &path).await, StatusCode::OK).await;
    let seen = &register["enrolments"][0];
    assert_eq!(seen["name"], "Margaret Ellis");
    assert_eq!(seen["accessibility_needs"], "Hard of hearing: sit near the front");
    let id = learner["id"].as_i64().unwrap();
    let page = app
        .client
        .get(app.url(&format!("/training/learners/{id}")))
        .bearer_auth(&mine)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Margaret Ellis") && html.contains("Hard of hearing"));
    for private in ["07700 900555", "margaret@example.org", "4 Bow Road"] {
        assert!(
            !html.contains(private) && !register.to_string().contains(private),
            "{private}"
        );
    }
    // Borrowers' records, searches and another trainer's learners are refused.
    for call in ["/api/v1/borrowers?q=margaret", &format!("/api/v1/borrowers/{id}")] {
        assert_eq!(
            app.get_as(Some(&mine), call).await.status(),
            StatusCode::FORBIDDEN,
            "{call}"
        );
    }
    assert_eq!(
        app.get_as(Some(&other), &format!("/api/v1/borrowers/{id}/training"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let theirs = json_of(app.get_as(Some(&other), &path).await, StatusCode::OK).await;
    assert_eq!(theirs["enrolments"], json!([]), "{theirs}");
    assert_eq!(theirs["enrolled"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_typed_tag_cannot_poison_the_numbering() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    for tag in ["TST-999999999", "ABC-00001", "TST-1000000"] {
        let response = app.add_device(hub, json!({"asset_tag": tag})).await;
        assert_eq!(
            error_of(response, StatusCode::UNPROCESSABLE_ENTITY)
                .await
                .1
                .as_deref(),
            Some("asset_tag"),
            "{tag}"
        );
    }
    json_of(
        app.add_device(hub, json!({"asset_tag": "TST-999999"})).await,
        StatusCode::CREATED,
    )
    .await;
    let next = json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let tag = next["asset_tag"].as_str().unwrap();
    assert_eq!(tag, "TST-1000000");
    // A generated tag always reads back.
    json_of(app.get(&format!("/api/v1/devices/{tag}")).await, StatusCode::OK).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn names_and_addresses_refuse_control_characters() {
    let app = TestApp::spawn().await;
    for (body, field) in [
        (json!({"name": "Hub\u{0}One"}), "name"),
        (json!({"name": "Hub\u{1b}[2J"}), "name"),
        (json!({"name": "Hub", "address": "1 High St\u{7}"}), "address"),
    ] {
        let response = app.post("/api/v1/hubs", &body).await;
        assert_eq!(
            error_of(response, StatusCode::UNPROCESSABLE_ENTITY)
                .await
                .1
                .as_deref(),
            Some(field),
            "{body}"
        );
    }
    json_of(
        app.post(
            "/api/v1/hubs",
            &json!({"name": "Hub", "address": "1 High St\r\nLeeds"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
}
