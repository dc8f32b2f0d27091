//! Stocktakes through the API: a hub counted by scanning, the result sorted into found, missing
//! and unexpected, and the actions the result leads to.

use crate::helpers::{TestApp, json_of};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The error of a refused call: `{code, field, message}`.
async fn refused(response: reqwest::Response, status: StatusCode) -> Value {
    json_of(response, status).await["error"].clone()
}

fn tags(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| d["asset_tag"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stocktake_finds_what_is_there_misses_what_is_not_and_flags_what_should_not_be() {
    let app = TestApp::spawn().await;
    let riverside = app.hub("Riverside").await;
    let hilltop = app.hub("Hilltop").await;
    for _ in 0..6 {
        json_of(app.add_device(riverside, json!({})).await, StatusCode::CREATED).await;
    }
    json_of(app.add_device(hilltop, json!({})).await, StatusCode::CREATED).await;
    let borrower = app.borrower("Margaret Ellis").await;
    app.issue("TST-00006", borrower).await;

    // Starting needs a hub of one's own.
    for (body, needle) in [
        (json!({}), "choose the hub"),
        (json!({"hub_id": 999_999}), "no hub with id 999999"),
    ] {
        let error = refused(
            app.post("/api/v1/stocktakes", &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error["field"], "hub_id", "{error}");
        assert!(error["message"].as_str().unwrap().contains(needle), "{error}");
    }
    let stocktake = json_of(
        app.post("/api/v1/stocktakes", &json!({"hub_id": riverside}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let id = stocktake["id"].as_i64().unwrap();
    assert_eq!(stocktake["hub_name"], "Riverside");
    assert_eq!(
        tags(&stocktake["missing"]).len(),
        5,
        "all five on the shelf are still to find"
    );
    let scans = format!("/api/v1/stocktakes/{id}/scans");

    // Scanned as a scanner types the label, typed in any form, and one label twice.
    let label = format!("{}/d/TST-00002", app.base);
    for (typed, tag, outcome, again) in [
        ("TST-00001", "TST-00001", "found", false),
        (label.as_str(), "TST-00002", "found", false),
        ("tst3", "TST-00003", "found", false),
        ("TST-1", "TST-00001", "found", true),
        ("TST-00006", "TST-00006", "unexpected", false),
        ("TST-00007", "TST-00007", "unexpected", false),
    ] {
        let scan = json_of(
            app.post(&scans, &json!({"asset_tag": typed})).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(scan["asset_tag"], tag, "{typed}");
        assert_eq!(scan["outcome"], outcome, "{typed}: {scan}");
        assert_eq!(scan["already_scanned"], again, "{typed}");
    }
    for (typed, needle) in [
        ("TST-99999", "no device with asset tag TST-99999"),
        ("hello", "an asset tag is letters"),
        ("", "scan the label"),
    ] {
        let error = refused(
            app.post(&scans, &json!({"asset_tag": typed})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error["field"], "asset_tag");
        assert!(
            error["message"].as_str().unwrap().contains(needle),
            "{typed}: {error}"
        );
    }
    // Nothing is acted on while the count goes on.
    let missing_body = json!({"asset_tag": "TST-00004"});
    let early = app
        .post(&format!("/api/v1/stocktakes/{id}/report-missing"), &missing_body)
        .await;
    assert_eq!(early.status(), StatusCode::CONFLICT);

    let result = json_of(
        app.post(&format!("/api/v1/stocktakes/{id}/close"), &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(tags(&result["found"]), ["TST-00001", "TST-00002", "TST-00003"]);
    assert_eq!(tags(&result["missing"]), ["TST-00004", "TST-00005"]);
    assert_eq!(tags(&result["unexpected"]), ["TST-00006", "TST-00007"]);
    let reasons: Vec<&str> = result["unexpected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["reason"].as_str().unwrap())
        .collect();
    assert!(reasons[0].starts_with("On loan"), "{reasons:?}");
    assert_eq!(reasons[1], "Belongs to Hilltop");
    assert!(!result["closed_at"].is_null());

    // Closed is closed.
    let late = app.post(&scans, &json!({"asset_tag": "TST-00004"})).await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
    let twice = app
        .post(&format!("/api/v1/stocktakes/{id}/close"), &json!({}))
        .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);

    // The actions: a missing device reported lost, a stray moved to this hub; nothing else.
    let lost = json_of(
        app.post(&format!("/api/v1/stocktakes/{id}/report-missing"), &missing_body)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(lost["status"], "lost");
    let events = json_of(app.get("/api/v1/devices/TST-00004/events").await, StatusCode::OK).await;
    assert!(events.to_string().contains("reported_missing"), "{events}");
    let moved = json_of(
        app.post(
            &format!("/api/v1/stocktakes/{id}/move-here"),
            &json!({"asset_tag": "TST-00007"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["hub_id"], riverside);
    for (action, tag) in [
        ("report-missing", "TST-00001"),
        ("move-here", "TST-00002"),
        ("report-missing", "TST-00006"),
    ] {
        let error = refused(
            app.post(
                &format!("/api/v1/stocktakes/{id}/{action}"),
                &json!({"asset_tag": tag}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error["field"], "asset_tag", "{action} {tag}");
    }
    // The result read again matches what was done: TST-00004 is lost now, not on the shelf.
    let again = json_of(app.get(&format!("/api/v1/stocktakes/{id}")).await, StatusCode::OK).await;
    assert_eq!(tags(&again["missing"]), ["TST-00005"]);

    let stocktakes = json_of(app.get("/api/v1/stocktakes?limit=5").await, StatusCode::OK).await;
    assert_eq!(stocktakes["items"][0]["id"], id);
    assert!(stocktakes["next_cursor"].is_null());
    let unknown = app.get("/api/v1/stocktakes/999999").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
