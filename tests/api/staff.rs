//! Staff accounts from the web, and hub staff kept to their hubs: invitations, password links,
//! disabling, the last admin, and what a hub staff member of one hub can see of another.

use std::process::Command;

use crate::helpers::{PASSWORD, TestApp, error_of, in_days, json_of};
use lendhub::auth::Role;
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

/// Opens a password link and chooses `password` on its page, as the person given it would.
pub(crate) async fn choose_password(app: &TestApp, url: &str, password: &str) -> reqwest::Response {
    let path = url.strip_prefix(&app.base).expect("a link to this lendhub");
    let page = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "GET {path}");
    app.client
        .post(app.url(path))
        .form(&[("password", password), ("confirm", password)])
        .send()
        .await
        .unwrap()
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.post_as(
        None,
        "/api/v1/tokens",
        &json!({"email": email, "password": password}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invited_colleague_chooses_a_password_and_a_disabled_one_is_signed_out_at_once() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;

    // Every problem with an invitation names its field.
    for (body, field) in [
        (
            json!({"email": "nina@", "name": "Nina", "role": "hub_staff"}),
            "email",
        ),
        (
            json!({"email": "nina@example.org", "name": " ", "role": "hub_staff"}),
            "name",
        ),
        (
            json!({"email": "nina@example.org", "name": "Nina", "role": "boss"}),
            "role",
        ),
        (
            json!({"email": "nina@example.org", "name": "Nina", "role": "hub_staff", "hub_ids": [999_999]}),
            "hub_ids",
        ),
    ] {
        let (_, named) = error_of(
            app.post("/api/v1/staff", &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(named.as_deref(), Some(field), "{body}");
    }

    let invited = json_of(
        app.post(
            "/api/v1/staff",
            &json!({"email": "Nina@Example.org", "name": "Nina Okafor", "role": "hub_staff", "hub_ids": [hub]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = invited["id"].as_i64().unwrap();
    let url = invited["invitation_url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/password/", app.base)), "{url}");
    assert!(!url.contains("nina"), "no personal data in the link: {url}");
    let (code, _) = error_of(
        app.post(
            "/api/v1/staff",
            &json!({"email": "nina@example.org", "name": "Nina", "role": "trainer"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "duplicate_email");

    // Before choosing a password, no password signs them in; the list says they are invited.
    assert_eq!(
        sign_in(&app, "nina@example.org", "!").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let list = json_of(app.get("/api/v1/staff").await, StatusCode::OK).await;
    let nina = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(nina["invitation_pending"], true);
    assert_eq!(nina["hub_ids"], json!([hub]));

    let chosen = choose_password(&app, url, "a new password for nina").await;
    assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
    assert_eq!(chosen.headers()[header::LOCATION], "/login");
    // The link works once.
    let path = url.strip_prefix(&app.base).unwrap();
    assert_eq!(
        app.client.get(app.url(path)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    let token = json_of(
        sign_in(&app, "nina@example.org", "a new password for nina").await,
        StatusCode::CREATED,
    )
    .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = json_of(app.get_as(Some(&token), "/api/v1/me").await, StatusCode::OK).await;
    assert_eq!(me["name"], "Nina Okafor");

    // Disabled: the very next request is refused, and so is signing in again.
    let disabled = json_of(
        app.patch(&format!("/api/v1/staff/{id}"), &json!({"disabled": true}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(disabled["disabled"], true);
    assert_eq!(
        app.get_as(Some(&token), "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&app, "nina@example.org", "a new password for nina")
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (code, _) = error_of(
        app.post(&format!("/api/v1/staff/{id}/password-reset"), &json!({}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "account_disabled");

    // Enabled again, with a reset link: the old password is gone once a new one is chosen.
    json_of(
        app.patch(
            &format!("/api/v1/staff/{id}"),
            &json!({"disabled": false, "role": "coordinator"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let first = json_of(
        app.post(&format!("/api/v1/staff/{id}/password-reset"), &json!({}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let second = json_of(
        app.post(&format!("/api/v1/staff/{id}/password-reset"), &json!({}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let stale = first["url"]
        .as_str()
        .unwrap()
        .strip_prefix(&app.base)
        .unwrap()
        .to_owned();
    assert_eq!(
        app.client.get(app.url(&stale)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "a newer link replaces an older one"
    );
    let chosen = choose_password(&app, second["url"].as_str().unwrap(), "nina's second password").await;
    assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        sign_in(&app, "nina@example.org", "a new password for nina")
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let token = json_of(
        sign_in(&app, "nina@example.org", "nina's second password").await,
        StatusCode::CREATED,
    )
    .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        json_of(app.get_as(Some(&token), "/api/v1/me").await, StatusCode::OK).await["role"],
        "coordinator"
    );

    // Changing one's own password needs the current one.
    let (_, field) = error_of(
        app.post_as(
            Some(&token),
            "/api/v1/me/password",
            &json!({"current_password": "wrong guess entirely", "new_password": "nina's third password"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("current_password"));
    let changed = app
        .post_as(
            Some(&token),
            "/api/v1/me/password",
            &json!({"current_password": "nina's second password", "new_password": "nina's third password"}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        sign_in(&app, "nina@example.org", "nina's third password")
            .await
            .status(),
        StatusCode::CREATED
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_one_disables_their_own_account_and_the_command_line_makes_a_reset_link() {
    let app = TestApp::spawn().await;
    let me = json_of(app.get("/api/v1/me").await, StatusCode::OK).await;
    let path = format!("/api/v1/staff/{}", me["id"]);
    for body in [json!({"role": "coordinator"}), json!({"disabled": true})] {
        let (code, _) = error_of(app.patch(&path, &body).await, StatusCode::CONFLICT).await;
        assert_eq!(code, "own_account", "{body}");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_lendhub"))
        .args(["user", "reset-password", "--email", "admin@example.org"])
        .env("LENDHUB_DATABASE_URL", &app.database_url)
        .env("LENDHUB_PUBLIC_URL", &app.base)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let url = stdout
        .split_whitespace()
        .find(|w| w.contains("/password/"))
        .expect("a link")
        .to_owned();
    let chosen = choose_password(&app, &url, "the admin's new password").await;
    assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        sign_in(&app, "admin@example.org", "the admin's new password")
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        sign_in(&app, "admin@example.org", PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

fn tags(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["asset_tag"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn hub_staff_see_and_act_only_at_the_hubs_they_are_assigned_to() {
    let app = TestApp::spawn().await;
    let riverside = app.hub("Riverside").await;
    let hilltop = app.hub("Hilltop").await;
    for hub in [riverside, riverside, hilltop, hilltop] {
        json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    }
    // TST-00001 and 2 are Riverside's; 3 and 4 Hilltop's. A loan of each, to a borrower with
    // only a phone, so that reminders become calls.
    let borrower = app.borrower("Phone Only").await;
    let riverside_loan = app.issue("TST-00001", borrower).await;
    let hilltop_loan = app.issue("TST-00003", borrower).await;
    lendhub::reminders::service::sweep(
        &app.db,
        &lendhub::reminders::model::Policy::default(),
        &app.base,
        chrono::Utc::now() + chrono::Duration::days(40),
    )
    .await
    .unwrap();
    let hilltop_stocktake = json_of(
        app.post("/api/v1/stocktakes", &json!({"hub_id": hilltop})).await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let token = app.staff_token("counter@example.org", Role::HubStaff).await;

    // Assigned to no hub: nothing to see.
    let devices = json_of(app.get_as(Some(&token), "/api/v1/devices").await, StatusCode::OK).await;
    assert!(tags(&devices).is_empty(), "{devices}");
    assert_eq!(
        app.get_as(Some(&token), "/api/v1/devices/TST-00002")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    app.assign_hubs(&token, &[riverside]).await;
    let devices = json_of(app.get_as(Some(&token), "/api/v1/devices").await, StatusCode::OK).await;
    assert_eq!(tags(&devices), ["TST-00001", "TST-00002"]);
    let filtered = json_of(
        app.get_as(Some(&token), &format!("/api/v1/devices?hub_id={hilltop}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        tags(&filtered).is_empty(),
        "asking for another hub shows nothing: {filtered}"
    );
    for path in [
        "/api/v1/devices/TST-00004".to_owned(),
        "/api/v1/devices/TST-00004/events".to_owned(),
        format!("/api/v1/loans/{hilltop_loan}"),
        format!("/api/v1/stocktakes/{hilltop_stocktake}"),
        format!("/api/v1/loans/{hilltop_loan}/agreement.pdf"),
    ] {
        assert_eq!(
            app.get_as(Some(&token), &path).await.status(),
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
    }
    assert_eq!(
        app.get_as(Some(&token), "/devices/TST-00004").await.status(),
        StatusCode::NOT_FOUND
    );
    let (_, field) = error_of(
        app.post_as(
            Some(&token),
            "/api/v1/loans",
            &json!({"asset_tag": "TST-00004", "borrower_id": borrower, "due_on": in_days(14)}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("asset_tag"));
    // Another hub's loan may be taken back at their counter (tests/api/scoping.rs), nothing else.
    let extended = app
        .post_as(
            Some(&token),
            &format!("/api/v1/loans/{hilltop_loan}/extend"),
            &json!({"due_on": in_days(60)}),
        )
        .await;
    assert_eq!(extended.status(), StatusCode::NOT_FOUND);
    let (_, field) = error_of(
        app.post_as(Some(&token), "/api/v1/stocktakes", &json!({"hub_id": hilltop}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("hub_id"));
    let stocktakes = json_of(
        app.get_as(Some(&token), "/api/v1/stocktakes").await,
        StatusCode::OK,
    )
    .await;
    assert!(stocktakes["items"].as_array().unwrap().is_empty(), "{stocktakes}");
    let calls = json_of(
        app.get_as(Some(&token), "/api/v1/reminders/call-list").await,
        StatusCode::OK,
    )
    .await;
    let called: Vec<i64> = calls["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["loan_id"].as_i64().unwrap())
        .collect();
    assert_eq!(called, [riverside_loan], "only Riverside's call: {calls}");
    let hubs = json_of(app.get_as(Some(&token), "/api/v1/hubs").await, StatusCode::OK).await;
    assert_eq!(hubs["items"].as_array().unwrap().len(), 1);
    // Their own hub's work goes on as before.
    json_of(
        app.post_as(
            Some(&token),
            &format!("/api/v1/loans/{riverside_loan}/return"),
            &json!({"condition": "good"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Once an admin assigns Hilltop too, its devices, loans and calls are theirs as well.
    app.assign_hubs(&token, &[riverside, hilltop]).await;
    assert_eq!(
        app.get_as(Some(&token), "/api/v1/devices/TST-00004")
            .await
            .status(),
        StatusCode::OK
    );
    let calls = json_of(
        app.get_as(Some(&token), "/api/v1/reminders/call-list").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        calls["items"].as_array().unwrap().len(),
        1,
        "Riverside's call ended with its loan: {calls}"
    );
    assert_eq!(calls["items"][0]["loan_id"], hilltop_loan);
    json_of(
        app.post_as(
            Some(&token),
            "/api/v1/loans",
            &json!({"asset_tag": "TST-00004", "borrower_id": borrower, "due_on": in_days(14)}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_mail_server_the_invitation_is_emailed_too() {
    use crate::helpers::SmtpServer;
    if !SmtpServer::available() {
        return;
    }
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(|config| config.smtp_url = Some(smtp.url())).await;
    let invited = json_of(
        app.post(
            "/api/v1/staff",
            &json!({"email": "tom@example.org", "name": "Tom Price", "role": "trainer"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(invited["emailed"], true);
    let url = invited["invitation_url"].as_str().unwrap();
    let mut mails = Vec::new();
    for _ in 0..100 {
        mails = smtp.to("tom@example.org");
        if !mails.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(mails.len(), 1, "one invitation email");
    assert_eq!(mails[0].subject, "Your lendhub account");
    assert!(mails[0].text.contains("Hello Tom Price"), "{}", mails[0].text);
    assert!(mails[0].text.contains(url), "{}", mails[0].text);

    // Without a mail server the link is only on screen.
    let quiet = TestApp::spawn().await;
    let invited = json_of(
        quiet
            .post(
                "/api/v1/staff",
                &json!({"email": "tom@example.org", "name": "Tom Price", "role": "trainer"}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(invited["emailed"], false);
}

async fn change_own_password(app: &TestApp, token: &str, current: &str) -> reqwest::Response {
    app.post_as(
        Some(token),
        "/api/v1/me/password",
        &json!({"current_password": current, "new_password": "nina's second password"}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn guessing_ones_current_password_is_throttled() {
    let app = TestApp::spawn().await;
    let token = app.staff_token("nina@example.org", Role::Coordinator).await;
    for _ in 0..5 {
        let response = change_own_password(&app, &token, "a wrong guess here").await;
        let (_, field) = error_of(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(field.as_deref(), Some("current_password"));
    }
    // The sixth waits out the window, even with the right password.
    let response = change_own_password(&app, &token, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_password_ends_every_other_session_and_token() {
    let app = TestApp::spawn().await;
    let kept = app.staff_token("nina@example.org", Role::Coordinator).await;
    let other = json_of(
        sign_in(&app, "nina@example.org", PASSWORD).await,
        StatusCode::CREATED,
    )
    .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let changed = change_own_password(&app, &kept, PASSWORD).await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    let me = app.get_as(Some(&other), "/api/v1/me").await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "the other token ends");
    let me = app.get_as(Some(&kept), "/api/v1/me").await;
    assert_eq!(me.status(), StatusCode::OK, "the one in use stays");
}

/// Asks for a password link from the sign-in page, and answers what the page then says.
async fn forgot(app: &TestApp, email: &str) -> (StatusCode, String) {
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let response = client
        .post(app.url("/password/forgot"))
        .form(&[("email", email)])
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forgotten_password_is_emailed_with_one_answer_for_every_address() {
    use crate::helpers::SmtpServer;
    let quiet = TestApp::spawn().await;
    let login = quiet
        .client
        .get(quiet.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login.contains("href=\"/password/forgot\""), "{login}");
    let (_, page) = forgot(&quiet, "admin@example.org").await;
    assert!(page.contains("ask your admin to make you a link"), "{page}");

    if !SmtpServer::available() {
        return;
    }
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(|config| config.smtp_url = Some(smtp.url())).await;
    let (status, known) = forgot(&app, "Admin@Example.org").await;
    assert_eq!(status, StatusCode::OK);
    let (_, unknown) = forgot(&app, "nobody@example.org").await;
    let said = "If there is an account for that address, we have emailed it a link";
    assert!(known.contains(said) && unknown.contains(said), "{known}");
    let mut mails = Vec::new();
    for _ in 0..100 {
        mails = smtp.to("admin@example.org");
        if !mails.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject, "Choose a new lendhub password");
    let url = mails[0]
        .text
        .split_whitespace()
        .find(|w| w.contains("/password/"))
        .unwrap()
        .to_owned();
    let chosen = choose_password(&app, &url, "the admin's own new one").await;
    assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
    assert!(smtp.to("nobody@example.org").is_empty());

    // Five asks from one connection in 15 minutes, then it waits.
    for _ in 0..3 {
        forgot(&app, "nobody@example.org").await;
    }
    let (status, _) = forgot(&app, "admin@example.org").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread")]
async fn admins_change_a_name_and_email_and_an_account_with_no_hub_is_told_why() {
    let app = TestApp::spawn().await;
    let token = app.staff_token("nina@example.org", Role::HubStaff).await;
    let me = json_of(app.get_as(Some(&token), "/api/v1/me").await, StatusCode::OK).await;
    let dashboard = app.get_as(Some(&token), "/").await.text().await.unwrap();
    assert!(
        dashboard.contains("You are not assigned to a hub yet."),
        "{dashboard}"
    );
    let path = format!("/api/v1/staff/{}", me["id"]);
    let changed = json_of(
        app.patch(
            &path,
            &json!({"name": "Nina Okafor-Smith", "email": "Nina.Smith@Example.org"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["name"], "Nina Okafor-Smith");
    assert_eq!(changed["email"], "nina.smith@example.org");
    assert_eq!(
        sign_in(&app, "nina.smith@example.org", PASSWORD).await.status(),
        StatusCode::CREATED,
        "she signs in with the new address"
    );
    let (code, _) = error_of(
        app.patch(&path, &json!({"email": "admin@example.org"})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "duplicate_email");
    let (_, field) = error_of(
        app.patch(&path, &json!({"name": " "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("name"));
}

/// The invitation page after inviting `email` from the form.
async fn invitation_page(app: &TestApp, email: &str) -> String {
    let response = app
        .client
        .post(app.url("/staff/new"))
        .bearer_auth(&app.token)
        .form(&[("name", "Tom Price"), ("email", email), ("role", "trainer")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_invitation_page_says_truthfully_whether_the_link_was_emailed() {
    use crate::helpers::SmtpServer;
    // No mail server: said so, with the link to hand over and a button to copy it.
    let quiet = TestApp::spawn().await;
    let page = invitation_page(&quiet, "tom@example.org").await;
    assert!(
        page.contains("This link has not been emailed:</strong> lendhub has no mail server set"),
        "{page}"
    );
    assert!(page.contains("Copy the link") && page.contains("/assets/js/copy.js"));
    assert!(!page.contains("We have emailed"));

    // A mail server that is not there: the email failed, and the page says so.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let broken = TestApp::spawn_with(|config| {
        config.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    })
    .await;
    let page = invitation_page(&broken, "tom@example.org").await;
    assert!(page.contains("The email could not be sent."), "{page}");

    if !SmtpServer::available() {
        return;
    }
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(|config| config.smtp_url = Some(smtp.url())).await;
    let page = invitation_page(&app, "tom@example.org").await;
    assert!(
        page.contains("We have emailed the link to tom@example.org."),
        "{page}"
    );
}
