//! Records kept whole: one device per serial number and one borrower per email address in the
//! database, whatever races them; an import happens once; a device's kind changes while it is on
//! the shelf; a mistyped IMEI says so.

use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::helpers::{TestApp, error_of, json_of};
use lendhub::entities::{borrower, hub};

#[tokio::test(flavor = "multi_thread")]
async fn a_serial_number_belongs_to_one_device() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Bow").await;
    json_of(
        app.add_device(hub, json!({"serial_number": "PF-1234"})).await,
        StatusCode::CREATED,
    )
    .await;
    let (_, field) = error_of(
        app.add_device(hub, json!({"serial_number": "PF-1234"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("serial_number"));
    json_of(
        app.add_device(hub, json!({"serial_number": "PF-9999"})).await,
        StatusCode::CREATED,
    )
    .await;
    let changed = app
        .patch("/api/v1/devices/TST-00002", &json!({"serial_number": "PF-1234"}))
        .await;
    let (_, field) = error_of(changed, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(field.as_deref(), Some("serial_number"));

    // Eight devices with one serial at once: the database keeps one.
    let body = json!({"kind": "laptop", "make": "Lenovo", "model": "T480", "hub_id": hub, "serial_number": "RACE-1"});
    let answers = futures_util::future::join_all((0..8).map(|_| app.post("/api/v1/devices", &body))).await;
    let created = answers
        .iter()
        .filter(|r| r.status() == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1);
    assert!(
        answers
            .iter()
            .all(|r| [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY].contains(&r.status()))
    );

    // The form says so beside the field.
    let page = app
        .client
        .post(app.url("/devices"))
        .bearer_auth(&app.token)
        .form(&[
            ("kind", "laptop"),
            ("make", "Lenovo"),
            ("model", "T480"),
            ("serial_number", "PF-1234"),
            ("hub_id", &hub.to_string()),
            ("condition", "good"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("TST-00001 already has the serial number PF-1234")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_kind_changes_while_a_device_is_available_and_a_mistyped_imei_says_so() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Bow").await;
    json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let device = json_of(
        app.patch("/api/v1/devices/TST-00001", &json!({"kind": "tablet"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(device["kind"], "tablet");
    let borrower = app.borrower("Margaret Ellis").await;
    app.issue("TST-00002", borrower).await;
    let (_, field) = error_of(
        app.patch("/api/v1/devices/TST-00002", &json!({"kind": "tablet"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("kind"));
    let response = app
        .patch("/api/v1/devices/TST-00001", &json!({"imei": "356938035643808"}))
        .await;
    let body = json_of(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("last digit does not check out"), "{message}");
}

async fn import(app: &TestApp, path: &str, csv: &'static str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(&app.token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_borrower_file_sent_four_times_at_once_adds_each_person_once() {
    let app = TestApp::spawn().await;
    let csv = "Name,Email,Phone\nAda Lovelace,ada@example.org,07700 900001\nAlan Turing,alan@example.org,07700 900002\n\
               Grace Hopper,grace@example.org,07700 900003\n";
    let path = "/api/v1/imports/borrowers?consent_confirmed=true";
    let answers = futures_util::future::join_all((0..4).map(|_| import(&app, path, csv))).await;
    let statuses: Vec<StatusCode> = answers.iter().map(reqwest::Response::status).collect();
    assert!(
        statuses
            .iter()
            .all(|s| s.is_success() || *s == StatusCode::CONFLICT || *s == StatusCode::UNPROCESSABLE_ENTITY),
        "{statuses:?}"
    );
    let rows = borrower::Entity::find().count(&app.db.read).await.unwrap();
    assert_eq!(rows, 3, "{statuses:?}");
    let (_, field) = error_of(
        app.post(
            "/api/v1/borrowers",
            &json!({"name": "Ada Again", "email": "ADA@example.org", "consent": {"data_processing": true}}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("email"));
}

#[tokio::test(flavor = "multi_thread")]
async fn hubs_an_import_creates_follow_the_hub_rules_and_ignore_case() {
    let app = TestApp::spawn().await;
    app.hub("Zed Hub").await;
    let csv = "Kind,Make,Model,Location\nLaptop,Lenovo,T480,zed hub\nLaptop,Lenovo,T480,New Place\nLaptop,Lenovo,T480,new place\n";
    let report = json_of(
        import(&app, "/api/v1/imports/devices?create_hubs=true", csv).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report["new_hubs"], json!(["New Place"]), "{report}");
    assert_eq!(hub::Entity::find().count(&app.db.read).await.unwrap(), 2);
    let long = format!(
        "Kind,Make,Model,Location\nLaptop,Lenovo,T480,{}\n",
        "x".repeat(101)
    );
    let long: &'static str = Box::leak(long.into_boxed_str());
    let report = json_of(
        import(
            &app,
            "/api/v1/imports/devices?create_hubs=true&dry_run=true",
            long,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        report["errors"][0]["message"],
        "the hub's name must be at most 100 characters"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_upgrade_flags_serials_and_emails_already_shared_instead_of_failing() {
    use migration::MigratorTrait;
    use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter};
    let app = TestApp::spawn().await;
    let hub = app.hub("Bow").await;
    for n in 0..3 {
        json_of(
            app.add_device(hub, json!({"serial_number": format!("S-{n}")}))
                .await,
            StatusCode::CREATED,
        )
        .await;
    }
    for (name, email) in [("Ada", "ada@example.org"), ("Ada's sister", "sister@example.org")] {
        let body = json!({"name": name, "email": email, "consent": {"data_processing": true}});
        json_of(app.post("/api/v1/borrowers", &body).await, StatusCode::CREATED).await;
    }
    // An older lendhub (before the day-one migration and the one after it) took the same serial
    // and email twice.
    crate::helpers::migrate_down_to_before(&app.db.write, "m20261206_000012_day_one").await;
    for sql in [
        "UPDATE devices SET serial_number = 'SAME-1'",
        "UPDATE borrowers SET email = 'family@example.org'",
    ] {
        app.db.write.execute_unprepared(sql).await.unwrap();
    }
    migration::Migrator::up(&app.db.write, None).await.unwrap();
    let flagged = lendhub::entities::device::Entity::find()
        .filter(lendhub::entities::device::Column::SerialDuplicate.eq(true))
        .count(&app.db.read)
        .await
        .unwrap();
    assert_eq!(flagged, 2, "all but the first of the three");
    let flagged = borrower::Entity::find()
        .filter(borrower::Column::EmailDuplicate.eq(true))
        .count(&app.db.read)
        .await
        .unwrap();
    assert_eq!(flagged, 1);
    // From now on the database refuses another.
    let sql = "UPDATE devices SET serial_number = 'SAME-1' WHERE serial_duplicate = FALSE AND serial_number IS NULL";
    json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    assert!(app.db.write.execute_unprepared(sql).await.is_err());
}
