//! Borrowers, loans, checks, repairs and retirement through the API, on a fresh database each.

use std::sync::Arc;

use crate::helpers::{TestApp, error_of, in_days, json_of};
use lendhub::auth::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn app_with_laptop() -> (TestApp, i64) {
    let app = TestApp::spawn().await;
    let hub = app.hub("Whitechapel").await;
    json_of(
        app.add_device(hub, json!({"accessories": ["charger", "sleeve"]}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    (app, hub)
}

#[tokio::test(flavor = "multi_thread")]
async fn borrowers_need_consent_and_a_way_to_reach_them() {
    let app = TestApp::spawn().await;
    let body = json!({
        "name": "Zoë Ångström", "email": "ZOE@example.org", "postcode": "e1 5hr",
        "barriers": ["no_device", "skills"], "consent": {"data_processing": true},
        "large_print": true, "preferred_language": "Welsh"
    });
    let created = json_of(app.post("/api/v1/borrowers", &body).await, StatusCode::CREATED).await;
    assert_eq!(created["name"], "Zoë Ångström");
    assert_eq!(created["email"], "zoe@example.org");
    assert_eq!(created["postcode"], "E1 5HR");
    assert_eq!(created["consent"]["data_processing"], true);
    assert!(created["consent"]["recorded_at"].is_string());
    assert!(created["consent"]["recorded_by"].is_i64());
    assert_eq!(created["large_print"], true);

    let fetched = json_of(
        app.get(&format!("/api/v1/borrowers/{}", created["id"])).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(fetched["barriers"], json!(["no_device", "skills"]));
    assert_eq!(fetched["loans"], json!([]));

    for (body, field) in [
        (
            json!({"name": "A", "phone": "07700 900123"}),
            "consent.data_processing",
        ),
        (
            json!({"name": "A", "phone": "07700 900123", "consent": {"data_processing": false}}),
            "consent.data_processing",
        ),
        (
            json!({"name": "A", "consent": {"data_processing": true}}),
            "contact",
        ),
        (
            json!({"name": "", "phone": "07700 900123", "consent": {"data_processing": true}}),
            "name",
        ),
        (
            json!({"name": "A", "phone": "12", "consent": {"data_processing": true}}),
            "phone",
        ),
        (
            json!({"name": "A", "phone": "07700 900123", "barriers": ["money"], "consent": {"data_processing": true}}),
            "barriers",
        ),
    ] {
        let response = app.post("/api/v1/borrowers", &body).await;
        assert_eq!(
            error_of(response, StatusCode::UNPROCESSABLE_ENTITY)
                .await
                .1
                .as_deref(),
            Some(field),
            "for {body}"
        );
    }

    let found = json_of(app.get("/api/v1/borrowers?q=ngstr").await, StatusCode::OK).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let patched = app
        .client
        .patch(app.url(&format!("/api/v1/borrowers/{}", created["id"])))
        .bearer_auth(&app.token)
        .json(&json!({"phone": "020 7946 0018", "email": null}))
        .send()
        .await
        .unwrap();
    let patched = json_of(patched, StatusCode::OK).await;
    assert_eq!(patched["email"], Value::Null);
    assert_eq!(patched["phone"], "020 7946 0018");
    assert_eq!(
        app.get("/api/v1/borrowers/99999").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_is_found_whether_or_not_its_accents_are_typed() {
    let app = TestApp::spawn().await;
    let sian = app.borrower("Siân Llywelyn").await;
    let zoe = app.borrower("Zoë Brontë").await;
    app.borrower("Sam Ianson").await;
    for (q, expected) in [
        ("sian", vec![sian]),
        ("SIAN", vec![sian]),
        ("Siân", vec![sian]),
        ("zoe", vec![zoe]),
        ("bronte", vec![zoe]),
        ("brontë", vec![zoe]),
    ] {
        let found = json_of(
            app.get(&format!("/api/v1/borrowers?q={}", urlencoding(q))).await,
            StatusCode::OK,
        )
        .await;
        let ids: Vec<i64> = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, expected, "searching for {q:?}");
    }
    // Edited names are found the same way.
    json_of(
        app.patch(
            &format!("/api/v1/borrowers/{zoe}"),
            &json!({"name": "Chloë Brontë"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let found = json_of(app.get("/api/v1/borrowers?q=chloe").await, StatusCode::OK).await;
    assert_eq!(found["items"][0]["id"], zoe);
}

fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_goes_out_comes_back_is_checked_and_goes_out_again() {
    let (app, _) = app_with_laptop().await;
    let ada = app.borrower("Ada Lovelace").await;
    let body = json!({"asset_tag": "tst-00001", "borrower_id": ada, "due_on": in_days(28), "accessories": ["charger", "sleeve"]});
    let loan = json_of(app.post("/api/v1/loans", &body).await, StatusCode::CREATED).await;
    assert_eq!(loan["status"], "open");
    assert_eq!(loan["asset_tag"], "TST-00001");
    assert_eq!(loan["borrower_id"], ada);
    assert_eq!(loan["due_on"], in_days(28));
    assert!(loan["issued_at"].is_string());
    let loan_id = loan["id"].as_i64().unwrap();

    let device = json_of(app.get("/api/v1/devices/TST-00001").await, StatusCode::OK).await;
    assert_eq!(device["status"], "on_loan");
    assert_eq!(device["current_loan"]["id"], loan_id);

    // Out already: the second issue is refused, naming the status.
    let bob = app.borrower("Bob").await;
    let again = app
        .post(
            "/api/v1/loans",
            &json!({"asset_tag": "TST-00001", "borrower_id": bob, "due_on": in_days(7)}),
        )
        .await;
    let body = json_of(again, StatusCode::CONFLICT).await;
    assert_eq!(body["error"]["code"], "device_not_available");
    assert!(body["error"]["message"].as_str().unwrap().contains("on loan"));

    let returned = app
        .post(
            &format!("/api/v1/loans/{loan_id}/return"),
            &json!({"condition": "fair", "accessories_returned": ["charger"], "notes": "scuffed lid"}),
        )
        .await;
    let returned = json_of(returned, StatusCode::OK).await;
    assert_eq!(returned["status"], "returned");
    assert_eq!(returned["missing_accessories"], json!(["sleeve"]));
    assert_eq!(app.status_of("TST-00001").await, "awaiting_checks");

    // Never re-issued before its checks.
    let early = app
        .post(
            "/api/v1/loans",
            &json!({"asset_tag": "TST-00001", "borrower_id": bob, "due_on": in_days(7)}),
        )
        .await;
    let body = json_of(early, StatusCode::CONFLICT).await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("awaiting checks"),
        "{body}"
    );

    let unwiped = app
        .post(
            "/api/v1/devices/TST-00001/checks",
            &json!({"wiped": false, "wipe_method": "factory_reset", "complete": true, "condition": "fair"}),
        )
        .await;
    assert_eq!(
        error_of(unwiped, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .1
            .as_deref(),
        Some("wiped")
    );
    assert_eq!(app.status_of("TST-00001").await, "awaiting_checks");
    let checked = app
        .post(
            "/api/v1/devices/TST-00001/checks",
            &json!({"wiped": true, "wipe_method": "windows_reset", "complete": false, "condition": "fair"}),
        )
        .await;
    let checked = json_of(checked, StatusCode::OK).await;
    assert_eq!(checked["status"], "available");
    assert_eq!(checked["condition"], "fair");

    let second = app.issue("TST-00001", bob).await;
    assert_ne!(second, loan_id);
    let events = json_of(app.get("/api/v1/devices/TST-00001/events").await, StatusCode::OK).await;
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["device_added", "issued", "returned", "checks_recorded", "issued"]
    );

    let history = json_of(app.get(&format!("/api/v1/borrowers/{ada}")).await, StatusCode::OK).await;
    assert_eq!(history["loans"][0]["status"], "returned");
}

#[tokio::test(flavor = "multi_thread")]
async fn issuing_checks_every_field() {
    let (app, _) = app_with_laptop().await;
    let ada = app.borrower("Ada").await;
    for (body, field) in [
        (json!({"borrower_id": ada, "due_on": in_days(7)}), "asset_tag"),
        (
            json!({"asset_tag": "TST-09999", "borrower_id": ada, "due_on": in_days(7)}),
            "asset_tag",
        ),
        (
            json!({"asset_tag": "TST-00001", "due_on": in_days(7)}),
            "borrower_id",
        ),
        (
            json!({"asset_tag": "TST-00001", "borrower_id": 99999, "due_on": in_days(7)}),
            "borrower_id",
        ),
        (json!({"asset_tag": "TST-00001", "borrower_id": ada}), "due_on"),
        (
            json!({"asset_tag": "TST-00001", "borrower_id": ada, "due_on": in_days(-1)}),
            "due_on",
        ),
        (
            json!({"asset_tag": "TST-00001", "borrower_id": ada, "due_on": "next week"}),
            "due_on",
        ),
        (
            json!({"asset_tag": "TST-00001", "borrower_id": ada, "due_on": in_days(7), "hub_id": 99999}),
            "hub_id",
        ),
        (
            json!({"asset_tag": "TST-00001", "borrower_id": "ada", "due_on": in_days(7)}),
            "borrower_id",
        ),
    ] {
        let response = app.post("/api/v1/loans", &body).await;
        assert_eq!(
            error_of(response, StatusCode::UNPROCESSABLE_ENTITY)
                .await
                .1
                .as_deref(),
            Some(field),
            "for {body}"
        );
    }
    assert_eq!(app.status_of("TST-00001").await, "available");
}

#[tokio::test(flavor = "multi_thread")]
async fn loans_are_extended_reported_lost_and_found() {
    let (app, _) = app_with_laptop().await;
    let ada = app.borrower("Ada").await;
    let loan = app.issue("TST-00001", ada).await;

    let earlier = app
        .post(
            &format!("/api/v1/loans/{loan}/extend"),
            &json!({"due_on": in_days(10)}),
        )
        .await;
    assert_eq!(
        error_of(earlier, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .1
            .as_deref(),
        Some("due_on")
    );
    let extended = app
        .post(
            &format!("/api/v1/loans/{loan}/extend"),
            &json!({"due_on": in_days(56), "reason": "course runs on"}),
        )
        .await;
    let extended = json_of(extended, StatusCode::OK).await;
    assert_eq!(extended["due_on"], in_days(56));
    assert_eq!(extended["extensions"][0]["from_due_on"], in_days(28));
    assert_eq!(extended["extensions"][0]["reason"], "course runs on");

    let lost = json_of(
        app.post(
            &format!("/api/v1/loans/{loan}/lost"),
            &json!({"notes": "left on a bus"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(lost["status"], "lost");
    assert_eq!(app.status_of("TST-00001").await, "lost");
    let returned = app
        .post(
            &format!("/api/v1/loans/{loan}/return"),
            &json!({"condition": "good"}),
        )
        .await;
    assert_eq!(error_of(returned, StatusCode::CONFLICT).await.0, "loan_not_open");
    let extend_lost = app
        .post(
            &format!("/api/v1/loans/{loan}/extend"),
            &json!({"due_on": in_days(60)}),
        )
        .await;
    assert_eq!(extend_lost.status(), StatusCode::CONFLICT);

    let found = json_of(
        app.post("/api/v1/devices/TST-00001/found", &json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(found["status"], "awaiting_checks");
    let found_again = app.post("/api/v1/devices/TST-00001/found", &json!({})).await;
    let (code, _) = error_of(found_again, StatusCode::CONFLICT).await;
    assert_eq!(code, "invalid_transition");
    assert_eq!(
        app.post("/api/v1/loans/99999/lost", &json!({})).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn repairs_end_fixed_or_retired_and_retiring_records_the_disposal() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Whitechapel").await;
    for _ in 0..3 {
        json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    }
    let nofault = app
        .post("/api/v1/repairs", &json!({"asset_tag": "TST-00001"}))
        .await;
    assert_eq!(
        error_of(nofault, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .1
            .as_deref(),
        Some("fault")
    );
    let repair = json_of(
        app.post(
            "/api/v1/repairs",
            &json!({"asset_tag": "TST-00001", "fault": "cracked screen", "repairer": "Fixit Ltd"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(app.status_of("TST-00001").await, "in_repair");
    let twice = app
        .post(
            "/api/v1/repairs",
            &json!({"asset_tag": "TST-00001", "fault": "again"}),
        )
        .await;
    assert_eq!(
        error_of(twice, StatusCode::CONFLICT).await.0,
        "invalid_transition"
    );

    let id = repair["id"].as_i64().unwrap();
    let bad = app
        .post(&format!("/api/v1/repairs/{id}/close"), &json!({"outcome": "meh"}))
        .await;
    assert_eq!(
        error_of(bad, StatusCode::UNPROCESSABLE_ENTITY).await.1.as_deref(),
        Some("outcome")
    );
    let closed = json_of(
        app.post(
            &format!("/api/v1/repairs/{id}/close"),
            &json!({"outcome": "fixed", "cost_pence": 4500}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(closed["outcome"], "fixed");
    assert_eq!(closed["cost_pence"], 4500);
    assert_eq!(app.status_of("TST-00001").await, "available");
    let again = app
        .post(
            &format!("/api/v1/repairs/{id}/close"),
            &json!({"outcome": "fixed"}),
        )
        .await;
    assert_eq!(error_of(again, StatusCode::CONFLICT).await.0, "repair_closed");

    let repair = json_of(
        app.post(
            "/api/v1/repairs",
            &json!({"asset_tag": "TST-00002", "fault": "will not boot"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = repair["id"].as_i64().unwrap();
    json_of(
        app.post(
            &format!("/api/v1/repairs/{id}/close"),
            &json!({"outcome": "unrepairable", "disposal_method": "recycled"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(app.status_of("TST-00002").await, "retired");

    let no_method = app.post("/api/v1/devices/TST-00003/retire", &json!({})).await;
    assert_eq!(
        error_of(no_method, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .1
            .as_deref(),
        Some("disposal_method")
    );
    let retired = app
        .post(
            "/api/v1/devices/TST-00003/retire",
            &json!({"disposal_method": "donated", "wipe_certificate": "BL-2026-0042"}),
        )
        .await;
    assert_eq!(json_of(retired, StatusCode::OK).await["status"], "retired");
    let issue_retired = app.post("/api/v1/loans", &json!({"asset_tag": "TST-00003", "borrower_id": app.borrower("Ada").await, "due_on": in_days(7)})).await;
    assert!(
        json_of(issue_retired, StatusCode::CONFLICT).await["error"]["message"]
            .as_str()
            .unwrap()
            .ends_with("it is retired")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_decide_who_lends_and_who_repairs() {
    let (app, _) = app_with_laptop().await;
    let ada = app.borrower("Ada").await;
    let trainer = app.staff_token("trainer@example.org", Role::Trainer).await;
    let hub_staff = app.staff_token("counter@example.org", Role::HubStaff).await;
    app.assign_every_hub(&hub_staff).await;
    let body = json!({"asset_tag": "TST-00001", "borrower_id": ada, "due_on": in_days(7)});
    assert_eq!(
        app.post_as(Some(&trainer), "/api/v1/loans", &body).await.status(),
        StatusCode::FORBIDDEN
    );
    let loan = json_of(
        app.post_as(Some(&hub_staff), "/api/v1/loans", &body).await,
        StatusCode::CREATED,
    )
    .await;
    // A trainer looking the device up does not see who has it.
    let seen = json_of(
        app.get_as(Some(&trainer), "/api/v1/devices/TST-00001").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["current_loan"], Value::Null);
    let back = app
        .post_as(
            Some(&hub_staff),
            &format!("/api/v1/loans/{}/return", loan["id"]),
            &json!({"condition": "good"}),
        )
        .await;
    assert_eq!(back.status(), StatusCode::OK);
    let retire = app
        .post_as(
            Some(&hub_staff),
            "/api/v1/devices/TST-00001/retire",
            &json!({"disposal_method": "recycled"}),
        )
        .await;
    assert_eq!(retire.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_racing_issues_for_one_device_make_one_loan() {
    let (app, _) = app_with_laptop().await;
    let app = Arc::new(app);
    let mut borrowers = Vec::new();
    for i in 0..50 {
        borrowers.push(app.borrower(&format!("Borrower {i}")).await);
    }
    let tasks: Vec<_> = borrowers
        .into_iter()
        .map(|borrower| {
            let app = app.clone();
            tokio::spawn(async move {
                let body = json!({"asset_tag": "TST-00001", "borrower_id": borrower, "due_on": in_days(14)});
                let response = app.post("/api/v1/loans", &body).await;
                let status = response.status();
                let body: Value = response.json().await.unwrap();
                (status, body)
            })
        })
        .collect();
    let mut created = 0;
    let mut conflicts = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                assert_eq!(body["error"]["code"], "device_not_available");
                conflicts += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((created, conflicts), (1, 49));
    let device = json_of(app.get("/api/v1/devices/TST-00001").await, StatusCode::OK).await;
    assert_eq!(device["status"], "on_loan");
    let count = sea_orm::ConnectionTrait::query_one_raw(
        &app.db.read,
        sea_orm::Statement::from_string(app.db.backend(), "SELECT COUNT(*) AS n FROM loans".to_owned()),
    )
    .await
    .unwrap()
    .unwrap()
    .try_get::<i64>("", "n")
    .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_overdue_list_shows_the_oldest_first_with_contact_details() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Whitechapel").await;
    for _ in 0..3 {
        json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    }
    let ada = app.borrower("Ada").await;
    let bob = app.borrower("Bob").await;
    let on_time = app.issue("TST-00001", ada).await;
    let late = app.issue("TST-00002", bob).await;
    let later = app.issue("TST-00003", ada).await;
    // Move due dates into the past directly: the API refuses past dates, rightly.
    for (loan, days) in [(late, 3), (later, 10)] {
        let sql = format!("UPDATE loans SET due_on = '{}' WHERE id = {loan}", in_days(-days));
        sea_orm::ConnectionTrait::execute_unprepared(&app.db.write, &sql)
            .await
            .unwrap();
    }
    let overdue = json_of(app.get("/api/v1/loans/overdue").await, StatusCode::OK).await;
    let items = overdue["items"].as_array().unwrap();
    let ids: Vec<i64> = items.iter().map(|i| i["loan"]["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [later, late]);
    assert!(!ids.contains(&on_time));
    assert_eq!(items[0]["days_overdue"], 10);
    assert_eq!(items[0]["borrower"]["phone"], "07700 900123");
    assert_eq!(items[0]["loan"]["overdue"], true);
    assert_eq!(overdue["next_cursor"], serde_json::Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_overdue_list_pages_by_key_and_keeps_to_a_hub() {
    let app = TestApp::spawn().await;
    let east = app.hub("East").await;
    let west = app.hub("West").await;
    let ada = app.borrower("Ada").await;
    let mut at_east = Vec::new();
    for n in 1..=7 {
        let hub = if n % 2 == 0 { west } else { east };
        json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
        let loan = app.issue(&format!("TST-{n:05}"), ada).await;
        // Loans 1..7 fall due 1..7 days ago, two of them on the same day to test the tie.
        let days = if n == 4 { 3 } else { n };
        let sql = format!(
            "UPDATE loans SET due_on = '{}', hub_id = {hub} WHERE id = {loan}",
            in_days(-days)
        );
        sea_orm::ConnectionTrait::execute_unprepared(&app.db.write, &sql)
            .await
            .unwrap();
        if hub == east {
            at_east.push((days, loan));
        }
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/loans/overdue?limit=2".to_owned();
    for _ in 0..10 {
        let page = json_of(app.get(&path).await, StatusCode::OK).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|i| i["loan"]["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/loans/overdue?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7, "every overdue loan once: {seen:?}");
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 7, "no loan twice: {seen:?}");

    // One hub's, longest overdue first.
    let page = json_of(
        app.get(&format!("/api/v1/loans/overdue?hub_id={east}")).await,
        StatusCode::OK,
    )
    .await;
    let ids: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["loan"]["id"].as_i64().unwrap())
        .collect();
    at_east.sort_by_key(|&(days, id)| (-days, id));
    assert_eq!(ids, at_east.iter().map(|&(_, id)| id).collect::<Vec<_>>());

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("cursor=x", "cursor"),
    ] {
        let (_, named) = error_of(
            app.get(&format!("/api/v1/loans/overdue?{query}")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(named.as_deref(), Some(field), "{query}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_that_is_not_a_number_is_a_400_in_the_contract_shape() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/loans/abc",
        "/api/v1/borrowers/1x",
        "/api/v1/loans/99999999999",
    ] {
        assert_eq!(
            error_of(app.get(path).await, StatusCode::BAD_REQUEST).await.0,
            "malformed",
            "for {path}"
        );
    }
    let posted = app
        .post("/api/v1/loans/abc/return", &json!({"condition": "good"}))
        .await;
    assert_eq!(error_of(posted, StatusCode::BAD_REQUEST).await.0, "malformed");
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_borrowers_have_a_history_over_two_years() {
    let app = TestApp::spawn().await;
    let demo = lendhub::demo::fill(&app.db, 60).await.unwrap();
    let lent = lendhub::demo::lend(&app.db, demo.organisation_id, 30)
        .await
        .unwrap();
    assert_eq!(lent, 30);
    let borrowers = lendhub::people::repo::ids_after(&app.db.read, demo.organisation_id, 0)
        .await
        .unwrap();
    assert_eq!(borrowers.len(), 30);
    let now = chrono::Utc::now();
    let mut with_history = 0;
    let mut oldest = now;
    for borrower in borrowers {
        let path = format!("/api/v1/borrowers/{borrower}");
        let page = json_of(app.get(&path).await, StatusCode::OK).await;
        let loans = page["loans"].as_array().unwrap();
        let at = |loan: &Value, field: &str| {
            loan[field]
                .as_str()
                .unwrap()
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap()
        };
        let open: Vec<&Value> = loans.iter().filter(|l| l["status"] == "open").collect();
        assert_eq!(open.len(), 1, "{page}");
        for past in loans.iter().filter(|l| l["status"] == "returned") {
            with_history += 1;
            assert_eq!(past["asset_tag"], open[0]["asset_tag"], "the same device before");
            assert!(
                at(past, "returned_at") < at(open[0], "issued_at"),
                "back before it went out again"
            );
            oldest = oldest.min(at(past, "issued_at"));
        }
    }
    assert_eq!(with_history, 20, "two in three had the device before");
    let days = (now - oldest).num_days();
    assert!(
        (365..=730).contains(&days),
        "the oldest loan began {days} days ago"
    );
}
