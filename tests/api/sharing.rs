//! Sharing agreements: a landlord's learner appears in a training partner's register only under
//! an agreement both admins signed, for training, and only if they consented; the phone only when
//! the agreement names contact details; ending it, or the person withdrawing consent, hides them
//! on the next request; and every look across organisations is in their access log, naming the
//! agreement.

use lendhub::auth::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_of, in_days, json_of};

/// A training partner with its own admin, trainer and hub, and a session its trainer runs.
pub(crate) struct Partner {
    pub(crate) id: i64,
    pub(crate) admin: String,
    pub(crate) trainer: String,
    pub(crate) session: i64,
}

pub(crate) async fn partner(app: &TestApp) -> Partner {
    let created = json_of(
        app.post(
            "/api/v1/organisations",
            &json!({"name": "West Kent Training", "prefix": "WKT", "kind": "training_partner"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    let org = i32::try_from(id).unwrap();
    let admin = app
        .staff_token_in(org, "admin@wkt.example.org", Role::Admin)
        .await;
    let trainer = app
        .staff_token_in(org, "tia@wkt.example.org", Role::Trainer)
        .await;
    let hub = json_of(
        app.post_as(
            Some(&admin),
            "/api/v1/hubs",
            &json!({"name": "Training room", "address": "2 Mill Lane"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .clone();
    let course = json_of(
        app.post_as(
            Some(&admin),
            "/api/v1/training/courses",
            &json!({"title": "Getting online"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let trainer_id =
        json_of(app.get_as(Some(&trainer), "/api/v1/me").await, StatusCode::OK).await["id"].clone();
    let session = json_of(
        app.post_as(
            Some(&admin),
            "/api/v1/training/sessions",
            &json!({"course_id": course["id"], "starts_at": format!("{}T10:00", in_days(3)),
                    "duration_minutes": 90, "capacity": 8, "hub_id": hub, "trainer_id": trainer_id}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    Partner {
        id,
        admin,
        trainer,
        session,
    }
}

pub(crate) fn agreement(with: i64, data: &[&str]) -> Value {
    json!({"with_organisation_id": with, "purpose": "training", "data": data,
           "starts_on": in_days(0), "ends_on": in_days(365), "lawful_basis": "consent"})
}

async fn register(app: &TestApp, p: &Partner) -> Vec<Value> {
    let detail = json_of(
        app.get_as(
            Some(&p.trainer),
            &format!("/api/v1/training/sessions/{}", p.session),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    detail["enrolments"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partners_trainer_sees_a_consenting_learner_only_under_an_agreement_in_force() {
    let app = TestApp::spawn().await;
    let p = partner(&app).await;
    let ada = json_of(
        app.post(
            "/api/v1/borrowers",
            &json!({"name": "Ada Shared", "phone": "07700 900123", "email": "ada@example.org",
                    "accessibility_needs": "Hard of hearing: sit her near the front",
                    "consent": {"loan": true, "share_with_partners": true}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let bob = json_of(
        app.post(
            "/api/v1/borrowers",
            &json!({"name": "Bob Private", "phone": "07700 900456", "consent": {"loan": true}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let enrol = |who: i64| {
        let app = &app;
        let token = p.trainer.clone();
        let session = p.session;
        async move {
            app.post_as(
                Some(&token),
                &format!("/api/v1/training/sessions/{session}/enrolments"),
                &json!({"borrower_id": who}),
            )
            .await
        }
    };

    // No agreement: the landlord's people are not the partner's to enrol.
    let (_, field) = error_of(enrol(ada).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(field.as_deref(), Some("borrower_id"));

    // Proposed by the landlord: nothing flows until the partner's admin accepts.
    let proposed = json_of(
        app.post(
            "/api/v1/sharing-agreements",
            &agreement(p.id, &["names", "attendance"]),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(proposed["status"], "proposed");
    let id = proposed["id"].as_i64().unwrap();
    let (_, field) = error_of(enrol(ada).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(field.as_deref(), Some("borrower_id"), "a proposal shares nothing");
    let (code, _) = error_of(
        app.post(&format!("/api/v1/sharing-agreements/{id}/accept"), &json!({}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(
        code, "not_proposed",
        "the proposer cannot accept its own proposal"
    );
    let accepted = json_of(
        app.post_as(
            Some(&p.admin),
            &format!("/api/v1/sharing-agreements/{id}/accept"),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(accepted["status"], "in_force");

    // The partner lists the learners shared with it: Ada, who consented; never Bob.
    let shared = json_of(
        app.get_as(
            Some(&p.trainer),
            &format!("/api/v1/sharing-agreements/{id}/people"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shared["total"], 1, "{shared}");
    assert_eq!(shared["items"][0]["name"], "Ada Shared");
    assert_eq!(
        shared["items"][0]["phone"],
        Value::Null,
        "no contact details were agreed"
    );

    json_of(enrol(ada).await, StatusCode::CREATED).await;
    let (_, field) = error_of(enrol(bob).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(field.as_deref(), Some("borrower_id"), "Bob did not consent");
    let learners = register(&app, &p).await;
    assert_eq!(learners.len(), 1);
    assert_eq!(learners[0]["name"], "Ada Shared");
    assert_eq!(
        learners[0]["accessibility_needs"],
        "Hard of hearing: sit her near the front"
    );
    assert_eq!(learners[0]["phone"], Value::Null);
    assert_eq!(learners[0]["from_partner"], true);
    // The partner's trainer takes the register; the landlord sees Ada's attendance there, as
    // the agreement names attendance.
    let marked = app
        .client
        .put(app.url(&format!("/api/v1/training/sessions/{}/attendance", p.session)))
        .bearer_auth(&p.trainer)
        .json(&json!({"records": [{"borrower_id": ada, "status": "present"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(marked.status(), StatusCode::OK);
    let training = json_of(
        app.get(&format!("/api/v1/borrowers/{ada}/training")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        training["partner_training"][0]["organisation"], "West Kent Training",
        "{training}"
    );
    assert_eq!(
        training["partner_training"][0]["sessions"][0]["attendance"],
        "present"
    );
    assert_eq!(training["partner_training"][0]["agreement_id"], id);
    // The rest of Ada's record stays the landlord's.
    let response = app
        .get_as(Some(&p.admin), &format!("/api/v1/borrowers/{ada}"))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // A second agreement that names contact details: the phone shows.
    let contact = json_of(
        app.post_as(
            Some(&p.admin),
            "/api/v1/sharing-agreements",
            &agreement(1, &["names", "contact"]),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let contact_id = contact["id"].as_i64().unwrap();
    json_of(
        app.post(
            &format!("/api/v1/sharing-agreements/{contact_id}/accept"),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let learners = register(&app, &p).await;
    assert_eq!(learners[0]["phone"], "07700 900123");
    // Each agreement in force lists under its own terms, whatever else is in force.
    for (agreement, phone) in [(id, Value::Null), (contact_id, json!("07700 900123"))] {
        let shared = json_of(
            app.get_as(
                Some(&p.trainer),
                &format!("/api/v1/sharing-agreements/{agreement}/people"),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(shared["items"][0]["phone"], phone, "{shared}");
        assert_eq!(shared["items"][0]["agreement_id"], agreement);
    }

    // Ending it hides the phone on the next request; ending the first hides Ada's name.
    json_of(
        app.post(
            &format!("/api/v1/sharing-agreements/{contact_id}/end"),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(register(&app, &p).await[0]["phone"], Value::Null);
    let (code, _) = error_of(
        app.post(
            &format!("/api/v1/sharing-agreements/{contact_id}/end"),
            &json!({}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "already_ended");

    // Ada withdraws consent: gone from the register on the next request, kept as a place only.
    json_of(
        app.put(
            &format!("/api/v1/borrowers/{ada}/consents"),
            &json!({"share_with_partners": false, "how": "phone"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let learners = register(&app, &p).await;
    assert_ne!(learners[0]["name"], "Ada Shared");
    assert_eq!(learners[0]["accessibility_needs"], Value::Null);
    let shared = json_of(
        app.get_as(
            Some(&p.trainer),
            &format!("/api/v1/sharing-agreements/{id}/people"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shared["total"], 0, "{shared}");
    json_of(
        app.put(
            &format!("/api/v1/borrowers/{ada}/consents"),
            &json!({"share_with_partners": true, "how": "phone"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(register(&app, &p).await[0]["name"], "Ada Shared");
    json_of(
        app.post_as(
            Some(&p.admin),
            &format!("/api/v1/sharing-agreements/{id}/end"),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_ne!(
        register(&app, &p).await[0]["name"],
        "Ada Shared",
        "the agreement ended"
    );
    let training = json_of(
        app.get(&format!("/api/v1/borrowers/{ada}/training")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(training["partner_training"], json!([]), "the agreement ended");
    let (code, _) = error_of(
        app.get_as(
            Some(&p.trainer),
            &format!("/api/v1/sharing-agreements/{id}/people"),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "not_in_force");

    // Every look across organisations is in Ada's access log, naming its agreement; Bob's is empty.
    let log = json_of(
        app.get(&format!("/api/v1/borrowers/{ada}/access-log")).await,
        StatusCode::OK,
    )
    .await;
    let across: Vec<&Value> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| !l["agreement_id"].is_null())
        .collect();
    assert!(across.len() >= 6, "{log}");
    assert!(
        across
            .iter()
            .any(|l| l["agreement_id"] == contact_id && l["what"] == "register"),
        "{log}"
    );
    assert!(
        across
            .iter()
            .any(|l| l["agreement_id"] == id && l["what"] == "shared_list"),
        "{log}"
    );
    assert!(
        across
            .iter()
            .any(|l| l["agreement_id"] == id && l["what"] == "partner_attendance"),
        "{log}"
    );
    assert!(
        across
            .iter()
            .filter(|l| l["what"] != "partner_attendance")
            .all(|l| l["staff"].as_str().unwrap().contains("West Kent Training")),
        "{log}"
    );
    let log = json_of(
        app.get(&format!("/api/v1/borrowers/{bob}/access-log")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(log["items"], json!([]));

    // Both sides list the agreements.
    let ours = json_of(app.get("/api/v1/sharing-agreements").await, StatusCode::OK).await;
    let theirs = json_of(
        app.get_as(Some(&p.admin), "/api/v1/sharing-agreements").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (ours["total"].as_u64(), theirs["total"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(ours["items"][0]["status"], "ended");
}
