//! Lending at a partner's sessions: a training partner lends one of its own devices to the lead's
//! learner enrolled in its session, under a training agreement, by making its own record of them
//! from what the agreement names (contact details only when named) and what they give at the
//! counter; once per person; never for someone not in its session, nor once they withdraw
//! consent; and the copy is in the person's access log, naming the agreement.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_of, in_days, json_of};
use crate::sharing::{Partner, agreement, partner};

async fn person(app: &TestApp, name: &str, phone: &str) -> i64 {
    json_of(
        app.post(
            "/api/v1/borrowers",
            &json!({"name": name, "phone": phone, "accessibility_needs": "Large keys",
                    "consent": {"loan": true, "share_with_partners": true}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

async fn agree(app: &TestApp, p: &Partner, data: &[&str]) -> i64 {
    let id = json_of(
        app.post("/api/v1/sharing-agreements", &agreement(p.id, data))
            .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    json_of(
        app.post_as(
            Some(&p.admin),
            &format!("/api/v1/sharing-agreements/{id}/accept"),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    id
}

async fn enrol(app: &TestApp, p: &Partner, who: i64) {
    json_of(
        app.post_as(
            Some(&p.trainer),
            &format!("/api/v1/training/sessions/{}/enrolments", p.session),
            &json!({"borrower_id": who}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
}

fn own_record_path(p: &Partner, who: i64) -> String {
    format!(
        "/api/v1/training/sessions/{}/enrolments/{who}/own-record",
        p.session
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_training_partner_lends_its_own_device_to_a_shared_learner_at_its_session() {
    let app = TestApp::spawn().await;
    let p = partner(&app).await;
    let names_only = agree(&app, &p, &["names"]).await;
    let ada = person(&app, "Ada Shared", "07700 900123").await;
    let cal = person(&app, "Cal Elsewhere", "07700 900789").await;
    enrol(&app, &p, ada).await;

    // Someone the partner has not enrolled is not its to lend to.
    let (_, _) = error_of(
        app.post_as(
            Some(&p.admin),
            &own_record_path(&p, cal),
            &json!({"consent": {"loan": true}, "phone": "07700 900111"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // A trainer does not lend.
    assert_eq!(
        app.post_as(
            Some(&p.trainer),
            &own_record_path(&p, ada),
            &json!({"consent": {"loan": true}})
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    // The register's "Lend them a device" page: for those who lend, about the partner's learner.
    let page = format!("/training/sessions/{}/partners/{ada}/lend", p.session);
    let answer = app.get_as(Some(&p.admin), &page).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let text = answer.text().await.unwrap();
    assert!(text.contains("Lend Ada Shared a device"), "{text}");
    assert!(text.contains("keep your own record of them"), "{text}");
    assert_eq!(
        app.get_as(Some(&p.trainer), &page).await.status(),
        StatusCode::FORBIDDEN
    );
    let not_enrolled = format!("/training/sessions/{}/partners/{cal}/lend", p.session);
    assert_eq!(
        app.get_as(Some(&p.admin), &not_enrolled).await.status(),
        StatusCode::NOT_FOUND
    );
    // Their agreement to the lender keeping their details comes first.
    let (_, field) = error_of(
        app.post_as(
            Some(&p.admin),
            &own_record_path(&p, ada),
            &json!({"phone": "07700 900222"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("consent.loan"));
    // The agreement names no contact details: the landlord's phone is not copied, so the lender
    // needs a way to reach them that they give at the counter.
    let (_, field) = error_of(
        app.post_as(
            Some(&p.admin),
            &own_record_path(&p, ada),
            &json!({"consent": {"loan": true}}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("contact"));
    let own = json_of(
        app.post_as(
            Some(&p.admin),
            &own_record_path(&p, ada),
            &json!({"consent": {"loan": true}, "phone": "07700 900222"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(own["name"], "Ada Shared");
    assert_eq!(own["accessibility_needs"], "Large keys");
    assert_eq!(own["phone"], "07700 900222", "{own}");
    assert_eq!(own["partner_borrower_id"], ada);
    let own_id = own["id"].as_i64().unwrap();
    assert_ne!(own_id, ada);
    // Asked again, the same record: one per person.
    let again = json_of(
        app.post_as(
            Some(&p.admin),
            &own_record_path(&p, ada),
            &json!({"consent": {"loan": true}}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["id"], own_id);
    // The register points to it.
    let detail = json_of(
        app.get_as(
            Some(&p.admin),
            &format!("/api/v1/training/sessions/{}", p.session),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(detail["enrolments"][0]["own_record_id"], own_id, "{detail}");

    // The partner lends one of its own devices on its own record, as it lends to anyone.
    let hub = json_of(app.get_as(Some(&p.admin), "/api/v1/hubs").await, StatusCode::OK).await;
    let hub_id = hub["items"][0]["id"].clone();
    let device = json_of(
        app.post_as(
            Some(&p.admin),
            "/api/v1/devices",
            &json!({"kind": "tablet", "make": "Lenovo", "model": "Tab M10", "hub_id": hub_id}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let loan = json_of(
        app.post_as(
            Some(&p.admin),
            "/api/v1/loans",
            &json!({"asset_tag": device["asset_tag"], "borrower_id": own_id, "due_on": in_days(28)}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(loan["borrower_name"], "Ada Shared");
    // Lending to the landlord's record itself is still refused: that record is not the partner's.
    let (_, field) = error_of(
        app.post_as(
            Some(&p.admin),
            "/api/v1/loans",
            &json!({"asset_tag": device["asset_tag"], "borrower_id": ada, "due_on": in_days(28)}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("borrower_id"));
    // The landlord's lists hold neither the partner's record nor its loan.
    let theirs = json_of(app.get("/api/v1/borrowers?q=Ada").await, StatusCode::OK).await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1, "{theirs}");
    assert_eq!(
        app.get(&format!("/api/v1/borrowers/{own_id}")).await.status(),
        StatusCode::NOT_FOUND
    );

    // The landlord sees the partner's loans to Ada only under an agreement that names loans.
    let record = json_of(app.get(&format!("/api/v1/borrowers/{ada}")).await, StatusCode::OK).await;
    assert_eq!(record["partner_loans"], json!([]), "{record}");
    let loans_named = agree(&app, &p, &["names", "loans"]).await;
    let record = json_of(app.get(&format!("/api/v1/borrowers/{ada}")).await, StatusCode::OK).await;
    assert_eq!(
        record["partner_loans"][0]["organisation"], "West Kent Training",
        "{record}"
    );
    assert_eq!(record["partner_loans"][0]["kind"], "tablet");
    assert_eq!(record["partner_loans"][0]["status"], "open");
    assert_eq!(record["partner_loans"][0]["agreement_id"], loans_named);
    assert_eq!(record["loans"], json!([]), "the landlord's own loans are its own");

    // With contact details named, the phone comes with the person.
    let with_contact = agree(&app, &p, &["names", "contact"]).await;
    enrol(&app, &p, cal).await;
    let own_cal = json_of(
        app.post_as(
            Some(&p.admin),
            &own_record_path(&p, cal),
            &json!({"consent": {"loan": true}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(own_cal["phone"], "07700 900789");

    // The copies, and the landlord's look at Ada's loans, are in the access log, naming the
    // agreement each was made under.
    for (who, what, agreement_id) in [
        (ada, "partner_record", names_only),
        (cal, "partner_record", with_contact),
        (ada, "partner_loans", loans_named),
    ] {
        let log = json_of(
            app.get(&format!("/api/v1/borrowers/{who}/access-log")).await,
            StatusCode::OK,
        )
        .await;
        assert!(
            log["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["what"] == what && l["agreement_id"] == agreement_id),
            "{what} under {agreement_id}: {log}"
        );
    }

    // Cal withdraws consent to sharing: no new record can be made from theirs. The record the
    // partner made is its own, for the loan it may have made.
    json_of(
        app.put(
            &format!("/api/v1/borrowers/{cal}/consents"),
            &json!({"share_with_partners": false, "how": "phone"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    error_of(
        app.post_as(
            Some(&p.admin),
            &own_record_path(&p, cal),
            &json!({"consent": {"loan": true}}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let kept = json_of(
        app.get_as(Some(&p.admin), &format!("/api/v1/borrowers/{}", own_cal["id"]))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(kept["name"], "Cal Elsewhere");
    assert_eq!(Value::Null, kept["anonymised_at"]);
}
