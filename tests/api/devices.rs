//! The devices and hubs API through real HTTP, each test on a fresh database.

use crate::helpers::{TestApp, error_of, json_of};
use lendhub::auth::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn hubs_are_created_and_listed_by_name() {
    let app = TestApp::spawn().await;
    let created = json_of(
        app.post("/api/v1/hubs", &json!({"name": "Poplar Job Club"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["name"], "Poplar Job Club");
    assert_eq!(created["address"], Value::Null);
    app.hub("Bow Library").await;

    let list = json_of(app.get("/api/v1/hubs").await, StatusCode::OK).await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bow Library", "Poplar Job Club"]);

    let duplicate = app.post("/api/v1/hubs", &json!({"name": "Bow Library"})).await;
    assert_eq!(error_of(duplicate, StatusCode::CONFLICT).await.0, "duplicate_hub");
    let nameless = app.post("/api/v1/hubs", &json!({"name": "  "})).await;
    assert_eq!(
        error_of(nameless, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .1
            .as_deref(),
        Some("name")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_is_changed_field_by_field_and_the_change_is_audited() {
    let app = TestApp::spawn().await;
    let bow = app.hub("Bow Library").await;
    app.hub("Poplar Job Club").await;
    let path = format!("/api/v1/hubs/{bow}");

    let changed = json_of(
        app.patch(
            &path,
            &json!({"phone": "020 7946 0000", "opening_hours": "Mondays, 10am to 4pm"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["phone"], "020 7946 0000");
    assert_eq!(changed["opening_hours"], "Mondays, 10am to 4pm");
    assert_eq!(
        changed["address"], "1 High Street",
        "a field left out keeps its value"
    );
    assert_eq!(changed["name"], "Bow Library");

    let cleared = json_of(app.patch(&path, &json!({"address": ""})).await, StatusCode::OK).await;
    assert_eq!(cleared["address"], Value::Null);
    assert_eq!(json_of(app.get(&path).await, StatusCode::OK).await, cleared);

    let taken = app.patch(&path, &json!({"name": "Poplar Job Club"})).await;
    assert_eq!(error_of(taken, StatusCode::CONFLICT).await.0, "duplicate_hub");
    for (body, field) in [
        (json!({"name": " "}), "name"),
        (json!({"phone": "call me"}), "phone"),
        (json!({"opening_hours": "x".repeat(501)}), "opening_hours"),
    ] {
        let refused = app.patch(&path, &body).await;
        assert_eq!(
            error_of(refused, StatusCode::UNPROCESSABLE_ENTITY)
                .await
                .1
                .as_deref(),
            Some(field)
        );
    }
    assert_eq!(
        json_of(app.get(&path).await, StatusCode::OK).await,
        cleared,
        "a refused change changes nothing"
    );
    let missing = app
        .patch("/api/v1/hubs/999999", &json!({"phone": "020 7946 0001"}))
        .await;
    assert_eq!(error_of(missing, StatusCode::NOT_FOUND).await.0, "not_found");

    let trainer = app.staff_token("trainer@example.org", Role::Trainer).await;
    let refused = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&trainer)
        .json(&json!({"phone": "0"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let count = sea_orm::ConnectionTrait::query_one_raw(
        &app.db.read,
        sea_orm::Statement::from_string(
            app.db.backend(),
            format!("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'hub_updated' AND entity_type = 'hub' AND entity_id = {bow}"),
        ),
    )
    .await
    .unwrap()
    .unwrap()
    .try_get::<i64>("", "n")
    .unwrap();
    assert_eq!(count, 2, "one event for each change made");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_is_added_with_a_generated_tag_and_read_back() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Whitechapel").await;
    let body = json!({
        "kind": "mifi", "make": "Huawei", "model": "E5576", "serial_number": "HW123",
        "accessories": ["USB cable"], "condition": "new",
        "sim": {"iccid": "89441000000000000001", "network": "Three", "allowance_gb": 20, "plan_ends_on": "2027-03-31"}
    });
    let mut request = body.clone();
    request["hub_id"] = json!(hub);
    let created = json_of(app.post("/api/v1/devices", &request).await, StatusCode::CREATED).await;
    assert_eq!(created["asset_tag"], "TST-00001");
    assert_eq!(created["status"], "available");
    assert_eq!(created["hub_id"], hub);
    assert_eq!(created["sim"]["plan_ends_on"], "2027-03-31");

    let second = json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    assert_eq!(second["asset_tag"], "TST-00002");

    // Found by its tag typed in lower case; the contract's current_loan is there and null.
    let fetched = json_of(app.get("/api/v1/devices/tst-00001").await, StatusCode::OK).await;
    assert_eq!(fetched["serial_number"], "HW123");
    assert_eq!(fetched["accessories"], json!(["USB cable"]));
    assert!(fetched.as_object().unwrap().contains_key("current_loan"));
    assert_eq!(fetched["current_loan"], Value::Null);

    let events = json_of(app.get("/api/v1/devices/TST-00001/events").await, StatusCode::OK).await;
    let items = events["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["action"], "device_added");
    assert_eq!(items[0]["actor"], "Admin Person");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_fields_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Whitechapel").await;
    let cases = [
        (json!({"kind": "phone"}), "kind"),
        (json!({"model": null}), "model"),
        (json!({"model": ""}), "model"),
        (json!({"hub_id": 999_999}), "hub_id"),
        (json!({"hub_id": "one"}), "hub_id"),
        (json!({"imei": "12345"}), "imei"),
        (json!({"condition": "shiny"}), "condition"),
        (json!({"purchased_on": "31/03/2027"}), "purchased_on"),
        (json!({"asset_tag": "not a tag"}), "asset_tag"),
        (json!({"sim": {"iccid": "894410", "network": "EE"}}), "sim"),
        (
            json!({"kind": "mifi", "sim": {"iccid": "894410", "network": "EE"}}),
            "sim.iccid",
        ),
        (
            json!({"kind": "mifi", "sim": {"iccid": "89441000000000000001", "network": "EE", "allowance_gb": "lots"}}),
            "sim.allowance_gb",
        ),
    ];
    for (fields, field) in cases {
        let response = app.add_device(hub, fields.clone()).await;
        let (code, named) = error_of(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(
            (code.as_str(), named.as_deref()),
            ("invalid", Some(field)),
            "for {fields}"
        );
    }
    let missing_model = app
        .post(
            "/api/v1/devices",
            &json!({"kind": "laptop", "make": "Dell", "hub_id": hub}),
        )
        .await;
    assert_eq!(
        error_of(missing_model, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .1
            .as_deref(),
        Some("model")
    );
    // Nothing was written by the refused requests.
    let list = json_of(app.get("/api/v1/devices").await, StatusCode::OK).await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_json_is_400_never_500() {
    let app = TestApp::spawn().await;
    for body in [
        "{\"kind\": ",
        "not json",
        "[1, 2",
        "{\"kind\": \"laptop\"} trailing",
    ] {
        let response = app.post_raw("/api/v1/devices", body).await;
        assert_eq!(
            error_of(response, StatusCode::BAD_REQUEST).await.0,
            "malformed",
            "for {body}"
        );
    }
    let response = app.post_raw("/api/v1/devices", "[]").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_asset_tag_is_409_and_given_tags_move_the_counter_on() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Whitechapel").await;
    json_of(
        app.add_device(hub, json!({"asset_tag": "tst-00005"})).await,
        StatusCode::CREATED,
    )
    .await;
    let again = app.add_device(hub, json!({"asset_tag": "TST-00005"})).await;
    assert_eq!(
        error_of(again, StatusCode::CONFLICT).await.0,
        "duplicate_asset_tag"
    );
    // The next generated tag does not collide with the one given by hand.
    let next = json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    assert_eq!(next["asset_tag"], "TST-00006");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_adds_get_distinct_tags() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let hub = app.hub("Whitechapel").await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(
                async move { json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await },
            )
        })
        .collect();
    let mut tags = Vec::new();
    for task in tasks {
        tags.push(task.await.unwrap()["asset_tag"].as_str().unwrap().to_owned());
    }
    tags.sort();
    tags.dedup();
    assert_eq!(tags.len(), 20);
    assert_eq!(tags.first().map(String::as_str), Some("TST-00001"));
    assert_eq!(tags.last().map(String::as_str), Some("TST-00020"));
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_and_roles_are_enforced() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Whitechapel").await;
    json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;

    let anonymous = app.get_as(None, "/api/v1/devices").await;
    assert_eq!(
        error_of(anonymous, StatusCode::UNAUTHORIZED).await.0,
        "unauthenticated"
    );
    let forged = app.get_as(Some("not-a-token"), "/api/v1/devices").await;
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);

    let trainer = app.staff_token("trainer@example.org", Role::Trainer).await;
    let me = json_of(app.get_as(Some(&trainer), "/api/v1/me").await, StatusCode::OK).await;
    assert_eq!(me["role"], "trainer");
    assert_eq!(me["email"], "trainer@example.org");
    assert!(me["id"].as_i64().is_some());
    let body = json!({"kind": "laptop", "make": "Dell", "model": "5490", "hub_id": hub});
    let refused = app.post_as(Some(&trainer), "/api/v1/devices", &body).await;
    assert_eq!(error_of(refused, StatusCode::FORBIDDEN).await.0, "forbidden");
    let refused_hub = app
        .post_as(Some(&trainer), "/api/v1/hubs", &json!({"name": "Mine"}))
        .await;
    assert_eq!(refused_hub.status(), StatusCode::FORBIDDEN);
    // A trainer may still look devices up.
    let seen = json_of(
        app.get_as(Some(&trainer), "/api/v1/devices/TST-00001").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["asset_tag"], "TST-00001");

    let coordinator = app.staff_token("coord@example.org", Role::Coordinator).await;
    let allowed = app.post_as(Some(&coordinator), "/api/v1/devices", &body).await;
    assert_eq!(allowed.status(), StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_passwords_are_refused_then_throttled() {
    let app = TestApp::spawn().await;
    let wrong = json!({"email": "admin@example.org", "password": "not the password"});
    for _ in 0..5 {
        let response = app.post_as(None, "/api/v1/tokens", &wrong).await;
        assert_eq!(
            error_of(response, StatusCode::UNPROCESSABLE_ENTITY)
                .await
                .1
                .as_deref(),
            Some("email")
        );
    }
    // Locked now, even with the right password.
    let right = json!({"email": "admin@example.org", "password": crate::helpers::PASSWORD});
    let response = app.post_as(None, "/api/v1/tokens", &right).await;
    assert_eq!(
        error_of(response, StatusCode::TOO_MANY_REQUESTS).await.0,
        "too_many_requests"
    );
    // Another address is not affected, and an unknown one is refused like a wrong password.
    let unknown = app
        .post_as(
            None,
            "/api/v1/tokens",
            &json!({"email": "nobody@example.org", "password": "x"}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_tags_and_calls_are_404() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/devices/TST-99999",
        "/api/v1/devices/nonsense",
        "/api/v1/devices/TST-99999/events",
        "/api/v1/nothing",
    ] {
        let (code, _) = error_of(app.get(path).await, StatusCode::NOT_FOUND).await;
        assert_eq!(code, "not_found", "for {path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_filter_and_page_by_key() {
    let app = TestApp::spawn().await;
    let (east, west) = (app.hub("East").await, app.hub("West").await);
    for (hub, kind, model) in [
        (east, "laptop", "ThinkPad T480"),
        (east, "tablet", "Galaxy Tab A8"),
        (west, "laptop", "Latitude 5490"),
        (west, "mifi", "E5576"),
        (east, "laptop", "EliteBook 840"),
    ] {
        json_of(
            app.add_device(
                hub,
                json!({"kind": kind, "model": model, "serial_number": format!("SN-{model}")}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let tags = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["asset_tag"].as_str().unwrap().to_owned())
            .collect()
    };

    let laptops = json_of(app.get("/api/v1/devices?kind=laptop").await, StatusCode::OK).await;
    assert_eq!(tags(&laptops), ["TST-00001", "TST-00003", "TST-00005"]);
    let east_laptops = json_of(
        app.get(&format!(
            "/api/v1/devices?kind=laptop&hub_id={east}&status=available"
        ))
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(tags(&east_laptops), ["TST-00001", "TST-00005"]);
    let on_loan = json_of(app.get("/api/v1/devices?status=on_loan").await, StatusCode::OK).await;
    assert_eq!(tags(&on_loan), Vec::<String>::new());

    // Search by part of a model or serial number, in any case.
    let found = json_of(app.get("/api/v1/devices?q=galaxy").await, StatusCode::OK).await;
    assert_eq!(tags(&found), ["TST-00002"]);
    let by_serial = json_of(app.get("/api/v1/devices?q=sn-latitude").await, StatusCode::OK).await;
    assert_eq!(tags(&by_serial), ["TST-00003"]);
    let by_tag = json_of(app.get("/api/v1/devices?q=00004").await, StatusCode::OK).await;
    assert_eq!(tags(&by_tag), ["TST-00004"]);
    let with_quote = json_of(app.get("/api/v1/devices?q=%22%25_x").await, StatusCode::OK).await;
    assert_eq!(tags(&with_quote), Vec::<String>::new());

    // Two at a time, following next_cursor to the end.
    let mut seen = Vec::new();
    let mut path = "/api/v1/devices?limit=2".to_owned();
    loop {
        let page = json_of(app.get(&path).await, StatusCode::OK).await;
        assert!(page["items"].as_array().unwrap().len() <= 2);
        seen.extend(tags(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/devices?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["TST-00001", "TST-00002", "TST-00003", "TST-00004", "TST-00005"]
    );

    for (query, field) in [
        ("status=borrowed", "status"),
        ("kind=phone", "kind"),
        ("hub_id=x", "hub_id"),
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("q=ab", "q"),
    ] {
        let response = app.get(&format!("/api/v1/devices?{query}")).await;
        assert_eq!(
            error_of(response, StatusCode::UNPROCESSABLE_ENTITY)
                .await
                .1
                .as_deref(),
            Some(field),
            "for {query}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn patch_changes_details_and_records_what_changed() {
    let app = TestApp::spawn().await;
    let (east, west) = (app.hub("East").await, app.hub("West").await);
    json_of(
        app.add_device(east, json!({"kind": "tablet", "notes": "scratched"}))
            .await,
        StatusCode::CREATED,
    )
    .await;

    let patched = app
        .patch(
            "/api/v1/devices/TST-00001",
            &json!({"model": "Galaxy Tab A9", "hub_id": west, "notes": null}),
        )
        .await;
    let patched = json_of(patched, StatusCode::OK).await;
    assert_eq!(patched["model"], "Galaxy Tab A9");
    assert_eq!(patched["hub_id"], west);
    assert_eq!(patched["notes"], Value::Null);
    assert_eq!(patched["make"], "Lenovo");

    let events = json_of(app.get("/api/v1/devices/TST-00001/events").await, StatusCode::OK).await;
    let last = &events["items"][1];
    assert_eq!(last["action"], "device_updated");
    assert_eq!(
        last["details"]["changes"]["model"],
        json!({"from": "ThinkPad T480", "to": "Galaxy Tab A9"})
    );
    assert_eq!(
        last["details"]["changes"]["notes"],
        json!({"from": "scratched", "to": null})
    );

    for (patch, field) in [
        (json!({"status": "lost"}), "status"),
        (json!({"kind": "phone"}), "kind"),
        (json!({"model": ""}), "model"),
        (json!({"hub_id": 0}), "hub_id"),
    ] {
        let response = app.patch("/api/v1/devices/TST-00001", &patch).await;
        assert_eq!(
            error_of(response, StatusCode::UNPROCESSABLE_ENTITY)
                .await
                .1
                .as_deref(),
            Some(field),
            "for {patch}"
        );
    }
    let unknown = app
        .patch("/api/v1/devices/TST-00404", &json!({"model": "X"}))
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn search_pages_alike_whether_few_or_many_devices_match() {
    let app = TestApp::spawn().await;
    lendhub::demo::fill(&app.db, 800).await.unwrap();
    let tags = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["asset_tag"].as_str().unwrap().to_owned())
            .collect()
    };
    // The search index merged into one segment, as serve does daily, finds the same devices.
    let tidied = lendhub::devices::service::tidy_search_index(&app.db)
        .await
        .unwrap();
    if app.db.backend() == sea_orm::DbBackend::Sqlite {
        assert!(tidied > 0, "the demo's batches left more than one segment");
        let again = lendhub::devices::service::tidy_search_index(&app.db)
            .await
            .unwrap();
        assert_eq!(again, 0, "one segment is left as it is");
    }
    // "latitude" is one device in eight (few matches); "tst" is in every tag (many matches);
    // "zqzq" is in none.
    for (q, expected) in [("latitude", 100), ("tst-", 800), ("zqzq", 0)] {
        let mut seen = Vec::new();
        let mut path = format!("/api/v1/devices?q={q}&limit=60");
        loop {
            let page = json_of(app.get(&path).await, StatusCode::OK).await;
            let page_tags = tags(&page);
            assert!(page_tags.windows(2).all(|w| w[0] < w[1]), "{q}: not in tag order");
            seen.extend(page_tags);
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/v1/devices?q={q}&limit=60&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), expected, "{q}");
        let mut sorted = seen.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), expected, "{q}: a device came twice");
    }
    // Filters apply on top of a search, on both paths.
    let awaiting = json_of(
        app.get("/api/v1/devices?q=tst-&status=awaiting_checks&limit=200")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(awaiting["items"].as_array().unwrap().len(), 80);
    // The few-match path applies each filter as the list does: the same devices, in the same
    // order, as the whole search filtered by hand.
    let all = json_of(
        app.get("/api/v1/devices?q=latitude&limit=200").await,
        StatusCode::OK,
    )
    .await;
    for (filter, field, value) in [
        ("hub_id=2", "hub_id", serde_json::json!(2)),
        ("status=available", "status", serde_json::json!("available")),
        (
            "kind=laptop&cursor=TST-00400",
            "kind",
            serde_json::json!("laptop"),
        ),
    ] {
        let page = json_of(
            app.get(&format!("/api/v1/devices?q=latitude&{filter}&limit=200"))
                .await,
            StatusCode::OK,
        )
        .await;
        let expected: Vec<String> = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d[field] == value)
            .filter(|d| !filter.contains("cursor") || d["asset_tag"].as_str().unwrap() > "TST-00400")
            .map(|d| d["asset_tag"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            !expected.is_empty() && expected.len() < 100,
            "{filter}: {}",
            expected.len()
        );
        assert_eq!(tags(&page), expected, "{filter}");
    }
}
