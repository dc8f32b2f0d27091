//! SIMs with data: each ICCID recorded once; a SIM given once, even by two staff at the same
//! moment, and never once its data has ended; a SIM of a hub seen only by its staff (one of no hub
//! by every hub's); its person told once, a week before the data ends; and the funder report's
//! "people connected".

use chrono::{Duration, Utc};
use lendhub::auth::Role;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_of, json_of};

fn sim(iccid: &str, hub: Option<i64>, ends_in_days: i64) -> Value {
    json!({
        "iccid": iccid,
        "network": "Vodafone",
        "allowance_gb": 20,
        "expires_on": lendhub::dates::today(Utc::now() + Duration::days(ends_in_days)).to_string(),
        "batch": "National Databank, December",
        "hub_id": hub,
    })
}

async fn add(app: &TestApp, body: &Value) -> Value {
    json_of(app.post("/api/v1/sims", body).await, StatusCode::CREATED).await
}

async fn person(app: &TestApp, name: &str, email: &str) -> i64 {
    let body = json!({"name": name, "email": email, "consent": {"loan": true, "email_reminders": true}});
    json_of(app.post("/api/v1/borrowers", &body).await, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sim_is_recorded_once_and_given_once_while_it_has_data() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let first = add(&app, &sim("8944110000000000001", Some(hub), 180)).await;
    assert_eq!(first["status"], "available");
    let (code, _) = error_of(
        app.post("/api/v1/sims", &sim("8944 1100 0000 0000 001", None, 180))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "iccid_taken", "the same ICCID with spaces is the same SIM");
    for (body, field) in [
        (
            json!({"iccid": "123", "network": "EE", "allowance_gb": 5, "expires_on": "2030-01-01"}),
            "iccid",
        ),
        (
            json!({"iccid": "8944110000000000002", "network": "EE", "allowance_gb": -1, "expires_on": "2030-01-01"}),
            "allowance_gb",
        ),
        (
            json!({"iccid": "8944110000000000002", "network": "EE", "allowance_gb": 5, "expires_on": "2020-01-01"}),
            "expires_on",
        ),
        (
            json!({"iccid": "8944110000000000002", "allowance_gb": 5, "expires_on": "2030-01-01"}),
            "network",
        ),
    ] {
        let (code, named) = error_of(
            app.post("/api/v1/sims", &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            (code.as_str(), named.as_deref()),
            ("invalid", Some(field)),
            "{body}"
        );
    }

    // Two staff give the same SIM at once: one of them does.
    let (ann, bob) = (
        person(&app, "Ann Sim", "ann@example.org").await,
        person(&app, "Bob Sim", "bob@example.org").await,
    );
    let give = |borrower: i64| {
        let app = &app;
        let path = format!("/api/v1/sims/{}/issue", first["id"]);
        async move { app.post(&path, &json!({"borrower_id": borrower})).await.status() }
    };
    let (a, b) = tokio::join!(give(ann), give(bob));
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let given = json_of(app.get("/api/v1/sims?status=given").await, StatusCode::OK).await;
    assert_eq!(given["total"], 1);

    // A SIM whose data has ended is not given.
    let old = add(&app, &sim("8944110000000000003", None, 30)).await;
    lendhub::entities::sim::Entity::update_many()
        .col_expr(
            lendhub::entities::sim::Column::ExpiresOn,
            Expr::value(lendhub::dates::today(Utc::now()) - Duration::days(1)),
        )
        .filter(lendhub::entities::sim::Column::Id.eq(i32::try_from(old["id"].as_i64().unwrap()).unwrap()))
        .exec(&app.db.write)
        .await
        .unwrap();
    let (code, _) = error_of(
        app.post(
            &format!("/api/v1/sims/{}/issue", old["id"]),
            &json!({"borrower_id": ann}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "sim_expired");
    let expired = json_of(app.get("/api/v1/sims?status=expired").await, StatusCode::OK).await;
    assert_eq!(expired["total"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn hub_staff_see_their_hubs_sims_and_people_are_told_once_before_the_data_ends() {
    let app = TestApp::spawn().await;
    let (mine, theirs) = (app.hub("Mine").await, app.hub("Theirs").await);
    let hub_staff = app.staff_token("hub@example.org", Role::HubStaff).await;
    app.assign_hubs(&hub_staff, &[mine]).await;
    let at_theirs = add(&app, &sim("8944110000000000011", Some(theirs), 180)).await;
    let anywhere = add(&app, &sim("8944110000000000012", None, 10)).await;
    let seen = json_of(app.get_as(Some(&hub_staff), "/api/v1/sims").await, StatusCode::OK).await;
    let ids: Vec<&Value> = seen["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["id"])
        .collect();
    assert_eq!(ids, [&anywhere["id"]], "another hub's SIM is not theirs to see");
    let cal = person(&app, "Cal Connected", "cal@example.org").await;
    let refused = app
        .post_as(
            Some(&hub_staff),
            &format!("/api/v1/sims/{}/issue", at_theirs["id"]),
            &json!({"borrower_id": cal}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    json_of(
        app.post_as(
            Some(&hub_staff),
            &format!("/api/v1/sims/{}/issue", anywhere["id"]),
            &json!({"borrower_id": cal}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let page = app.page_text(&format!("/borrowers/{cal}")).await;
    assert!(
        page.contains("Vodafone, 20 GB a month"),
        "the person's page shows their SIM"
    );

    // Its data ends in 10 days: nothing yet; at 7 days, Cal is told once.
    assert_eq!(
        lendhub::sims::service::remind_ending(&app.db, Utc::now())
            .await
            .unwrap(),
        0
    );
    let week_before = Utc::now() + Duration::days(3);
    assert_eq!(
        lendhub::sims::service::remind_ending(&app.db, week_before)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        lendhub::sims::service::remind_ending(&app.db, week_before + Duration::days(1))
            .await
            .unwrap(),
        0
    );
    let told = lendhub::entities::reminder::Entity::find()
        .filter(
            lendhub::entities::reminder::Column::Kind.eq(lendhub::reminders::model::ReminderKind::DataEnding),
        )
        .all(&app.db.read)
        .await
        .unwrap();
    assert_eq!(told.len(), 1, "told once, however often the sweep runs");
    assert!(
        told[0].subject.contains("The data on your SIM runs out on"),
        "{}",
        told[0].subject
    );
    assert_eq!(told[0].recipient_email.as_deref(), Some("cal@example.org"));

    // The funder report counts the people connected.
    let today = lendhub::dates::today(Utc::now());
    let csv = app
        .get(&format!(
            "/api/v1/reports/funder.csv?from={today}&to={}",
            today + Duration::days(1)
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("sims.people_connected,People connected with a SIM with data,1"),
        "{csv}"
    );
}
