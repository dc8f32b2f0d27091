//! The outbox as an admin reads it: searched by subject, address or the borrower's name, paged
//! by key both ways with the total on every page, and each message read whole.

use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_of, in_days, json_of};
use lendhub::entities::reminder;
use lendhub::reminders::model::{Channel, ReminderKind, ReminderStatus};

/// 120 digests, "Weekly digest 0" to "Weekly digest 119", to three coordinators in turn.
async fn digests(app: &TestApp) {
    let now = Utc::now();
    let rows = (0..120).map(|n| reminder::ActiveModel {
        organisation_id: Set(app.organisation_id),
        dedupe_key: Set(format!("test-digest-{n}")),
        kind: Set(ReminderKind::Digest),
        step: Set(n),
        channel: Set(Channel::Email),
        status: Set(ReminderStatus::Sent),
        recipient_email: Set(Some(format!("coordinator{}@example.org", n % 3))),
        subject: Set(format!("Weekly digest {n}")),
        body_text: Set(format!("Hello,\n\nThis is digest number {n}.\n")),
        next_attempt_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    });
    reminder::Entity::insert_many(rows)
        .exec_without_returning(&app.db.write)
        .await
        .unwrap();
}

fn subjects(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["subject"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_outbox_pages_both_ways_with_its_total() {
    let app = TestApp::spawn().await;
    digests(&app).await;
    let first = json_of(app.get("/api/v1/reminders?limit=50").await, StatusCode::OK).await;
    assert_eq!(first["total"], 120);
    assert_eq!(subjects(&first)[0], "Weekly digest 119", "newest first");
    assert!(first["newer"].is_null());
    let second = json_of(
        app.get(&format!("/api/v1/reminders?limit=50&before={}", first["older"]))
            .await,
        StatusCode::OK,
    )
    .await;
    let third = json_of(
        app.get(&format!("/api/v1/reminders?limit=50&before={}", second["older"]))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(subjects(&third).len(), 20);
    assert!(third["older"].is_null(), "the last page");
    assert_eq!(third["total"], 120, "the total on every page");
    // And back: the page before the third is the second again.
    let back = json_of(
        app.get(&format!("/api/v1/reminders?limit=50&after={}", third["newer"]))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(subjects(&back), subjects(&second));
    let (_, field) = error_of(
        app.get("/api/v1/reminders?before=5&after=3").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("after"));

    // The page walks the same way.
    let page = app.page_text("/reminders/outbox").await;
    assert!(page.contains("120 messages, the newest first"), "{page}");
    assert!(page.contains("Older messages") && !page.contains("Newer messages"));
    let older = page
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|href| href.contains("before="))
        .unwrap()
        .replace("&amp;", "&");
    let next = app.page_text(&older).await;
    assert!(next.contains("Newer messages") && next.contains("Weekly digest 19<"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_outbox_is_searched_and_each_message_read_whole() {
    let app = TestApp::spawn().await;
    digests(&app).await;
    let by_address = json_of(app.get("/api/v1/reminders?q=Coordinator1@").await, StatusCode::OK).await;
    assert_eq!(by_address["total"], 40);
    let by_subject = json_of(app.get("/api/v1/reminders?q=digest%2011").await, StatusCode::OK).await;
    assert_eq!(by_subject["total"], 11, "11 and 110 to 119");
    let (_, field) = error_of(
        app.get("/api/v1/reminders?q=x").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("q"));

    // By the borrower's name: a learner told that a session is cancelled.
    let hub = app.hub("Bow").await;
    let session = app
        .session(hub, json!({"starts_at": format!("{}T10:00", in_days(4))}))
        .await;
    let zadie = json_of(
        app.post(
            "/api/v1/borrowers",
            &json!({"name": "Zadie Quill", "email": "zq@example.org", "consent": {"data_processing": true}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    json_of(
        app.post(
            &format!("/api/v1/training/sessions/{}/enrolments", session["id"]),
            &json!({"borrower_id": zadie}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json_of(
        app.post(
            &format!("/api/v1/training/sessions/{}/cancel", session["id"]),
            &json!({"reason": "The hub is closed for repairs."}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let found = json_of(app.get("/api/v1/reminders?q=zadie").await, StatusCode::OK).await;
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["items"][0]["borrower_name"], "Zadie Quill");
    let id = found["items"][0]["id"].as_i64().unwrap();
    let message = json_of(app.get(&format!("/api/v1/reminders/{id}")).await, StatusCode::OK).await;
    let text = message["body_text"].as_str().unwrap();
    assert!(text.starts_with("Hello Zadie Quill,"), "{text}");
    assert!(text.contains("is cancelled") && text.contains("The hub is closed for repairs."));

    let page = app.page_text("/reminders/outbox?q=zadie").await;
    assert!(page.contains("1 message matching “zadie”"), "{page}");
    let read = app.page_text(&format!("/reminders/outbox/{id}")).await;
    assert!(read.contains("The hub is closed for repairs.") && read.contains("Zadie Quill"));
    let missing = app.get("/api/v1/reminders/999999").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}
