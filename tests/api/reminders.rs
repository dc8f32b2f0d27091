//! Reminders against a real SMTP server (aiosmtpd): the clock is set for each sweep, as
//! `lendhub reminders run --now` sets it, and what arrives is read back from the server.

use std::{process::Command, sync::Arc};

use crate::helpers::{SmtpServer, TestApp, error_of, json_of};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::London;
use lendhub::{
    config::Config,
    reminders::{mail::Mailer, service},
};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

/// 9 in the morning in London, `days` from today.
pub(crate) fn morning(days: i64) -> DateTime<Utc> {
    let day = lendhub::dates::today(Utc::now()) + Duration::days(days);
    London
        .from_local_datetime(&day.and_hms_opt(9, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn date_in(days: i64) -> NaiveDate {
    lendhub::dates::today(Utc::now()) + Duration::days(days)
}

fn long(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

pub(crate) fn config(app: &TestApp) -> Config {
    let mut config = Config::for_database(&app.database_url);
    config.public_url.clone_from(&app.base);
    config
}

pub(crate) fn mailer(smtp: &SmtpServer) -> Mailer {
    Mailer::new(
        &smtp.url(),
        "Test Homes <loans@example.org>",
        std::time::Duration::from_secs(30),
    )
    .unwrap()
}

/// A hub with its address and opening hours, for the emails to name.
pub(crate) async fn hub(app: &TestApp) -> i64 {
    let hub = json_of(
        app.post(
            "/api/v1/hubs",
            &json!({"name": "Riverside Hub", "address": "1 River Street, Leeds LS1 1AA", "opening_hours": "Monday to Friday, 10am to 4pm", "phone": "0113 496 0000"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    hub["id"].as_i64().unwrap()
}

/// Lends a new laptop to a new borrower with `contact`; returns (loan id, asset tag).
pub(crate) async fn lend(app: &TestApp, hub: i64, name: &str, contact: Value, due_in: i64) -> (i64, String) {
    let mut borrower = json!({"name": name, "consent": {"data_processing": true}});
    for (key, value) in contact.as_object().unwrap() {
        borrower[key] = value.clone();
    }
    let borrower = json_of(
        app.post("/api/v1/borrowers", &borrower).await,
        StatusCode::CREATED,
    )
    .await;
    let device = json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let tag = device["asset_tag"].as_str().unwrap().to_owned();
    let loan = json_of(
        app.post(
            "/api/v1/loans",
            &json!({"asset_tag": tag, "borrower_id": borrower["id"], "due_on": date_in(due_in).to_string()}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    (loan["id"].as_i64().unwrap(), tag)
}

async fn outbox(app: &TestApp, status: &str) -> Vec<Value> {
    json_of(
        app.get(&format!("/api/v1/reminders?status={status}")).await,
        StatusCode::OK,
    )
    .await["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_right_emails_arrive_once_each_as_the_days_pass() {
    if !SmtpServer::available() {
        return;
    }
    let smtp = SmtpServer::start();
    let app = TestApp::spawn().await;
    let hub = hub(&app).await;
    let (_, soon_tag) = lend(&app, hub, "Siân Evans", json!({"email": "sian@example.org"}), 3).await;
    let (_, later_tag) = lend(&app, hub, "Ada Lovelace", json!({"email": "ada@example.org"}), 10).await;
    let (config, mailer) = (config(&app), mailer(&smtp));

    // Today: Siân's laptop is due in three days; Ada's is not due for ten.
    let (swept, delivered) = service::run_once(&app.db, &config, Some(&mailer), morning(0))
        .await
        .unwrap();
    assert_eq!(swept.reminders, 1, "{swept:?}");
    assert_eq!(
        delivered.sent, 2,
        "the reminder and the admin's weekly digest: {delivered:?}"
    );
    let sian = smtp.to("sian@example.org");
    assert_eq!(sian.len(), 1);
    let mail = &sian[0];
    assert!(
        mail.subject.contains("bring your laptop back by"),
        "{}",
        mail.subject
    );
    assert!(mail.subject.contains(&long(date_in(3))), "{}", mail.subject);
    for needle in [
        "Hello Siân Evans",
        soon_tag.as_str(),
        &long(date_in(3)),
        "in 3 days",
        "Riverside Hub",
        "1 River Street, Leeds LS1 1AA",
        "Monday to Friday, 10am to 4pm",
        "Phone: 0113 496 0000",
        "If you need it for longer, call Riverside Hub on 0113 496 0000.",
    ] {
        assert!(mail.text.contains(needle), "{needle:?} not in {}", mail.text);
        assert!(mail.html.contains(needle), "{needle:?} not in {}", mail.html);
    }
    assert!(!mail.text.contains("ada@example.org") && !mail.text.contains(&later_tag));
    let digest = smtp.to("admin@example.org");
    assert_eq!(digest.len(), 1, "one weekly digest for the admin");
    assert!(
        digest[0].subject.starts_with("Weekly digest"),
        "{}",
        digest[0].subject
    );

    // The same sweep again, and again later the same day: nothing new.
    for now in [morning(0), morning(0) + Duration::hours(6)] {
        let (swept, delivered) = service::run_once(&app.db, &config, Some(&mailer), now)
            .await
            .unwrap();
        assert_eq!((swept.reminders, swept.digests, delivered.sent), (0, 0, 0));
    }
    assert_eq!(smtp.messages().len(), 2);

    // The due date, then a day and a week after it.
    for (days, subject) in [
        (3, "Your laptop is due back today".to_owned()),
        (4, format!("Your laptop was due back on {}", long(date_in(3)))),
        (10, format!("Your laptop was due back on {}", long(date_in(3)))),
    ] {
        service::run_once(&app.db, &config, Some(&mailer), morning(days))
            .await
            .unwrap();
        service::run_once(&app.db, &config, Some(&mailer), morning(days))
            .await
            .unwrap();
        let last = smtp.to("sian@example.org").pop().unwrap();
        assert_eq!(last.subject, subject, "day {days}");
    }
    assert_eq!(
        smtp.to("sian@example.org").len(),
        4,
        "due soon, today, 1 and 7 days late"
    );
    // No sweep ran on Ada's due-soon days: on day 10 she gets the one reminder that applies then,
    // not a backlog.
    let ada = smtp.to("ada@example.org");
    assert_eq!(ada.len(), 1, "{ada:?}");
    assert_eq!(ada[0].subject, "Your laptop is due back today");
    let ids: std::collections::HashSet<_> = smtp.messages().iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(
        ids.len(),
        smtp.messages().len(),
        "every message has its own Message-ID"
    );
    let sent = outbox(&app, "sent").await;
    assert_eq!(
        sent.len(),
        smtp.messages().len(),
        "every message sent is recorded as sent"
    );
    assert!(
        sent.iter()
            .all(|r| r["message_id"].as_str().is_some_and(|id| ids.contains(id)))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_smtp_outage_delays_mail_and_loses_none() {
    if !SmtpServer::available() {
        return;
    }
    let mut smtp = SmtpServer::start();
    let app = TestApp::spawn().await;
    let hub = hub(&app).await;
    for i in 0..3 {
        lend(
            &app,
            hub,
            &format!("Borrower {i}"),
            json!({"email": format!("b{i}@example.org")}),
            2,
        )
        .await;
    }
    let config = config(&app);
    smtp.stop();
    let (swept, delivered) = service::run_once(&app.db, &config, Some(&mailer(&smtp)), morning(0))
        .await
        .unwrap();
    assert_eq!(swept.reminders, 3);
    assert_eq!((delivered.sent, delivered.retrying, delivered.failed), (0, 4, 0));
    let queued = outbox(&app, "queued").await;
    assert_eq!(queued.len(), 4);
    assert!(
        queued
            .iter()
            .all(|r| r["attempts"] == 1 && r["last_error"].as_str().is_some())
    );

    // Before the backoff is over nothing is tried; after it, everything goes, once.
    smtp.restart();
    let (_, early) = service::run_once(
        &app.db,
        &config,
        Some(&mailer(&smtp)),
        morning(0) + Duration::seconds(30),
    )
    .await
    .unwrap();
    assert_eq!(early.sent, 0);
    let (_, delivered) = service::run_once(
        &app.db,
        &config,
        Some(&mailer(&smtp)),
        morning(0) + Duration::minutes(2),
    )
    .await
    .unwrap();
    assert_eq!(delivered.sent, 4);
    service::run_once(
        &app.db,
        &config,
        Some(&mailer(&smtp)),
        morning(0) + Duration::minutes(5),
    )
    .await
    .unwrap();
    for i in 0..3 {
        assert_eq!(smtp.to(&format!("b{i}@example.org")).len(), 1, "b{i}");
    }
    assert!(outbox(&app, "queued").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_address_is_marked_failed_for_staff_to_see_and_retry() {
    if !SmtpServer::available() {
        return;
    }
    let smtp = SmtpServer::start();
    let app = TestApp::spawn().await;
    let hub = hub(&app).await;
    lend(
        &app,
        hub,
        "Nobody Here",
        json!({"email": "rejected.person@example.org", "phone": "07700 900777"}),
        1,
    )
    .await;
    let config = config(&app);
    let (_, delivered) = service::run_once(&app.db, &config, Some(&mailer(&smtp)), morning(0))
        .await
        .unwrap();
    assert_eq!(delivered.failed, 1);
    let failed = outbox(&app, "failed").await;
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]["last_error"].as_str().unwrap().contains("550"),
        "{}",
        failed[0]
    );
    let id = failed[0]["id"].as_i64().unwrap();
    // They still need reminding: they have a phone, so they go on the call list, saying why.
    let calls = json_of(app.get("/api/v1/reminders/call-list").await, StatusCode::OK).await;
    assert_eq!(calls["items"].as_array().unwrap().len(), 1, "{calls}");
    assert_eq!(calls["items"][0]["phone"], "07700 900777");
    assert_eq!(
        calls["items"][0]["reason"],
        "Due back tomorrow (their email was refused)"
    );

    let page = app.page_text("/reminders/outbox?status=failed").await;
    assert!(
        page.contains("rejected.person@example.org") && page.contains("Try again"),
        "{page}"
    );

    let retried = json_of(
        app.post(&format!("/api/v1/reminders/{id}/retry"), &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(retried["status"], "queued");
    let (code, _) = error_of(
        app.post(&format!("/api/v1/reminders/{id}/retry"), &json!({}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "not_failed");
    // The retry queued it for now.
    let (_, delivered) = service::run_once(&app.db, &config, Some(&mailer(&smtp)), Utc::now())
        .await
        .unwrap();
    assert_eq!(delivered.failed, 1, "refused again");
    let calls = json_of(app.get("/api/v1/reminders/call-list").await, StatusCode::OK).await;
    assert_eq!(
        calls["items"].as_array().unwrap().len(),
        1,
        "still one call, not two"
    );
    assert!(smtp.to("rejected.person@example.org").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn extending_or_returning_a_loan_cancels_what_was_waiting() {
    let app = TestApp::spawn().await;
    let hub = hub(&app).await;
    let (extended, _) = lend(&app, hub, "Siân Evans", json!({"email": "sian@example.org"}), 2).await;
    let (returned, _) = lend(&app, hub, "Ada Lovelace", json!({"phone": "07700 900123"}), 1).await;
    let config = config(&app);
    // No SMTP server configured: emails stay queued.
    let (swept, delivered) = service::run_once(&app.db, &config, None, morning(0))
        .await
        .unwrap();
    assert_eq!(swept.reminders, 2);
    assert_eq!(delivered, service::DeliverySummary::default());
    assert_eq!(
        outbox(&app, "queued").await.len(),
        3,
        "two reminders and the digest"
    );

    json_of(
        app.post(
            &format!("/api/v1/loans/{extended}/extend"),
            &json!({"due_on": date_in(20).to_string()}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    app.return_loan(returned).await;
    let cancelled = outbox(&app, "cancelled").await;
    let loans: Vec<i64> = cancelled.iter().map(|r| r["loan_id"].as_i64().unwrap()).collect();
    assert_eq!(loans.len(), 2, "{cancelled:?}");
    assert!(loans.contains(&extended) && loans.contains(&returned));
    let calls = json_of(app.get("/api/v1/reminders/call-list").await, StatusCode::OK).await;
    assert_eq!(calls["items"], json!([]), "the returned loan left the call list");

    // The extended loan is reminded again for its new date, not its old one.
    let (swept, _) = service::run_once(&app.db, &config, None, morning(17))
        .await
        .unwrap();
    assert_eq!(swept.reminders, 1);
    let queued = outbox(&app, "queued").await;
    assert!(
        queued
            .iter()
            .any(|r| r["loan_id"] == extended && r["subject"].as_str().unwrap().contains(&long(date_in(20))))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_call_list_holds_exactly_the_borrowers_without_email_who_need_a_reminder() {
    let app = TestApp::spawn().await;
    let hub = hub(&app).await;
    let (phone_soon, _) = lend(&app, hub, "Phone Soon", json!({"phone": "07700 900001"}), 2).await;
    lend(&app, hub, "Phone Later", json!({"phone": "07700 900002"}), 20).await;
    let (prefers_phone, _) = lend(
        &app,
        hub,
        "Prefers Phone",
        json!({"phone": "07700 900003", "email": "pp@example.org", "prefers_phone": true}),
        1,
    )
    .await;
    lend(&app, hub, "Email Only", json!({"email": "eo@example.org"}), 1).await;
    lend(
        &app,
        hub,
        "Post Only",
        json!({"address": "2 Canal Street, Leeds", "postcode": "LS2 2BB"}),
        1,
    )
    .await;
    service::run_once(&app.db, &config(&app), None, morning(0))
        .await
        .unwrap();
    service::run_once(&app.db, &config(&app), None, morning(0))
        .await
        .unwrap();

    let calls = json_of(app.get("/api/v1/reminders/call-list").await, StatusCode::OK).await["items"]
        .as_array()
        .unwrap()
        .clone();
    let loans: Vec<i64> = calls.iter().map(|c| c["loan_id"].as_i64().unwrap()).collect();
    assert_eq!(loans, [prefers_phone, phone_soon], "soonest due first: {calls:?}");
    assert_eq!(calls[0]["borrower"], "Prefers Phone");
    assert_eq!(calls[0]["phone"], "07700 900003");
    assert_eq!(calls[0]["reason"], "Due back tomorrow");
    assert_eq!(calls[0]["due_on"], date_in(1).to_string());
    assert_eq!(calls[1]["reason"], "Due back in 2 days");
    let at_hub = json_of(
        app.get(&format!("/api/v1/reminders/call-list?hub_id={hub}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(at_hub["items"].as_array().unwrap().len(), 2);
    let elsewhere = json_of(
        app.get(&format!("/api/v1/reminders/call-list?hub_id={}", hub + 1000))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(elsewhere["items"], json!([]));

    let id = calls[0]["id"].as_i64().unwrap();
    let outcome = format!("/api/v1/reminders/{id}/outcome");
    let (code, field) = error_of(
        app.post(&outcome, &json!({"outcome": "maybe"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!((code.as_str(), field.as_deref()), ("invalid", Some("outcome")));
    json_of(
        app.post(
            &outcome,
            &json!({"outcome": "left_message", "notes": "Said she will come on Friday"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let (code, _) = error_of(
        app.post(&outcome, &json!({"outcome": "spoke_to_them"})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "call_not_waiting");
    assert_eq!(
        app.post(
            "/api/v1/reminders/99999/outcome",
            &json!({"outcome": "no_answer"})
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    let calls = json_of(app.get("/api/v1/reminders/call-list").await, StatusCode::OK).await;
    let left: Vec<i64> = calls["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["loan_id"].as_i64().unwrap())
        .collect();
    assert_eq!(left, [phone_soon]);
    let events = app
        .db
        .read
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.backend(),
            format!("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'reminder_call' AND entity_id = {prefers_phone}"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(events, 1);

    // The borrower reached only by post gets a letter instead.
    let letters = app
        .client
        .get(app.url("/reminders/letters.pdf"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(letters.status(), StatusCode::OK);
    let bytes = letters.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    if crate::helpers::tools_present(&["pdftotext"]) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("letters.pdf");
        std::fs::write(&path, &bytes).unwrap();
        let text = crate::helpers::run(Command::new("pdftotext").arg(&path).arg("-"));
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in [
            "Post Only",
            "2 Canal Street, Leeds",
            "LS2 2BB",
            "is due back on",
            "That is tomorrow",
            "Riverside Hub",
            // The letterhead: where it is from and the number to ring.
            "Phone 0113 496 0000",
        ] {
            assert!(text.contains(needle), "{needle:?} not in {text}");
        }
    }
}

/// Two instances sweeping and delivering at once (separate connection pools) send each email once.
#[tokio::test(flavor = "multi_thread")]
async fn two_sweeps_and_workers_at_once_send_nothing_twice() {
    if !SmtpServer::available() {
        return;
    }
    let smtp = Arc::new(SmtpServer::start());
    let app = TestApp::spawn().await;
    let hub = hub(&app).await;
    for i in 0..30 {
        lend(
            &app,
            hub,
            &format!("Borrower {i}"),
            json!({"email": format!("b{i}@example.org")}),
            2,
        )
        .await;
    }
    let config = Arc::new(config(&app));
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let (config, smtp) = (config.clone(), smtp.clone());
            tokio::spawn(async move {
                let db = lendhub::db::connect(&config.database_url).await.unwrap();
                let mailer = mailer(&smtp);
                for minute in 0..3 {
                    service::run_once(
                        &db,
                        &config,
                        Some(&mailer),
                        morning(0) + Duration::minutes(minute),
                    )
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    for i in 0..30 {
        assert_eq!(smtp.to(&format!("b{i}@example.org")).len(), 1, "b{i}");
    }
    assert_eq!(smtp.to("admin@example.org").len(), 1, "one digest");
}

#[test]
fn the_command_refuses_a_time_that_is_not_rfc_3339_and_serve_an_smtp_url_it_cannot_read() {
    let bin = env!("CARGO_BIN_EXE_lendhub");
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("cli.db").display());
    let output = Command::new(bin)
        .args(["reminders", "run", "--now", "next tuesday"])
        .env("LENDHUB_DATABASE_URL", &database)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--now") && stderr.contains("RFC 3339"),
        "{stderr}"
    );

    let output = Command::new(bin)
        .args(["reminders", "run", "--now", "2027-03-10T09:00:00Z"])
        .env("LENDHUB_DATABASE_URL", &database)
        .env_remove("LENDHUB_SMTP_URL")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("looked at 0 loans"), "{stdout}");

    let output = Command::new(bin)
        .arg("serve")
        .env("LENDHUB_DATABASE_URL", &database)
        .env("LENDHUB_BIND", "127.0.0.1:0")
        .env("LENDHUB_SMTP_URL", "mail.example.org:25")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("LENDHUB_SMTP_URL"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_work_through_calls_letters_and_the_outbox_on_the_pages() {
    let app = TestApp::spawn().await;
    let hub = hub(&app).await;
    lend(&app, hub, "Phone Only", json!({"phone": "07700 900001"}), 1).await;
    lend(
        &app,
        hub,
        "Post Only",
        json!({"address": "2 Canal Street, Leeds"}),
        1,
    )
    .await;
    service::run_once(&app.db, &config(&app), None, morning(0))
        .await
        .unwrap();
    let get = |path: &str| {
        let request = app.client.get(app.url(path)).bearer_auth(&app.token);
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let post = |path: &str, form: Vec<(&'static str, String)>| {
        let request = app.client.post(app.url(path)).bearer_auth(&app.token).form(&form);
        async move { request.send().await.unwrap() }
    };

    let (status, calls) = get("/reminders/calls").await;
    assert_eq!(status, StatusCode::OK);
    for needle in [
        "Calls to make",
        "Phone Only",
        "07700 900001",
        "Due back tomorrow",
        "How did the call to Phone Only go?",
    ] {
        assert!(calls.contains(needle), "{needle:?} not in {calls}");
    }
    assert!(!calls.contains("Post Only"), "letters are not calls");
    let id = json_of(app.get("/api/v1/reminders/call-list").await, StatusCode::OK).await["items"][0]["id"]
        .as_i64()
        .unwrap();
    let refused = post(
        &format!("/reminders/{id}/outcome"),
        vec![("borrower", "Phone Only".into())],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("There is a problem") && page.contains("choose what happened on the call"),
        "{page}"
    );
    let saved = post(
        &format!("/reminders/{id}/outcome"),
        vec![
            ("borrower", "Phone Only".into()),
            ("outcome", "spoke_to_them".into()),
            ("hub_id", hub.to_string()),
        ],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let location = saved.headers()["location"].to_str().unwrap().to_owned();
    assert!(!location.contains("Phone"), "no names in addresses: {location}");
    let flash = saved.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let after = app
        .client
        .get(app.url(&location))
        .bearer_auth(&app.token)
        .header("cookie", flash)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(after.contains("Saved the call to Phone Only"), "{after}");
    assert!(after.contains("There are no calls to make"), "{after}");

    let (_, letters) = get("/reminders/letters").await;
    assert!(
        letters.contains("Post Only") && letters.contains("Download the letters (PDF)"),
        "{letters}"
    );
    let ids = json_of(app.get("/api/v1/reminders?status=queued").await, StatusCode::OK).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["channel"] == "letter")
        .map(|r| ("ids", r["id"].to_string()))
        .collect::<Vec<_>>();
    assert_eq!(ids.len(), 1);
    // Only once they are downloaded to print are they offered as posted, and it asks first.
    assert!(!letters.contains("as posted</button>"), "{letters}");
    let pdf = app.get("/reminders/letters.pdf").await;
    assert_eq!(pdf.status(), StatusCode::OK);
    let (_, letters) = get("/reminders/letters").await;
    assert!(letters.contains("Mark the printed letter as posted"), "{letters}");
    let asked = post("/reminders/letters/posted", ids.clone()).await;
    assert_eq!(asked.status(), StatusCode::OK);
    let mut ids = ids;
    ids.push(("confirmed", "yes".to_owned()));
    let posted = post("/reminders/letters/posted", ids).await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    assert!(
        posted.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("1%20letter%20marked%20as%20posted")
            || posted.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .contains("1+letter+marked+as+posted"),
        "the next page says what was done"
    );
    let (_, letters) = get("/reminders/letters").await;
    assert!(letters.contains("There are no letters to post"), "{letters}");

    let (status, outbox) = get("/reminders/outbox").await;
    assert_eq!(status, StatusCode::OK);
    for needle in ["Outbox", "Spoke to them", "Letter", "Weekly digest"] {
        assert!(outbox.contains(needle), "{needle:?} not in {outbox}");
    }
    // Letter and call rows say whom they were for.
    for name in ["Phone Only", "Post Only"] {
        assert!(
            outbox.contains(&format!("\">{name}</a>")),
            "{name:?} not named in {outbox}"
        );
    }
    let rows = json_of(app.get("/api/v1/reminders").await, StatusCode::OK).await;
    let call = rows["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["channel"] == "call")
        .expect("the call made")
        .clone();
    assert_eq!(call["borrower_name"], "Phone Only");
    let hub_staff = app
        .staff_token("staff@example.org", lendhub::auth::Role::HubStaff)
        .await;
    let forbidden = app
        .client
        .get(app.url("/reminders/outbox"))
        .bearer_auth(&hub_staff)
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
}

/// `serve` sweeps and delivers in the background from the moment it starts.
#[tokio::test(flavor = "multi_thread")]
async fn serve_sends_reminders_in_the_background() {
    if !SmtpServer::available() {
        return;
    }
    let smtp = SmtpServer::start();
    let app = TestApp::spawn().await;
    let hub = hub(&app).await;
    lend(&app, hub, "Siân Evans", json!({"email": "sian@example.org"}), 1).await;
    let mut serve = Command::new(env!("CARGO_BIN_EXE_lendhub"))
        .arg("serve")
        .env("LENDHUB_DATABASE_URL", &app.database_url)
        .env("LENDHUB_BIND", "127.0.0.1:0")
        .env("LENDHUB_SMTP_URL", smtp.url())
        .env("LENDHUB_MAIL_FROM", "Test Homes <loans@example.org>")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut arrived = Vec::new();
    for _ in 0..100 {
        arrived = smtp.to("sian@example.org");
        if !arrived.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = serve.kill();
    let _ = serve.wait();
    assert_eq!(arrived.len(), 1, "the reminder arrived while serve ran");
    assert!(
        arrived[0].subject.contains("bring your laptop back"),
        "{}",
        arrived[0].subject
    );
}

/// The weekly digest goes to coordinators (not admins, when there are coordinators), once a
/// week, with the overdue loans, SIM plans ending soon and devices waiting for their checks.
#[tokio::test(flavor = "multi_thread")]
async fn coordinators_get_one_weekly_digest_of_what_needs_attention() {
    if !SmtpServer::available() {
        return;
    }
    let smtp = SmtpServer::start();
    let app = TestApp::spawn().await;
    app.staff_token("coord@example.org", lendhub::auth::Role::Coordinator)
        .await;
    let hub = hub(&app).await;
    let (_, overdue_tag) = lend(&app, hub, "Ada Lovelace", json!({"email": "ada@example.org"}), 1).await;
    let (returned, returned_tag) = lend(&app, hub, "Bea Smith", json!({"phone": "07700 900001"}), 1).await;
    app.return_loan(returned).await;
    let mifi = json_of(
        app.add_device(
            hub,
            json!({"kind": "mifi", "make": "Huawei", "model": "E5576", "sim": {"iccid": "89441000000000000001", "network": "Three", "allowance_gb": 20, "plan_ends_on": date_in(10).to_string()}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let mifi_tag = mifi["asset_tag"].as_str().unwrap().to_owned();

    let config = config(&app);
    let (swept, _) = service::run_once(&app.db, &config, Some(&mailer(&smtp)), morning(8))
        .await
        .unwrap();
    assert_eq!(swept.digests, 1, "one coordinator");
    service::run_once(
        &app.db,
        &config,
        Some(&mailer(&smtp)),
        morning(8) + Duration::hours(3),
    )
    .await
    .unwrap();
    assert!(
        smtp.to("admin@example.org").is_empty(),
        "the coordinator gets it, not the admin"
    );
    let digests = smtp.to("coord@example.org");
    assert_eq!(digests.len(), 1, "once a week");
    let digest = &digests[0];
    assert_eq!(
        digest.subject,
        "Weekly digest: 1 overdue, 1 SIM plans ending, 1 waiting for checks"
    );
    for needle in [
        "Overdue loans: 1",
        &format!(
            "{overdue_tag} at Riverside Hub: due back {}, 7 days ago",
            long(date_in(1))
        ),
        "SIM plans ending in the next 14 days: 1",
        &format!(
            "{mifi_tag} at Riverside Hub: Three plan ends {}",
            long(date_in(10))
        ),
        "Devices waiting more than 7 days for their checks: 1",
        &format!("{returned_tag} at Riverside Hub: waiting since"),
    ] {
        assert!(digest.text.contains(needle), "{needle:?} not in {}", digest.text);
    }
    assert!(
        !digest.text.contains("Ada Lovelace"),
        "no borrower names in the digest"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mail_server_that_never_answers_delays_mail_and_loses_none() {
    if !SmtpServer::available() {
        return;
    }
    let app = TestApp::spawn().await;
    let hub = hub(&app).await;
    lend(&app, hub, "Siân Evans", json!({"email": "sian@example.org"}), 0).await;
    // Stands in for a mail server that accepts the connection and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("smtp://{}", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let stalled = Mailer::new(
        &silent_url,
        "Test Homes <loans@example.org>",
        std::time::Duration::from_secs(2),
    )
    .unwrap();
    let config = config(&app);
    let (swept, delivered) = service::run_once(&app.db, &config, Some(&stalled), morning(0))
        .await
        .unwrap();
    assert_eq!(swept.reminders, 1);
    assert_eq!((delivered.sent, delivered.failed), (0, 0), "{delivered:?}");
    assert!(delivered.retrying >= 1, "{delivered:?}");
    assert!(
        outbox(&app, "sending").await.is_empty(),
        "nothing is left claimed"
    );
    let queued = outbox(&app, "queued").await;
    assert!(
        queued.iter().all(|r| r["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("did not answer"))),
        "{queued:?}"
    );

    // A real server comes back: every reminder arrives, once.
    let smtp = SmtpServer::start();
    for hours in [3, 4] {
        service::run_once(
            &app.db,
            &config,
            Some(&mailer(&smtp)),
            morning(0) + Duration::hours(hours),
        )
        .await
        .unwrap();
    }
    assert_eq!(smtp.to("sian@example.org").len(), 1);
    assert!(outbox(&app, "queued").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_worker_holding_a_claim_can_send_or_finish_it() {
    use lendhub::reminders::repo::{self, Delivery};
    let app = TestApp::spawn().await;
    let hub = hub(&app).await;
    lend(&app, hub, "Siân Evans", json!({"email": "sian@example.org"}), 0).await;
    service::sweep(&app.db, &config(&app).reminders, &app.base, morning(0))
        .await
        .unwrap();
    let claim = |id: &'static str, at: DateTime<Utc>| {
        let db = app.db.clone();
        async move {
            let tx = lendhub::db::begin_write(&db).await.unwrap();
            let rows = repo::claim(&tx, id, at, 20).await.unwrap();
            tx.commit().await.unwrap();
            rows
        }
    };
    let first = claim("first", morning(0)).await;
    assert!(!first.is_empty());
    assert!(
        claim("second", morning(0) + Duration::minutes(1))
            .await
            .is_empty(),
        "a held lease is not handed out"
    );
    // The first worker stalls past its lease; a second takes the rows over.
    let later = morning(0) + Duration::minutes(6);
    let second = claim("second", later).await;
    assert_eq!(second.len(), first.len());
    let row = &first[0];
    assert!(
        !repo::renew(&app.db.write, row, later).await.unwrap(),
        "the first may not send it now"
    );
    let sent = |id: &str| Delivery::Sent {
        message_id: format!("<{id}@example.org>"),
    };
    assert!(
        !repo::finish(&app.db.write, row, sent("first"), later)
            .await
            .unwrap()
    );
    assert!(repo::renew(&app.db.write, &second[0], later).await.unwrap());
    assert!(
        repo::finish(&app.db.write, &second[0], sent("second"), later)
            .await
            .unwrap()
    );
    let sent_rows = outbox(&app, "sent").await;
    let finished = sent_rows
        .iter()
        .find(|r| r["id"] == row.id)
        .expect("the row is sent");
    assert_eq!(finished["attempts"], 1, "recorded once: {finished}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_call_list_pages_by_key_and_outcomes_stay_on_the_loan_and_borrower() {
    let app = TestApp::spawn().await;
    let demo = lendhub::demo::fill(&app.db, 1200).await.unwrap();
    lendhub::demo::lend(&app.db, demo.organisation_id, 1000)
        .await
        .unwrap();
    // Everyone reachable by phone only (and agreeing to calls), their loans overdue by one to ten
    // days.
    let today = lendhub::dates::today(Utc::now());
    for sql in [
        "UPDATE borrowers SET email = NULL, phone = '07700 900123', consent_phone_reminders = TRUE"
            .to_owned(),
        format!("UPDATE loans SET due_on = '{}'", today - Duration::days(1)),
    ] {
        app.db.write.execute_unprepared(&sql).await.unwrap();
    }
    for days in 2..=10 {
        let sql = format!(
            "UPDATE loans SET due_on = '{}' WHERE id % 10 = {}",
            today - Duration::days(days),
            days - 1
        );
        app.db.write.execute_unprepared(&sql).await.unwrap();
    }
    let swept = service::sweep(&app.db, &config(&app).reminders, &app.base, Utc::now())
        .await
        .unwrap();
    assert_eq!(swept.reminders, 1000);

    let mut seen = std::collections::HashSet::new();
    let mut previous: Option<(String, i64)> = None;
    let mut path = "/api/v1/reminders/call-list?limit=37".to_owned();
    for _ in 0..100 {
        let page = json_of(app.get(&path).await, StatusCode::OK).await;
        for call in page["items"].as_array().unwrap() {
            let key = (
                call["due_on"].as_str().unwrap().to_owned(),
                call["id"].as_i64().unwrap(),
            );
            assert!(seen.insert(key.1), "call {} twice", key.1);
            assert!(
                previous.as_ref().is_none_or(|p| *p < key),
                "out of order at {key:?}"
            );
            assert!(
                call["device"].as_str().unwrap().starts_with(['L', 'T', 'M']),
                "{call}"
            );
            previous = Some(key);
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/reminders/call-list?limit=37&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 1000, "every call, once");
    let (_, field) = error_of(
        app.get("/api/v1/reminders/call-list?cursor=nonsense").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("cursor"));

    // A call's outcome and note stay on the loan's and the borrower's pages.
    let first = &json_of(
        app.get("/api/v1/reminders/call-list?limit=1").await,
        StatusCode::OK,
    )
    .await["items"][0];
    let outcome = json!({"outcome": "spoke_to_them", "notes": "Bringing it back on Friday"});
    json_of(
        app.post(&format!("/api/v1/reminders/{}/outcome", first["id"]), &outcome)
            .await,
        StatusCode::OK,
    )
    .await;
    for page in [
        format!("/loans/{}", first["loan_id"]),
        format!("/borrowers/{}", first["borrower_id"]),
    ] {
        let html = app.page_text(&page).await;
        assert!(
            html.contains("Calls made") && html.contains("Bringing it back on Friday"),
            "{page}"
        );
    }
    let calls_page = app.page_text("/reminders/calls").await;
    assert!(calls_page.contains("Next page of calls"));
}
