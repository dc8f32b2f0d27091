//! Partner organisations: the lead organisation's admins add one with its kind and a prefix of
//! its own, and its first admin, invited by a link, signs in to an organisation of their own;
//! nobody else adds or lists them, and `lendhub organisation create` does the same on the server.

use std::process::Command;

use lendhub::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, error_of, json_of};

pub(crate) fn partner(prefix: &str, email: &str) -> serde_json::Value {
    json!({"name": "West Kent Training", "prefix": prefix, "kind": "training_partner",
           "admin_name": "Tia Trainer-Lead", "admin_email": email})
}

/// Adds a partner organisation as the lead's admin, answering the created organisation.
async fn add_partner(app: &TestApp, body: &serde_json::Value) -> serde_json::Value {
    json_of(app.post("/api/v1/organisations", body).await, StatusCode::CREATED).await
}

/// A token for the account `email` signs in to with `password`.
async fn signed_in(app: &TestApp, email: &str, password: &str) -> String {
    let body = json!({"email": email, "password": password});
    json_of(
        app.post_as(None, "/api/v1/tokens", &body).await,
        StatusCode::CREATED,
    )
    .await["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_lead_adds_a_partner_whose_first_admin_signs_in_to_an_organisation_of_their_own() {
    let app = TestApp::spawn().await;
    for (body, field) in [
        (
            json!({"prefix": "WKT", "kind": "charity", "admin_name": "A", "admin_email": "a@example.org"}),
            "name",
        ),
        (
            json!({"name": "X", "prefix": "W1", "kind": "charity", "admin_name": "A", "admin_email": "a@example.org"}),
            "prefix",
        ),
        (
            json!({"name": "X", "prefix": "WKT", "kind": "church", "admin_name": "A", "admin_email": "a@example.org"}),
            "kind",
        ),
        (
            json!({"name": "X", "prefix": "WKT", "kind": "charity", "admin_name": "A", "admin_email": "nope"}),
            "admin_email",
        ),
    ] {
        let (_, named) = error_of(
            app.post("/api/v1/organisations", &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(named.as_deref(), Some(field), "{body}");
    }
    let (code, _) = error_of(
        app.post("/api/v1/organisations", &partner("TST", "tia@wkt.example.org"))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "prefix_taken", "the lead's own prefix");
    let (code, _) = error_of(
        app.post("/api/v1/organisations", &partner("WKT", "admin@example.org"))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "duplicate_email", "an account that exists");
    let list = json_of(app.get("/api/v1/organisations").await, StatusCode::OK).await;
    assert_eq!(list["total"], 1, "a refused one left nothing behind: {list}");

    let created = json_of(
        app.post("/api/v1/organisations", &partner("wkt", "tia@wkt.example.org"))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let url = created["invitation_url"].as_str().unwrap();
    assert!(!url.contains("tia"), "no personal data in the link: {url}");
    let chosen = crate::staff::choose_password(&app, url, "a password for the partner").await;
    assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
    let token = signed_in(&app, "tia@wkt.example.org", "a password for the partner").await;
    let own = json_of(
        app.get_as(Some(&token), "/api/v1/organisation").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (own["name"].as_str(), own["prefix"].as_str(), own["kind"].as_str()),
        (Some("West Kent Training"), Some("WKT"), Some("training_partner"))
    );
    let me = json_of(app.get_as(Some(&token), "/api/v1/me").await, StatusCode::OK).await;
    assert_eq!(me["role"], "admin");
    // Its devices take its own prefix.
    let hub = json_of(
        app.post_as(Some(&token), "/api/v1/hubs", &json!({"name": "Training room"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let device = json_of(
        app.post_as(
            Some(&token),
            "/api/v1/devices",
            &json!({"kind": "laptop", "make": "Dell", "model": "Latitude", "hub_id": hub["id"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(device["asset_tag"], "WKT-00001");

    // Only the lead's admins add or list organisations.
    assert_eq!(
        app.get_as(Some(&token), "/api/v1/organisations").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_as(
            Some(&token),
            "/api/v1/organisations",
            &partner("ZZZ", "z@example.org")
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    let coordinator = app
        .staff_token("coordinator@example.org", Role::Coordinator)
        .await;
    assert_eq!(
        app.get_as(Some(&coordinator), "/api/v1/organisations")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let list = json_of(app.get("/api/v1/organisations").await, StatusCode::OK).await;
    let rows: Vec<(bool, &str)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["lead"].as_bool().unwrap(), o["prefix"].as_str().unwrap()))
        .collect();
    assert_eq!(rows, [(true, "TST"), (false, "WKT")]);
    let page = app.page_text("/organisations").await;
    assert!(
        page.contains("West Kent Training") && page.contains("Training partner"),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_command_adds_a_partner_and_prints_its_invitation() {
    let app = TestApp::spawn().await;
    let output = Command::new(env!("CARGO_BIN_EXE_lendhub"))
        .args([
            "organisation",
            "create",
            "--name",
            "Maidstone Council",
            "--prefix",
            "MBC",
            "--kind",
            "council",
        ])
        .args([
            "--admin-name",
            "Cal Council",
            "--admin-email",
            "cal@mbc.example.org",
        ])
        .env("LENDHUB_DATABASE_URL", &app.database_url)
        .env("LENDHUB_PUBLIC_URL", &app.base)
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(printed.contains(&format!("{}/password/", app.base)), "{printed}");
    let list = json_of(app.get("/api/v1/organisations").await, StatusCode::OK).await;
    assert_eq!(list["items"][1]["kind"], "council");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partner_added_by_name_alone_gets_a_link_that_makes_its_first_admin_once() {
    let app = TestApp::spawn().await;
    let created = add_partner(
        &app,
        &json!({"name": "Maidstone Job Centre", "prefix": "MJC", "kind": "other"}),
    )
    .await;
    let url = created["invitation_url"].as_str().unwrap();
    let path = url.strip_prefix(&app.base).unwrap().to_owned();
    assert!(path.starts_with("/join/"), "{url}");
    let page = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Set up Maidstone Job Centre on lendhub")
    );

    let post = |form: Vec<(&'static str, &'static str)>| {
        let request = app.client.post(app.url(&path)).form(&form);
        async move { request.send().await.unwrap() }
    };
    let refused = post(vec![
        ("name", "Jo"),
        ("email", "jo@mjc.example.org"),
        ("password", "short"),
        ("confirm", "short"),
    ])
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !refused.text().await.unwrap().contains("short\""),
        "a password is never sent back"
    );
    let password = "a long enough password for jo";
    let made = post(vec![
        ("name", "Jo Centre"),
        ("email", "jo@mjc.example.org"),
        ("password", password),
        ("confirm", password),
    ])
    .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let token = signed_in(&app, "jo@mjc.example.org", password).await;
    let own = json_of(
        app.get_as(Some(&token), "/api/v1/organisation").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(own["name"], "Maidstone Job Centre");
    let me = json_of(app.get_as(Some(&token), "/api/v1/me").await, StatusCode::OK).await;
    assert_eq!(me["role"], "admin");

    // Once: the link is gone, and a second account cannot be made with it.
    assert_eq!(
        app.client.get(app.url(&path)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let again = post(vec![
        ("name", "Mallory"),
        ("email", "m@example.org"),
        ("password", password),
        ("confirm", password),
    ])
    .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.client
            .get(app.url("/join/not-a-key"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partner_whose_link_ran_out_is_given_a_new_one_until_someone_signs_up() {
    let app = TestApp::spawn().await;
    let created = add_partner(
        &app,
        &json!({"name": "Kent Council", "prefix": "KCC", "kind": "council"}),
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    let list = json_of(app.get("/api/v1/organisations").await, StatusCode::OK).await;
    assert_eq!(list["items"][1]["has_admin"], false);
    let page = app.page_text("/organisations").await;
    assert!(page.contains("New invitation link"), "{page}");
    let renewed = json_of(
        app.post(&format!("/api/v1/organisations/{id}/invitation"), &json!({}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_ne!(renewed["invitation_url"], created["invitation_url"]);
    let lead_id = app.organisation_id;
    let own = app
        .post(&format!("/api/v1/organisations/{lead_id}/invitation"), &json!({}))
        .await;
    assert_eq!(
        own.status(),
        StatusCode::NOT_FOUND,
        "the lead cannot invite into itself"
    );

    // Someone signs up with the new link; then the lead can make no account in it.
    let path = renewed["invitation_url"]
        .as_str()
        .unwrap()
        .strip_prefix(&app.base)
        .unwrap()
        .to_owned();
    let password = "a long enough password for kim";
    let form = [
        ("name", "Kim Council"),
        ("email", "kim@kcc.example.org"),
        ("password", password),
        ("confirm", password),
    ];
    let made = app.client.post(app.url(&path)).form(&form).send().await.unwrap();
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let (code, _) = error_of(
        app.post(&format!("/api/v1/organisations/{id}/invitation"), &json!({}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "has_admin");
    let list = json_of(app.get("/api/v1/organisations").await, StatusCode::OK).await;
    assert_eq!(list["items"][1]["has_admin"], true);
}
