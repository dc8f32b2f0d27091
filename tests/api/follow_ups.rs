//! Asking how it went, at its edges: someone with only a phone goes on the call list, whose row
//! opens the form for their answers and leaves the list once they are saved; someone who did not
//! agree is counted and never asked; a loan whose day passed long ago is not asked at all; bad
//! answers name their field; an unknown link, or one whose person was erased, is not there.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_of, json_of};

async fn lend(app: &TestApp, hub: i64, body: Value) -> i64 {
    let device = json_of(
        app.add_device(
            hub,
            json!({"kind": "laptop", "make": "Dell", "model": "Latitude 5490"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let borrower = json_of(app.post("/api/v1/borrowers", &body).await, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap();
    app.issue(device["asset_tag"].as_str().unwrap(), borrower).await;
    borrower
}

async fn ask(app: &TestApp, days: i64) -> lendhub::follow_ups::service::Asked {
    lendhub::follow_ups::service::ask_due(
        &app.db,
        &[28, 91],
        "http://127.0.0.1",
        Utc::now() + Duration::days(days),
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_phone_only_borrower_is_asked_from_the_call_list_and_answers_are_checked() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let phoned = lend(
        &app,
        hub,
        json!({"name": "Pat Phone", "phone": "01632 960111", "consent": {"loan": true, "follow_up": true}}),
    )
    .await;
    lend(
        &app,
        hub,
        json!({"name": "Nia Notasked", "phone": "01632 960112", "consent": {"loan": true}}),
    )
    .await;

    // Too early, then on the day: one to call, one not asked; and only once.
    assert_eq!(
        ask(&app, 20).await,
        lendhub::follow_ups::service::Asked::default()
    );
    let asked = ask(&app, 29).await;
    assert_eq!(
        (asked.emailed, asked.to_call, asked.not_asked),
        (0, 1, 1),
        "{asked:?}"
    );
    assert_eq!(
        ask(&app, 30).await,
        lendhub::follow_ups::service::Asked::default()
    );

    let calls = json_of(app.get("/api/v1/reminders/call-list").await, StatusCode::OK).await;
    let call = calls["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["borrower_id"].as_i64() == Some(phoned))
        .expect("Pat is on the call list")
        .clone();
    assert_eq!(call["reason"], "Ask how it has gone, 4 weeks on");
    let follow_up = call["follow_up_id"]
        .as_i64()
        .expect("the call names its follow-up");
    let page = app.page_text("/reminders/calls").await;
    assert!(
        page.contains(&format!("/follow-ups/{follow_up}/answers")),
        "the call list links to the form"
    );
    let form = app.page_text(&format!("/follow-ups/{follow_up}/answers")).await;
    assert!(form.contains("Are they still using the device?"), "{form}");

    // Bad answers name their field; nothing is saved.
    let path = format!("/api/v1/follow-ups/{follow_up}/answers");
    for (body, field) in [
        (json!({"how_often": "daily"}), "still_using"),
        (json!({"still_using": true, "confidence": 6}), "confidence"),
        (
            json!({"still_using": true, "helped_with": ["gambling"]}),
            "helped_with",
        ),
        (json!({"still_using": true, "how_often": "hourly"}), "how_often"),
    ] {
        let (code, named) = error_of(app.post(&path, &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(
            (code.as_str(), named.as_deref()),
            ("invalid", Some(field)),
            "{body}"
        );
    }
    let saved = json_of(
        app.post(
            &path,
            &json!({"still_using": false, "how_often": "not_at_all", "helped_with": ["family_and_friends"], "confidence": 3}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(saved["status"], "answered");
    assert_eq!(saved["helped_with"], json!(["family_and_friends"]));
    let (code, _) = error_of(
        app.post(&path, &json!({"still_using": true})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "already_answered");
    let calls = json_of(app.get("/api/v1/reminders/call-list").await, StatusCode::OK).await;
    assert!(
        calls["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["borrower_id"].as_i64() != Some(phoned)),
        "answered, the call leaves the list"
    );

    // The list says who was asked and who was not.
    let listed = json_of(
        app.get("/api/v1/follow-ups?status=not_asked").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["borrower_name"], "Nia Notasked");
    let not_asked = listed["items"][0]["id"].as_i64().unwrap();
    let (code, _) = error_of(
        app.post(
            &format!("/api/v1/follow-ups/{not_asked}/answers"),
            &json!({"still_using": true}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "already_answered");
    let (code, field) = error_of(
        app.get("/api/v1/follow-ups?due=yesterday").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!((code.as_str(), field.as_deref()), ("invalid", Some("due")));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_old_loan_is_not_asked_and_an_erased_persons_link_is_gone() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let emailed = lend(
        &app,
        hub,
        json!({"name": "Eve Email", "email": "eve@example.org", "consent": {"loan": true, "follow_up": true}}),
    )
    .await;
    // Its day passed more than two weeks ago (lendhub was not running): never asked.
    assert_eq!(
        ask(&app, 28 + 15).await,
        lendhub::follow_ups::service::Asked::default()
    );
    // The three-month point is another day.
    let asked = ask(&app, 92).await;
    assert_eq!(asked.emailed, 1, "{asked:?}");
    let unknown = app.client.get(app.url("/f/not-a-key")).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // The key is only in the email; erasing Eve stops it working.
    let outbox: Vec<lendhub::entities::reminder::Model> = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        lendhub::entities::reminder::Entity::find()
            .filter(lendhub::entities::reminder::Column::BorrowerId.eq(i32::try_from(emailed).unwrap()))
            .all(&app.db.read)
            .await
            .unwrap()
    };
    let text = &outbox
        .iter()
        .find(|r| r.follow_up_id.is_some())
        .expect("the email")
        .body_text;
    let path = text.split_whitespace().find(|w| w.contains("/f/")).unwrap();
    let path = path[path.find("/f/").unwrap()..].to_owned();
    assert_eq!(
        app.client.get(app.url(&path)).send().await.unwrap().status(),
        StatusCode::OK
    );
    // Erasure needs no open loan: take the laptop back first.
    let loans = json_of(
        app.get(&format!("/api/v1/loans?borrower_id={emailed}")).await,
        StatusCode::OK,
    )
    .await;
    app.return_loan(loans["items"][0]["id"].as_i64().unwrap()).await;
    json_of(
        app.post(
            &format!("/api/v1/borrowers/{emailed}/erase"),
            &json!({"reason": "Asked to be forgotten"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        app.client.get(app.url(&path)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}
