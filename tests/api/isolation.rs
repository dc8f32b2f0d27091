//! Organisations in one scheme keep to themselves: a partner organisation, with every role, asks
//! every API call and every page of the permission matrix about the lead organisation's rows
//! (its devices, loans, borrowers, sessions, repairs, stocktakes, reminders and staff) and is
//! answered 403 or 404, or a list without them; nothing it sends changes them; the lead's counts
//! are nowhere in its reports; and its imports cannot touch the lead's devices or borrowers.

use lendhub::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, json_of},
    permissions::{API, PAGES, POST_PAGES, ROLES, body_for, every_role},
};

/// What only the lead organisation's rows say: its tags' prefix, its organisation's name, and the
/// names of the borrowers the matrix makes.
const LEAD_MARKERS: [&str; 4] = ["TST-", "Test Homes", "Matrix Borrower", "Matrix Learner"];

async fn answer(
    app: &TestApp,
    token: &str,
    method: &str,
    url: &str,
    body: Option<&Value>,
) -> (StatusCode, String) {
    let mut request = app
        .client
        .request(Method::from_bytes(method.as_bytes()).unwrap(), app.url(url))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// Imports `csv` as the holder of `token`, answering the report.
async fn import(app: &TestApp, token: &str, what: &str, csv: String) -> Value {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/imports/{what}")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    json_of(response, StatusCode::OK).await
}

/// The lead's rows as its admin reads them, to compare before and after.
async fn lead_rows(app: &TestApp, paths: &[String]) -> Vec<String> {
    let mut rows = Vec::new();
    for path in paths {
        rows.push(app.get(path).await.text().await.unwrap());
    }
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partner_organisation_reaches_none_of_the_lead_s_rows() {
    let app = TestApp::spawn().await;
    let (_, ids) = every_role(&app).await;
    let partner = json_of(
        app.post(
            "/api/v1/organisations",
            &json!({"name": "Partner Charity", "prefix": "PCH", "kind": "charity",
                    "admin_name": "Pat Partner", "admin_email": "pat@partner.example.org"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let partner_id = i32::try_from(partner["id"].as_i64().unwrap()).unwrap();
    let mut tokens = Vec::new();
    for (letter, role) in ROLES {
        let email = format!("{}@partner.example.org", role.as_str());
        tokens.push((letter, app.staff_token_in(partner_id, &email, role).await));
    }
    let hub_staff = &tokens[1].1;
    let own_hub = json_of(
        app.post_as(
            Some(&tokens[3].1),
            "/api/v1/hubs",
            &json!({"name": "Partner Hub"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let assign = json!({"hub_ids": [own_hub["id"]]});
    let me = json_of(app.get_as(Some(hub_staff), "/api/v1/me").await, StatusCode::OK).await;
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/staff/{}", me["id"])))
        .bearer_auth(&tokens[3].1)
        .json(&assign)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );

    let watched: Vec<String> = [
        format!("/api/v1/devices/{}", ids.tag),
        format!("/api/v1/devices/{}", ids.loaned),
        format!("/api/v1/loans/{}", ids.loan),
        format!("/api/v1/borrowers/{}", ids.borrower),
        format!("/api/v1/borrowers/{}", ids.learner),
        format!("/api/v1/training/sessions/{}", ids.session),
        format!("/api/v1/stocktakes/{}", ids.stocktake),
        "/api/v1/reports/summary".to_owned(),
    ]
    .into();
    let before = lead_rows(&app, &watched).await;

    let mut leaks = Vec::new();
    // `sent` is what the request itself said: an answer that echoes it back leaks nothing.
    let mut check =
        |letter: char, what: String, status: StatusCode, text: &str, sent: &str, names_lead_row: bool| {
            if status.is_server_error() {
                leaks.push(format!("{letter} {what}: {status}"));
            } else if status.is_success() && names_lead_row && !what.contains("999999") {
                leaks.push(format!(
                    "{letter} {what}: {status}, answered about the lead's row"
                ));
            }
            if status.is_success()
                && let Some(marker) = LEAD_MARKERS
                    .iter()
                    .find(|m| text.contains(*m) && !sent.contains(*m))
            {
                leaks.push(format!("{letter} {what}: {status}, and it holds {marker:?}"));
            }
        };
    let names_lead_row = |template: &str| template.contains('{');
    for (method, template, _) in API {
        let path = ids.fill(template);
        let body = body_for(method, template, &ids);
        for (letter, token) in &tokens {
            let (status, text) = answer(&app, token, method, &format!("/api/v1{path}"), body.as_ref()).await;
            // A call that names the lead's rows in its body (a loan of its device) is refused too;
            // an import's report is not about them (what it may write is checked below).
            let named = names_lead_row(template)
                || (!template.starts_with("/imports/")
                    && body.as_ref().is_some_and(|b| b.to_string().contains(&ids.tag)));
            let sent = body.as_ref().map(Value::to_string).unwrap_or_default();
            check(*letter, format!("{method} {path}"), status, &text, &sent, named);
        }
    }
    for (template, _) in PAGES {
        let path = ids.fill(template);
        for (letter, token) in &tokens {
            let (status, text) = answer(&app, token, "GET", &path, None).await;
            // Proposing a sharing agreement chooses among the scheme's organisations by name:
            // the lead's name, and nothing of its rows.
            let may_show = if *template == "/sharing/new" {
                "Test Homes"
            } else {
                ""
            };
            check(
                *letter,
                format!("page {path}"),
                status,
                &text,
                may_show,
                names_lead_row(template),
            );
        }
    }
    for (template, allowed) in POST_PAGES {
        if *allowed == "-" {
            continue;
        }
        let path = ids.fill(template).replace("{upload}", "no-such-upload");
        for (letter, token) in &tokens {
            let response = app
                .client
                .post(app.url(&path))
                .bearer_auth(token)
                .form(&[("nothing", "")])
                .send()
                .await
                .unwrap();
            let status = response.status();
            // A form sent with nothing in it is refused or shown again; never a 5xx.
            if status.is_server_error() {
                leaks.push(format!("{letter} POST {path}: {status}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} answers reached the lead's rows:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
    assert_eq!(
        lead_rows(&app, &watched).await,
        before,
        "nothing the partner sent changed the lead's rows"
    );

    // The partner's figures are its own: none of the lead's devices or loans.
    let summary = json_of(
        app.get_as(Some(&tokens[3].1), "/api/v1/reports/summary").await,
        StatusCode::OK,
    )
    .await;
    let lead = json_of(app.get("/api/v1/reports/summary").await, StatusCode::OK).await;
    assert_ne!(summary, lead);
    assert!(!summary.to_string().contains("TST-"));

    // Its imports touch only its own rows: a lead's tag is refused, a lead's borrower's email
    // makes a borrower of its own.
    let lead_device = json_of(
        app.get(&format!("/api/v1/devices/{}", ids.tag)).await,
        StatusCode::OK,
    )
    .await;
    let csv = format!(
        "asset_tag,kind,make,model,hub\n{},laptop,Dell,Latitude,Partner Hub\n",
        ids.tag
    );
    let report = import(&app, &tokens[3].1, "devices", csv).await;
    assert_eq!(report["imported"], 0, "{report}");
    let after = json_of(
        app.get(&format!("/api/v1/devices/{}", ids.tag)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(after, lead_device);
    let lead_borrower = json_of(
        app.get(&format!("/api/v1/borrowers/{}", ids.borrower)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ROLES[1].1, Role::HubStaff, "the hub staff token is the second");
    let csv = "name,phone\nMatrix Borrower,07700 900001\n";
    let report = import(
        &app,
        &tokens[3].1,
        "borrowers?consent_confirmed=true",
        csv.to_owned(),
    )
    .await;
    assert_eq!(report["imported"], 1, "{report}");
    let unchanged = json_of(
        app.get(&format!("/api/v1/borrowers/{}", ids.borrower)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(unchanged, lead_borrower);
}
