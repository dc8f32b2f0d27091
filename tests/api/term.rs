//! Training run for a term: last week's sessions are reachable, a session is changed and given a
//! trainer after it was made, a learner is taken off, cancelling tells each learner the way they
//! can be reached (email, the call list, a letter), and the course list exists.

use reqwest::{Client, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_of, in_days, json_of};
use lendhub::auth::Role;

fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn page_as(app: &TestApp, client: &Client, token: &str, path: &str) -> String {
    let response = client.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.text().await.unwrap()
}

async fn learner(app: &TestApp, fields: Value) -> i64 {
    let mut body = json!({"consent": {"data_processing": true}});
    body.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    json_of(app.post("/api/v1/borrowers", &body).await, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap()
}

async fn enrol(app: &TestApp, session: i64, borrower: i64) -> reqwest::Response {
    app.post(
        &format!("/api/v1/training/sessions/{session}/enrolments"),
        &json!({"borrower_id": borrower}),
    )
    .await
}

async fn delete(app: &TestApp, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .delete(app.url(path))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap()
}

fn titles(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["course_title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn last_weeks_sessions_and_the_courses_are_reachable() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Bow").await;
    app.session(hub, json!({"starts_at": format!("{}T10:00", in_days(-7))}))
        .await;
    let coming = json_of(app.get("/api/v1/training/sessions").await, StatusCode::OK).await;
    assert!(titles(&coming).is_empty(), "last week is not coming up: {coming}");
    let past = json_of(
        app.get(&format!(
            "/api/v1/training/sessions?from={}&to={}",
            in_days(-14),
            in_days(0)
        ))
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(titles(&past).len(), 1, "{past}");

    // The page walks back to it from "Earlier sessions".
    let client = browser();
    let list = page_as(&app, &client, &app.token, "/training").await;
    let earlier = list
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|href| href.starts_with("/training?from="))
        .expect("an earlier link")
        .replace("&amp;", "&");
    let before = page_as(&app, &client, &app.token, &earlier).await;
    assert!(before.contains("Course {&#34;starts_at&#34;"), "{before}");

    // A year at most at a time, named by field.
    let (_, field) = error_of(
        app.get(&format!(
            "/api/v1/training/sessions?from={}&to={}",
            in_days(-800),
            in_days(0)
        ))
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("to"));

    let courses = page_as(&app, &client, &app.token, "/training/courses").await;
    assert!(courses.contains("1 course, by title"), "{courses}");
    assert!(courses.contains("Course {&#34;starts_at&#34;"), "{courses}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_is_changed_and_given_a_trainer_after_it_was_made() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Bow").await;
    let session = app.session(hub, json!({"capacity": 3})).await;
    let id = session["id"].as_i64().unwrap();
    let path = format!("/api/v1/training/sessions/{id}");
    let trainer = app.staff_token("trainer@example.org", Role::Trainer).await;
    let trainer_id = json_of(app.get_as(Some(&trainer), "/api/v1/me").await, StatusCode::OK).await["id"]
        .as_i64()
        .unwrap();
    let hub_worker = app.staff_token("hub@example.org", Role::HubStaff).await;
    let hub_worker_id =
        json_of(app.get_as(Some(&hub_worker), "/api/v1/me").await, StatusCode::OK).await["id"]
            .as_i64()
            .unwrap();

    let changed = json_of(
        app.patch(
            &path,
            &json!({"starts_at": format!("{}T14:00", in_days(10)), "duration_minutes": 90, "trainer_id": trainer_id}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["duration_minutes"], 90);
    assert_eq!(changed["trainer_id"], trainer_id);
    assert_eq!(changed["capacity"], 3, "what was not given stays");

    // Only people who run sessions can be given one.
    let (_, field) = error_of(
        app.patch(&path, &json!({"trainer_id": hub_worker_id})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("trainer_id"));
    // Places not below those enrolled.
    for name in ["Ann", "Bea"] {
        let borrower = app.borrower(name).await;
        json_of(enrol(&app, id, borrower).await, StatusCode::CREATED).await;
    }
    let (_, field) = error_of(
        app.patch(&path, &json!({"capacity": 1})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("capacity"));
    // Online needs a link.
    let (_, field) = error_of(
        app.patch(&path, &json!({"hub_id": null})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("hub_id"));
    // The trainer changes the time of their session, but not who runs it.
    let moved = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&trainer)
        .json(&json!({"duration_minutes": 60}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::OK);
    let handed = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&trainer)
        .json(&json!({"trainer_id": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(handed.status(), StatusCode::FORBIDDEN);

    // The form shows the session as it is and saves a change.
    let client = browser();
    let form = page_as(
        &app,
        &client,
        &app.token,
        &format!("/training/sessions/{id}/edit"),
    )
    .await;
    assert!(form.contains("2 learners are enrolled now"), "{form}");
    let saved = client
        .post(app.url(&format!("/training/sessions/{id}/edit")))
        .bearer_auth(&app.token)
        .form(&[
            ("trainer_id", trainer_id.to_string()),
            ("hub_id", hub.to_string()),
            ("meeting_url", String::new()),
            ("starts_at", format!("{}T09:30", in_days(11))),
            ("duration_minutes", "60".to_owned()),
            ("capacity", "6".to_owned()),
            ("notes", "Room 2".to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let shown = page_as(&app, &client, &app.token, &format!("/training/sessions/{id}")).await;
    assert!(shown.contains("The session is changed"), "{shown}");
    assert!(shown.contains("9:30am") && shown.contains("2 of 6 taken") && shown.contains("Room 2"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_learner_is_taken_off_and_their_place_is_free() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Bow").await;
    let session = app.session(hub, json!({"capacity": 1})).await;
    let id = session["id"].as_i64().unwrap();
    let (ann, bea) = (app.borrower("Ann").await, app.borrower("Bea").await);
    json_of(enrol(&app, id, ann).await, StatusCode::CREATED).await;
    error_of(enrol(&app, id, bea).await, StatusCode::CONFLICT).await;
    let gone = delete(&app, &format!("/api/v1/training/sessions/{id}/enrolments/{ann}")).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    json_of(enrol(&app, id, bea).await, StatusCode::CREATED).await;
    let again = delete(&app, &format!("/api/v1/training/sessions/{id}/enrolments/{ann}")).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);

    // Once marked, the register keeps them.
    let marked = app
        .put(
            &format!("/api/v1/training/sessions/{id}/attendance"),
            &json!({"records": [{"borrower_id": bea, "status": "present"}]}),
        )
        .await;
    assert_eq!(marked.status(), StatusCode::OK);
    let (code, _) = error_of(
        delete(&app, &format!("/api/v1/training/sessions/{id}/enrolments/{bea}")).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "attendance_recorded");
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_tells_each_learner_the_way_they_can_be_reached() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Bow").await;
    let session = app.session(hub, json!({})).await;
    let id = session["id"].as_i64().unwrap();
    let by_email = learner(&app, json!({"name": "Eve Email", "email": "eve@example.org"})).await;
    let by_phone = learner(&app, json!({"name": "Phil Phone", "phone": "07700 900456"})).await;
    let by_post = learner(
        &app,
        json!({"name": "Pat Post", "address": "1 High Street\nLondon", "postcode": "E3 2AA"}),
    )
    .await;
    for borrower in [by_email, by_phone, by_post] {
        json_of(enrol(&app, id, borrower).await, StatusCode::CREATED).await;
    }
    let week = format!("/api/v1/reports/summary?from={}&to={}", in_days(0), in_days(7));
    let before = json_of(app.get(&week).await, StatusCode::OK).await;
    assert_eq!(before["training"]["sessions"], 1, "{before}");

    // From the page: confirm, then cancel with a reason.
    let client = browser();
    let confirm = page_as(
        &app,
        &client,
        &app.token,
        &format!("/training/sessions/{id}/cancel"),
    )
    .await;
    assert!(
        confirm.contains("The 3 learners enrolled will be told"),
        "{confirm}"
    );
    let cancelled = client
        .post(app.url(&format!("/training/sessions/{id}/cancel")))
        .bearer_auth(&app.token)
        .form(&[("reason", "The trainer is ill.")])
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        cancelled.headers()[header::LOCATION],
        format!("/training/sessions/{id}").as_str()
    );
    let shown = page_as(&app, &client, &app.token, &format!("/training/sessions/{id}")).await;
    assert!(
        shown.contains(
            "The session is cancelled. The learners are told: 1 by email, 1 on the call list and 1 by letter."
        ),
        "{shown}"
    );
    assert!(shown.contains("The trainer is ill."), "{shown}");
    assert!(!shown.contains("Cancel the session"), "cancelled once");

    // The email is in the outbox, the call on the call list, the letter among the letters.
    let outbox = json_of(app.get("/api/v1/reminders?status=queued").await, StatusCode::OK).await;
    let email = outbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["channel"] == "email")
        .expect("an email");
    assert_eq!(email["recipient_email"], "eve@example.org");
    assert_eq!(email["kind"], "session_cancelled");
    assert!(email["subject"].as_str().unwrap().contains("is cancelled"));
    let calls = json_of(app.get("/api/v1/reminders/call-list").await, StatusCode::OK).await;
    let call = &calls["items"][0];
    assert_eq!(call["borrower_id"], by_phone);
    assert_eq!(call["session_id"], id);
    assert!(call["loan_id"].is_null() && call["device"].is_null());
    let letters = page_as(&app, &client, &app.token, "/reminders/letters").await;
    assert!(letters.contains("Pat Post"), "{letters}");
    let calls_page = page_as(&app, &client, &app.token, "/reminders/calls").await;
    assert!(calls_page.contains("Phil Phone") && calls_page.contains("The cancelled session"));
    // A call about it is recorded against the borrower.
    let outcome = app
        .post(
            &format!("/api/v1/reminders/{}/outcome", call["id"]),
            &json!({"outcome": "spoke_to_them"}),
        )
        .await;
    assert_eq!(outcome.status(), StatusCode::OK);

    // It takes no more learners and no second cancelling, and it no longer counts as held.
    let (code, _) = error_of(
        enrol(&app, id, app.borrower("Late Comer").await).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "session_cancelled");
    let (code, _) = error_of(
        app.post(&format!("/api/v1/training/sessions/{id}/cancel"), &json!({}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "session_cancelled");
    let detail = json_of(
        app.get(&format!("/api/v1/training/sessions/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert!(detail["cancelled_at"].is_string());
    assert_eq!(detail["cancel_reason"], "The trainer is ill.");
    let after = json_of(app.get(&week).await, StatusCode::OK).await;
    assert_eq!(
        after["training"]["sessions"].as_i64().unwrap(),
        before["training"]["sessions"].as_i64().unwrap() - 1,
        "{before} {after}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_started_session_is_not_cancelled_and_a_trainer_reads_how_many_are_enrolled() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Bow").await;
    let past = app
        .session(hub, json!({"starts_at": format!("{}T10:00", in_days(-1))}))
        .await;
    let (code, _) = error_of(
        app.post(
            &format!("/api/v1/training/sessions/{}/cancel", past["id"]),
            &json!({}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "session_started");

    let session = app.session(hub, json!({})).await;
    let id = session["id"].as_i64().unwrap();
    for name in ["Ann", "Bea"] {
        let borrower = app.borrower(name).await;
        json_of(enrol(&app, id, borrower).await, StatusCode::CREATED).await;
    }
    let trainer = app.staff_token("other@example.org", Role::Trainer).await;
    let page = page_as(&app, &browser(), &trainer, &format!("/training/sessions/{id}")).await;
    assert!(page.contains("2 of 8 taken"), "{page}");
    assert!(page.contains("2 learners are enrolled."), "{page}");
    assert!(!page.contains("Nobody is enrolled yet"), "{page}");
}
