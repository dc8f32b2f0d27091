//! Referral links' edges: a revoked link stops at once, a busy link is throttled, a request
//! without a key or with a field the form does not ask is refused. (The whole journey from a
//! referral to a gift and a follow-up is `journey.rs`.)

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_of, json_of};

pub(crate) fn referral(name: &str, phone: &str, email: Option<&str>, answers: &str) -> Value {
    let answers: Value = serde_json::from_str(answers).unwrap();
    json!({
        "name": name,
        "phone": phone,
        "email": email,
        "needs": ["tablet"],
        "answers": answers,
        "reasons": "No device at home; job search online",
        "referrer": {"name": "Sam Coach", "organisation": "Jobcentre Plus", "email": "sam.coach@jobcentre.example"},
        "consent": {"loan": true, "email_reminders": email.is_some()}
    })
}

pub(crate) const ALL_YES: &str =
    r#"{"over_18": true, "low_income": true, "no_internet": true, "cannot_afford": true}"#;
pub(crate) const SOME_YES: &str =
    r#"{"over_18": true, "low_income": false, "no_internet": true, "cannot_afford": false}"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_link_stops_at_once_and_a_busy_link_is_throttled() {
    let app = TestApp::spawn().await;
    let link = json_of(
        app.post("/api/v1/referral-links", &json!({"organisation": "Council"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let key = link["key"].as_str().unwrap().to_owned();
    let body = referral("Eve Example", "01632 960010", None, ALL_YES);
    let send = || async {
        app.client
            .post(app.url(&format!("/api/v1/referrals?key={key}")))
            .json(&body)
            .send()
            .await
            .unwrap()
            .status()
    };
    for _ in 0..lendhub::referrals::service::REFERRALS_PER_LINK_PER_HOUR {
        assert_eq!(send().await, StatusCode::CREATED);
    }
    assert_eq!(send().await, StatusCode::TOO_MANY_REQUESTS);
    json_of(
        app.post(
            &format!("/api/v1/referral-links/{}/revoke", link["id"]),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(send().await, StatusCode::NOT_FOUND);
    // Without a key, a referral needs a signed-in member of staff.
    let anonymous = app
        .client
        .post(app.url("/api/v1/referrals"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // A field the form did not ask for is refused.
    let mut extra = body.clone();
    extra["is_admin"] = json!(true);
    let link = json_of(
        app.post("/api/v1/referral-links", &json!({"organisation": "GP"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let answer = app
        .client
        .post(app.url(&format!(
            "/api/v1/referrals?key={}",
            link["key"].as_str().unwrap()
        )))
        .json(&extra)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scheme_sets_its_own_eligibility_questions_and_weights() {
    let app = TestApp::spawn().await;
    let organisation = json_of(app.get("/api/v1/organisation").await, StatusCode::OK).await;
    let keys: Vec<&str> = organisation["eligibility"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["over_18", "low_income", "no_internet", "cannot_afford"]);

    let own = json!([
        {"key": "over_18", "question": "Are they 18 or over?", "weight": 0},
        {"key": "care_leaver", "question": "Have they left care in the last five years?", "weight": 5},
    ]);
    json_of(
        app.patch("/api/v1/organisation", &json!({"eligibility": own}))
            .await,
        StatusCode::OK,
    )
    .await;
    let twice =
        json!([{"key": "a", "question": "A?", "weight": 1}, {"key": "a", "question": "B?", "weight": 1}]);
    let (code, field) = error_of(
        app.patch("/api/v1/organisation", &json!({"eligibility": twice}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("invalid", Some("eligibility"))
    );

    // The old answers are not the scheme's questions any more; its own are, with its weights.
    let (code, field) = error_of(
        app.post(
            "/api/v1/referrals",
            &referral("Dan Default", "01632 960031", None, ALL_YES),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("invalid", Some("answers.care_leaver"))
    );
    let made = json_of(
        app.post(
            "/api/v1/referrals",
            &referral(
                "Cara Leaver",
                "01632 960032",
                None,
                r#"{"over_18": true, "care_leaver": true}"#,
            ),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let read = json_of(
        app.get(&format!("/api/v1/referrals/{}", made["id"])).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (read["priority"].as_i64(), read["eligible"].as_bool()),
        (Some(5), Some(true))
    );
    let page = app.page_text(&format!("/referrals/{}", made["id"])).await;
    assert!(
        page.contains("Have they left care in the last five years?"),
        "{page}"
    );

    // The public form asks them.
    let link = json_of(
        app.post("/api/v1/referral-links", &json!({"organisation": "Council"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let form = app
        .client
        .get(app.url(&format!("/r/{}", link["key"].as_str().unwrap())))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        form.contains("Have they left care in the last five years?"),
        "{form}"
    );
    assert!(!form.contains("low income"), "the default questions are gone");
    let settings = app.page_text("/settings").await;
    assert!(
        settings.contains("care_leaver | Have they left care in the last five years? | 5"),
        "{settings}"
    );

    // Back to the usual four.
    let back = json_of(
        app.patch("/api/v1/organisation", &json!({"eligibility": null}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(back["eligibility"].as_array().unwrap().len(), 4);
}
