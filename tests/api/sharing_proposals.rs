//! Proposing a sharing agreement: each field checked and named, only an admin proposes, and an
//! organisation not party to it sees none of it.

use lendhub::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, error_of, in_days, json_of};
use crate::sharing::{agreement, partner};

#[tokio::test(flavor = "multi_thread")]
async fn a_proposal_is_checked_field_by_field_and_a_third_organisation_sees_none_of_it() {
    let app = TestApp::spawn().await;
    let p = partner(&app).await;
    // Proposals are checked field by field, and only an admin proposes.
    for (body, field) in [
        (
            json!({"purpose": "training", "data": ["names"], "starts_on": in_days(0), "ends_on": in_days(9), "lawful_basis": "consent"}),
            "with_organisation_id",
        ),
        (agreement(p.id, &["names", "shoe_size"]), "data[1]"),
        (
            json!({"with_organisation_id": p.id, "purpose": "training", "data": ["names"], "starts_on": in_days(5), "ends_on": in_days(1), "lawful_basis": "consent"}),
            "ends_on",
        ),
        (agreement(1, &["names"]), "with_organisation_id"),
    ] {
        let (_, named) = error_of(
            app.post("/api/v1/sharing-agreements", &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(named.as_deref(), Some(field), "{body}");
    }
    let response = app
        .post_as(
            Some(&p.trainer),
            "/api/v1/sharing-agreements",
            &agreement(1, &["names"]),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let proposed = json_of(
        app.post("/api/v1/sharing-agreements", &agreement(p.id, &["names"]))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let third = json_of(
        app.post(
            "/api/v1/organisations",
            &json!({"name": "Kent Council", "prefix": "KCC", "kind": "council"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let outsider = app
        .staff_token_in(
            i32::try_from(third["id"].as_i64().unwrap()).unwrap(),
            "admin@kcc.example.org",
            Role::Admin,
        )
        .await;
    let list = json_of(
        app.get_as(Some(&outsider), "/api/v1/sharing-agreements").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["total"], 0);
    let id = proposed["id"].as_i64().unwrap();
    for (method, path) in [
        ("GET", format!("/api/v1/sharing-agreements/{id}")),
        ("POST", format!("/api/v1/sharing-agreements/{id}/accept")),
        ("POST", format!("/api/v1/sharing-agreements/{id}/end")),
        ("GET", format!("/api/v1/sharing-agreements/{id}/people")),
    ] {
        let response = if method == "GET" {
            app.get_as(Some(&outsider), &path).await
        } else {
            app.post_as(Some(&outsider), &path, &json!({})).await
        };
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
}
