//! The waiting list's edges: hub staff see only their hubs' referrals and entries; a held device
//! that goes to repair lets its person keep their place and the next free device is held for
//! them; staff hold a chosen device after a hold ran out; lending someone the kind they wait for
//! at its hub takes them off that list; erasing someone clears their referral
//! and lets go of their hold; old referrals that never became a borrower are forgotten; the list
//! pages by key without repeating anyone.

use chrono::{Duration, Utc};
use lendhub::auth::Role;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_of, json_of};

async fn tablet(app: &TestApp, hub: i64) -> String {
    let device = app
        .add_device(
            hub,
            json!({"kind": "tablet", "make": "Lenovo", "model": "Tab M10"}),
        )
        .await;
    json_of(device, StatusCode::CREATED).await["asset_tag"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn wait(app: &TestApp, borrower: i64, hub: i64, priority: i64) -> Value {
    json_of(
        app.post(
            "/api/v1/waiting-list",
            &json!({"borrower_id": borrower, "kind": "tablet", "hub_id": hub, "priority": priority}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await
}

async fn entry(app: &TestApp, id: &Value) -> Value {
    json_of(
        app.get(&format!("/api/v1/waiting-list/{id}")).await,
        StatusCode::OK,
    )
    .await
}

/// A referral of `name` for a tablet at `hub`, every eligibility question answered yes; a test
/// changes what it is about.
fn referral(name: &str, phone: &str, hub: Option<i64>) -> Value {
    json!({"name": name, "phone": phone, "needs": ["tablet"], "hub_id": hub,
        "answers": {"over_18": true, "low_income": true, "no_internet": true, "cannot_afford": true},
        "referrer": {"name": "Sam", "organisation": "Council"}, "consent": {"loan": true}})
}

/// Sends `body` to `POST /referrals` as the admin: the referral made.
async fn refer(app: &TestApp, body: &Value) -> Value {
    json_of(app.post("/api/v1/referrals", body).await, StatusCode::CREATED).await
}

async fn hold_runs(app: &TestApp, days: i64) -> lendhub::waiting::service::HoldsRun {
    lendhub::waiting::service::run_holds(&app.db, 5, Utc::now() + Duration::days(days))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn hub_staff_see_only_their_hubs_referrals_and_waiting_list() {
    let app = TestApp::spawn().await;
    let (mine, theirs) = (app.hub("Mine").await, app.hub("Theirs").await);
    let hub_staff = app.staff_token("hub@example.org", Role::HubStaff).await;
    app.assign_hubs(&hub_staff, &[mine]).await;
    let referral = refer(&app, &referral("Olu Elsewhere", "01632 960020", Some(theirs))).await;
    let olu = app.borrower("Olu Elsewhere").await;
    let waiting = wait(&app, olu, theirs, 0).await;
    for path in [
        format!("/api/v1/referrals/{}", referral["id"]),
        format!("/api/v1/waiting-list/{}", waiting["id"]),
    ] {
        let seen = app.get_as(Some(&hub_staff), &path).await;
        assert_eq!(seen.status(), StatusCode::NOT_FOUND, "{path}");
    }
    for path in ["/api/v1/referrals", "/api/v1/waiting-list"] {
        let list = json_of(app.get_as(Some(&hub_staff), path).await, StatusCode::OK).await;
        assert_eq!(list["total"], 0, "{path}: {list}");
    }
    let accept = app
        .client
        .post(app.url(&format!("/api/v1/referrals/{}/accept", referral["id"])))
        .bearer_auth(&hub_staff)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(accept.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_held_device_sent_for_repair_keeps_the_person_s_place_and_the_next_free_one_is_held_for_them() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let (ann, ben) = (app.borrower("Ann First").await, app.borrower("Ben Second").await);
    let ann_entry = wait(&app, ann, hub, 10).await;
    let ben_entry = wait(&app, ben, hub, 0).await;
    let first = tablet(&app, hub).await;
    // Added straight to the shelf, it is held at the next run over the holds.
    assert_eq!(hold_runs(&app, 0).await.offered, 1);
    assert_eq!(entry(&app, &ann_entry["id"]).await["held_device"], json!(first));

    json_of(
        app.post(
            "/api/v1/repairs",
            &json!({"asset_tag": first, "fault": "Cracked screen"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let ann_now = entry(&app, &ann_entry["id"]).await;
    assert_eq!(
        ann_now["held_device"],
        Value::Null,
        "the hold goes with the device"
    );
    assert_eq!(ann_now["status"], "waiting");
    assert_eq!(ann_now["position"], 1, "she keeps her place");

    let second = tablet(&app, hub).await;
    assert_eq!(hold_runs(&app, 0).await.offered, 1);
    assert_eq!(entry(&app, &ann_entry["id"]).await["held_device"], json!(second));
    assert_eq!(entry(&app, &ben_entry["id"]).await["held_device"], Value::Null);

    // Ann's hold runs out; Ben is offered the tablet; a chosen device can be held for someone
    // once a hold on it has run out.
    let run = hold_runs(&app, 6).await;
    assert_eq!(run.lapsed, 1);
    assert_eq!(entry(&app, &ben_entry["id"]).await["held_device"], json!(second));
    let ben_cancel = json_of(
        app.post(
            &format!("/api/v1/waiting-list/{}/cancel", ben_entry["id"]),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ben_cancel["status"], "cancelled");
    let cal = app.borrower("Cal Third").await;
    let cal_entry = wait(&app, cal, hub, 0).await;
    let held = app
        .post(
            &format!("/api/v1/waiting-list/{}/offer", cal_entry["id"]),
            &json!({"asset_tag": second}),
        )
        .await;
    assert_eq!(json_of(held, StatusCode::OK).await["held_device"], json!(second));
    let again = app
        .post(
            &format!("/api/v1/waiting-list/{}/offer", cal_entry["id"]),
            &json!({"asset_tag": second}),
        )
        .await;
    assert_eq!(error_of(again, StatusCode::CONFLICT).await.0, "already_offered");
}

#[tokio::test(flavor = "multi_thread")]
async fn lending_someone_the_kind_they_wait_for_at_its_hub_takes_them_off_the_list() {
    let app = TestApp::spawn().await;
    let (riverside, hilltop) = (app.hub("Riverside").await, app.hub("Hilltop").await);
    let (ann, ben) = (app.borrower("Ann First").await, app.borrower("Ben Second").await);
    let ann_entry = wait(&app, ann, riverside, 0).await;
    let ben_entry = wait(&app, ben, riverside, 0).await;
    // Ben also waits at Hilltop: a tablet lent to him at Riverside ends that entry alone.
    let ben_elsewhere = wait(&app, ben, hilltop, 0).await;
    // Straight from the shelf, before any run of the holds: nobody holds these tablets.
    app.issue(&tablet(&app, riverside).await, ben).await;
    let laptop = app
        .add_device(
            riverside,
            json!({"kind": "laptop", "make": "Dell", "model": "Latitude 5490"}),
        )
        .await;
    let laptop = json_of(laptop, StatusCode::CREATED).await["asset_tag"].clone();
    app.issue(laptop.as_str().unwrap(), ann).await;

    assert_eq!(entry(&app, &ben_entry["id"]).await["status"], "lent");
    assert_eq!(entry(&app, &ben_elsewhere["id"]).await["status"], "waiting");
    let ann_now = entry(&app, &ann_entry["id"]).await;
    assert_eq!(
        ann_now["status"], "waiting",
        "a laptop is not the tablet she waits for"
    );
    assert_eq!(ann_now["position"], 1, "she is first now Ben has his");
}

#[tokio::test(flavor = "multi_thread")]
async fn erasing_someone_clears_their_referral_and_lets_go_of_their_hold() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let mut body = referral("Dora Private", "01632 960030", Some(hub));
    body["address"] = json!("1 Quiet Lane");
    body["reasons"] = json!("Recently bereaved");
    let referral = refer(&app, &body).await;
    let accepted = json_of(
        app.post(
            &format!("/api/v1/referrals/{}/accept", referral["id"]),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let device = tablet(&app, hub).await;
    hold_runs(&app, 0).await;
    assert_eq!(
        entry(&app, &accepted["waiting_id"]).await["held_device"],
        json!(device)
    );
    json_of(
        app.post(
            &format!("/api/v1/borrowers/{}/erase", accepted["borrower_id"]),
            &json!({"reason": "Asked in person"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let read = json_of(
        app.get(&format!("/api/v1/referrals/{}", referral["id"])).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["name"], "Former borrower");
    for field in ["phone", "address", "reasons"] {
        assert_eq!(read[field], Value::Null, "{field}: {read}");
    }
    let gone = entry(&app, &accepted["waiting_id"]).await;
    assert_eq!(gone["status"], "cancelled");
    assert_eq!(gone["held_device"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_forgets_old_referrals_that_never_became_a_borrower() {
    let app = TestApp::spawn().await;
    let mut body = referral("Eli Declined", "01632 960040", None);
    body["needs"] = json!(["sim"]);
    body["referrer"]["email"] = json!("sam@council.example");
    let referral = refer(&app, &body).await;
    json_of(
        app.post(
            &format!("/api/v1/referrals/{}/decline", referral["id"]),
            &json!({"reason": "Eli has a phone contract"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    lendhub::privacy::service::run(&app.db, 24, Utc::now() + Duration::days(30 * 25))
        .await
        .unwrap();
    let read = json_of(
        app.get(&format!("/api/v1/referrals/{}", referral["id"])).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["name"], "Former referral");
    assert_eq!(read["phone"], Value::Null);
    assert_eq!(read["decline_reason"], Value::Null);
    assert_eq!(
        read["referrer"]["organisation"], "Council",
        "who referred, and when, stay"
    );
    // The email that told the referrer why names Eli too: its words go at the same age.
    let email = lendhub::entities::reminder::Entity::find()
        .filter(
            lendhub::entities::reminder::Column::Kind
                .eq(lendhub::reminders::model::ReminderKind::ReferralDeclined),
        )
        .one(&app.db.read)
        .await
        .unwrap()
        .expect("the email to the referrer");
    assert_eq!(email.body_text, "");
    assert_eq!(email.body_html, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_list_pages_by_key_in_its_order_without_repeating_anyone() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let mut expected = Vec::new();
    for (name, priority) in [("Low A", 0), ("High", 9), ("Low B", 0), ("Mid", 5), ("Low C", 0)] {
        let borrower = app.borrower(name).await;
        wait(&app, borrower, hub, priority).await;
        expected.push((priority, name));
    }
    let (code, field) = error_of(
        app.post("/api/v1/waiting-list", &json!({"borrower_id": 1, "hub_id": hub}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!((code.as_str(), field.as_deref()), ("invalid", Some("kind")));
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let after = cursor.as_deref().map_or_else(String::new, |c| {
            format!(
                "&cursor={}",
                form_urlencoded::byte_serialize(c.as_bytes()).collect::<String>()
            )
        });
        let page = json_of(
            app.get(&format!("/api/v1/waiting-list?limit=2{after}")).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(page["total"], 5);
        for item in page["items"].as_array().unwrap() {
            seen.push((
                item["position"].as_u64().unwrap(),
                item["borrower"]["name"].as_str().unwrap().to_owned(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let names: Vec<&str> = seen.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["High", "Mid", "Low A", "Low B", "Low C"]);
    let places: Vec<u64> = seen.iter().map(|(p, _)| *p).collect();
    assert_eq!(places, [1, 2, 3, 4, 5]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shared_phone_alone_does_not_make_two_people_one() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let pat = json_of(
        app.post(
            "/api/v1/borrowers",
            &json!({"name": "Pat Household", "phone": "01632 960050", "consent": {"loan": true}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    for (name, same) in [("Sam Household", false), ("pat household", true)] {
        let referral = refer(&app, &referral(name, "01632 960050", Some(hub))).await;
        let accepted = json_of(
            app.post(
                &format!("/api/v1/referrals/{}/accept", referral["id"]),
                &json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(accepted["matched"], same, "{name}");
        assert_eq!(accepted["borrower_id"].as_i64() == Some(pat), same, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_staff_holding_the_last_tablet_at_once_one_wins() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let (ann, ben) = (app.borrower("Ann Race").await, app.borrower("Ben Race").await);
    let (ann_entry, ben_entry) = (wait(&app, ann, hub, 0).await, wait(&app, ben, hub, 0).await);
    let last = tablet(&app, hub).await;
    let offer = |entry: Value| {
        let (app, last) = (&app, last.clone());
        async move {
            app.post(
                &format!("/api/v1/waiting-list/{}/offer", entry["id"]),
                &json!({"asset_tag": last}),
            )
            .await
            .status()
        }
    };
    let (a, b) = tokio::join!(offer(ann_entry.clone()), offer(ben_entry.clone()));
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "one offer wins");
    let held: Vec<Value> = [
        entry(&app, &ann_entry["id"]).await,
        entry(&app, &ben_entry["id"]).await,
    ]
    .into_iter()
    .map(|e| e["held_device"].clone())
    .collect();
    assert_eq!(held.iter().filter(|h| **h == json!(last)).count(), 1, "{held:?}");
}
