//! Gifts and bookings at their edges: a device given straight from the shelf, and never one on
//! loan or held for someone else; a gift's letter kept within its hub; a booking the shelf
//! cannot cover refused, a booked device kept from the counter until the booking is cancelled,
//! and bookings that never overlap not added together.

use chrono::{Duration, Utc};
use lendhub::auth::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_of, in_days, json_of};

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

fn at(hours: i64) -> String {
    (Utc::now() + Duration::hours(hours)).to_rfc3339()
}

async fn book(app: &TestApp, hub: i64, count: i64, from: i64, to: i64) -> reqwest::Response {
    app.post(
        "/api/v1/reservations",
        &json!({"hub_id": hub, "kind": "tablet", "count": count, "starts_at": at(from), "ends_at": at(to)}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_is_given_from_the_shelf_never_from_a_loan_or_someone_elses_hold() {
    let app = TestApp::spawn().await;
    let (hub, elsewhere) = (app.hub("Riverside").await, app.hub("Northgate").await);
    let (given, lent) = (tablet(&app, hub).await, tablet(&app, hub).await);
    let (ann, bob) = (app.borrower("Ann Gift").await, app.borrower("Bob Loan").await);

    let gift = json_of(
        app.post(
            "/api/v1/gifts",
            &json!({"asset_tag": given, "borrower_id": ann, "reason": "Care leaver"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(gift["loan_id"], Value::Null);
    assert_eq!(app.status_of(&given).await, "gifted");
    let shown = json_of(
        app.get(&format!("/api/v1/gifts/{}", gift["id"])).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shown["borrower_name"], "Ann Gift");
    let page = app.page_text(&format!("/gifts/{}", gift["id"])).await;
    assert!(page.contains("Print the gift letter"), "{page}");

    // On loan: given from the loan, which the gift ends; never straight past it.
    app.issue(&lent, bob).await;
    let refused = app
        .post("/api/v1/gifts", &json!({"asset_tag": lent, "borrower_id": ann}))
        .await;
    let (code, _) = error_of(refused, StatusCode::CONFLICT).await;
    assert_eq!(code, "device_not_available");
    assert_eq!(app.status_of(&lent).await, "on_loan");
    // Given away already: no second gift, no loan.
    let twice = app
        .post("/api/v1/gifts", &json!({"asset_tag": given, "borrower_id": bob}))
        .await;
    assert_eq!(
        error_of(twice, StatusCode::CONFLICT).await.0,
        "device_not_available"
    );

    // Held for someone on the waiting list: theirs alone.
    let held = tablet(&app, hub).await;
    let waiting = json_of(
        app.post(
            "/api/v1/waiting-list",
            &json!({"borrower_id": bob, "kind": "tablet", "hub_id": hub}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json_of(
        app.post(
            &format!("/api/v1/waiting-list/{}/offer", waiting["id"]),
            &json!({"asset_tag": held}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let refused = app
        .post("/api/v1/gifts", &json!({"asset_tag": held, "borrower_id": ann}))
        .await;
    assert_eq!(error_of(refused, StatusCode::CONFLICT).await.0, "held");
    json_of(
        app.post("/api/v1/gifts", &json!({"asset_tag": held, "borrower_id": bob}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let entry = json_of(
        app.get(&format!("/api/v1/waiting-list/{}", waiting["id"])).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        entry["status"], "lent",
        "given what they waited for, they leave the list"
    );

    // Hub staff of another hub do not see the gift or its letter.
    let other = app.staff_token("north@example.org", Role::HubStaff).await;
    app.assign_hubs(&other, &[elsewhere]).await;
    for path in [
        format!("/api/v1/gifts/{}", gift["id"]),
        format!("/api/v1/gifts/{}/letter.pdf", gift["id"]),
    ] {
        assert_eq!(
            app.get_as(Some(&other), &path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // A trainer gives nothing away.
    let trainer = app.staff_token("trainer@example.org", Role::Trainer).await;
    let refused = app
        .post_as(
            Some(&trainer),
            "/api/v1/gifts",
            &json!({"asset_tag": lent, "borrower_id": ann}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn booked_devices_stay_on_the_shelf_until_the_booking_ends_or_is_cancelled() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let tags = [tablet(&app, hub).await, tablet(&app, hub).await];
    let ann = app.borrower("Ann Learner").await;

    // Two tablets on the shelf: three cannot be booked, naming the hub's count.
    let (code, _) = error_of(book(&app, hub, 3, 24, 26).await, StatusCode::CONFLICT).await;
    assert_eq!(code, "not_enough_devices");
    let booking = json_of(book(&app, hub, 2, 24, 26).await, StatusCode::CREATED).await;
    // A second booking the next week does not overlap the first: the same two cover both.
    json_of(book(&app, hub, 2, 24 * 8, 24 * 8 + 2).await, StatusCode::CREATED).await;
    // One overlapping the first needs more than the shelf.
    let (code, _) = error_of(book(&app, hub, 1, 25, 27).await, StatusCode::CONFLICT).await;
    assert_eq!(code, "not_enough_devices");

    // The counter will not lend a tablet the session needs, nor give one away.
    let refused = app
        .post(
            "/api/v1/loans",
            &json!({"asset_tag": tags[0], "borrower_id": ann, "due_on": in_days(28)}),
        )
        .await;
    let (code, _) = error_of(refused, StatusCode::CONFLICT).await;
    assert_eq!(code, "reserved");
    assert_eq!(app.status_of(&tags[0]).await, "available", "nothing changed");
    let refused = app
        .post(
            "/api/v1/gifts",
            &json!({"asset_tag": tags[0], "borrower_id": ann}),
        )
        .await;
    assert_eq!(error_of(refused, StatusCode::CONFLICT).await.0, "reserved");

    // Both bookings cancelled, the tablet is lent.
    let listed = json_of(
        app.get(&format!("/api/v1/reservations?hub_id={hub}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["total"], 2);
    for item in listed["items"].as_array().unwrap() {
        json_of(
            app.post(&format!("/api/v1/reservations/{}/cancel", item["id"]), &json!({}))
                .await,
            StatusCode::OK,
        )
        .await;
    }
    assert_eq!(booking["count"], 2);
    app.issue(&tags[0], ann).await;

    // A booking that has ended, or ends before it starts, is refused naming the field.
    for (from, to, field) in [(-3, -2, "ends_at"), (5, 4, "ends_at")] {
        let (code, named) = error_of(
            book(&app, hub, 1, from, to).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!((code.as_str(), named.as_deref()), ("invalid", Some(field)));
    }
    // Hub staff see the bookings of their hub but book nothing.
    let hub_staff = app.staff_token("hub@example.org", Role::HubStaff).await;
    app.assign_hubs(&hub_staff, &[hub]).await;
    assert_eq!(
        app.get_as(Some(&hub_staff), "/api/v1/reservations")
            .await
            .status(),
        StatusCode::OK
    );
    let refused = app
        .post_as(
            Some(&hub_staff),
            "/api/v1/reservations",
            &json!({"hub_id": hub, "kind": "tablet", "count": 1, "starts_at": at(1), "ends_at": at(2)}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}
