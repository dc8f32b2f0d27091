//! The journey around a loan: a partner's link refers people; staff accept two and decline one
//! (the referrer is emailed why, through a real SMTP server); the waiting list orders them by
//! priority, then time; a device returned and checked is offered to the first and held for
//! them; the counter refuses it to anyone else; the hold runs out and the next is offered it,
//! and borrows it; at the end of the loan it becomes a gift, with its letter; four weeks on she
//! is asked how it went, answers through the emailed link, and the funder report counts it.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{SmtpServer, TestApp, error_of, in_days, json_of};
use crate::referrals::{ALL_YES, SOME_YES, referral};
use crate::reminders::{config, hub, mailer};

#[tokio::test(flavor = "multi_thread")]
async fn referred_people_wait_in_a_fair_order_and_a_held_device_goes_to_them_alone() {
    if !SmtpServer::available() {
        return;
    }
    let smtp = SmtpServer::start();
    let app = TestApp::spawn().await;
    let hub = hub(&app).await;
    let (config, mailer) = (config(&app), mailer(&smtp));

    // A coordinator makes a link for the job centre; the key is shown once.
    let link = json_of(
        app.post(
            "/api/v1/referral-links",
            &json!({"organisation": "Jobcentre Plus", "name": "Sam Coach"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let key = link["key"].as_str().unwrap().to_owned();
    assert!(link["url"].as_str().unwrap().ends_with(&format!("/r/{key}")));
    let listed = json_of(app.get("/api/v1/referral-links").await, StatusCode::OK).await;
    assert!(
        listed["items"][0]["key"].is_null(),
        "the key is never shown again"
    );

    // Three referrals through the link, with no account; a wrong key is not there at all.
    let refer = |body: Value, key: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url(&format!("/api/v1/referrals?key={key}")))
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let with_hub = |mut body: Value| {
        body["hub_id"] = json!(hub);
        body
    };
    let first = refer(
        with_hub(referral(
            "Ada Waiting",
            "01632 960001",
            Some("ada@example.org"),
            SOME_YES,
        )),
        key.clone(),
    )
    .await;
    let first = json_of(first, StatusCode::CREATED).await;
    let second = json_of(
        refer(
            with_hub(referral(
                "Bea Urgent",
                "01632 960002",
                Some("bea@example.org"),
                ALL_YES,
            )),
            key.clone(),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let third = json_of(
        refer(
            with_hub(referral("Cal Declined", "01632 960003", None, ALL_YES)),
            key.clone(),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // The referrer is told it arrived, and nothing more.
    assert_eq!(second.as_object().unwrap().len(), 2, "{second}");
    assert_eq!(second["status"], "new");
    let read = |id: &Value| {
        let path = format!("/api/v1/referrals/{id}");
        let app = &app;
        async move { json_of(app.get(&path).await, StatusCode::OK).await }
    };
    let second_read = read(&second["id"]).await;
    assert_eq!(second_read["priority"], 7);
    assert_eq!(second_read["eligible"], true);
    assert_eq!(read(&first["id"]).await["priority"], 2);
    let wrong = refer(
        with_hub(referral("X", "01632 960009", None, ALL_YES)),
        "nope".into(),
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    let (code, field) = error_of(
        refer(
            json!({"name": "No needs", "phone": "01632 960008", "consent": {"loan": true}}),
            key.clone(),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!((code.as_str(), field.as_deref()), ("invalid", Some("needs")));
    let new = json_of(app.get("/api/v1/referrals?status=new").await, StatusCode::OK).await;
    assert_eq!(new["total"], 3);

    // Staff accept two (one of them already a borrower, matched by phone) and decline one.
    let existing = json_of(
        app.post(
            "/api/v1/borrowers",
            &json!({"name": "Ada Waiting", "phone": "01632 960001", "consent": {"loan": true}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let ada = json_of(
        app.post(&format!("/api/v1/referrals/{}/accept", first["id"]), &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ada["borrower_id"].as_i64(), Some(existing));
    assert_eq!(ada["matched"], true);
    // Bea joins later than Ada but with a higher priority.
    let bea = json_of(
        app.post(&format!("/api/v1/referrals/{}/accept", second["id"]), &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(bea["matched"], false);
    let declined = json_of(
        app.post(
            &format!("/api/v1/referrals/{}/decline", third["id"]),
            &json!({"reason": "We only lend in Riverside; Cal lives outside the area. The library in Northgate lends tablets."}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(declined["status"], "declined");
    let again = app
        .post(&format!("/api/v1/referrals/{}/accept", third["id"]), &json!({}))
        .await;
    assert_eq!(error_of(again, StatusCode::CONFLICT).await.0, "already_decided");
    lendhub::reminders::service::deliver(&app.db, Some(&mailer), Utc::now())
        .await
        .unwrap();
    let told = smtp.to("sam.coach@jobcentre.example");
    assert_eq!(told.len(), 1, "the referrer is emailed once");
    assert!(told[0].text.contains("Cal Declined"), "{}", told[0].text);
    assert!(
        told[0].text.contains("The library in Northgate lends tablets."),
        "{}",
        told[0].text
    );

    // The list: Bea first (priority 7), then Ada (priority 2), with their places.
    let list = json_of(
        app.get(&format!("/api/v1/waiting-list?kind=tablet&hub_id={hub}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["borrower"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bea Urgent", "Ada Waiting"]);
    assert_eq!(list["items"][1]["position"], 2);
    assert_eq!(list["total"], 2);

    // A tablet comes back and is checked: it is held for Bea, who is told by email.
    let tablet = json_of(
        app.add_device(
            hub,
            json!({"kind": "tablet", "make": "Samsung", "model": "Galaxy Tab A9"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["asset_tag"]
        .as_str()
        .unwrap()
        .to_owned();
    let lender = app.borrower("Dee Lender").await;
    let loan = app.issue(&tablet, lender).await;
    app.return_loan(loan).await;
    json_of(
        app.post(
            &format!("/api/v1/devices/{tablet}/checks"),
            &json!({"wiped": true, "wipe_method": "factory_reset", "complete": true, "condition": "good"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let bea_entry = json_of(
        app.get(&format!("/api/v1/waiting-list/{}", bea["waiting_id"]))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(bea_entry["held_device"].as_str(), Some(tablet.as_str()));
    lendhub::reminders::service::deliver(&app.db, Some(&mailer), Utc::now())
        .await
        .unwrap();
    let offered = smtp.to("bea@example.org");
    assert_eq!(offered.len(), 1);
    assert!(
        offered[0].subject.contains("tablet is ready for you"),
        "{}",
        offered[0].subject
    );

    // The counter refuses it to Ada, naming until when; not to Bea.
    let ada_id = ada["borrower_id"].as_i64().unwrap();
    let refused = app
        .post(
            "/api/v1/loans",
            &json!({"asset_tag": tablet, "borrower_id": ada_id, "due_on": in_days(28)}),
        )
        .await;
    let (code, _) = error_of(refused, StatusCode::CONFLICT).await;
    assert_eq!(code, "held");

    // Bea does not come: the hold runs out, and the tablet is held for Ada instead.
    let later = Utc::now() + Duration::days(6);
    let run = lendhub::waiting::service::run_holds(&app.db, config.hold_days, later)
        .await
        .unwrap();
    assert_eq!(
        (run.lapsed, run.offered),
        (1, 0),
        "the lapsed hold went straight to the next"
    );
    let ada_entry = json_of(
        app.get(&format!("/api/v1/waiting-list/{}", ada["waiting_id"]))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ada_entry["held_device"].as_str(), Some(tablet.as_str()));
    assert_eq!(ada_entry["position"], 1);
    let bea_after = json_of(
        app.get(&format!("/api/v1/waiting-list/{}", bea["waiting_id"]))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(bea_after["status"], "cancelled");

    // Ada borrows it, and leaves the list.
    let ada_loan = app.issue(&tablet, ada_id).await;
    let list = json_of(
        app.get(&format!("/api/v1/waiting-list?kind=tablet&hub_id={hub}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["total"], 0);

    // At the end of the loan the scheme gives it to her to keep, and prints the gift letter.
    let gift = json_of(
        app.post(
            &format!("/api/v1/loans/{ada_loan}/gift"),
            &json!({"reason": "Finished the course; still job hunting"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(gift["asset_tag"].as_str(), Some(tablet.as_str()));
    assert_eq!(gift["loan_id"].as_i64(), Some(ada_loan));
    assert_eq!(app.status_of(&tablet).await, "gifted");
    let loan = json_of(
        app.get(&format!("/api/v1/loans/{ada_loan}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(loan["status"], "gifted");
    let letter = app.get(gift["letter_url"].as_str().unwrap()).await;
    assert_eq!(letter.status(), StatusCode::OK);
    assert_eq!(letter.headers()["content-type"], "application/pdf");
    assert_eq!(letter.headers()["cache-control"], "private, no-store");
    let letter = letter.bytes().await.unwrap();
    if let Some(text) = pdf_text(&letter) {
        assert!(text.contains("This tablet is now yours"), "{text}");
        assert!(text.contains("Ada Waiting"), "{text}");
    }
    // Nobody can lend or give it again: it is theirs.
    let again = app
        .post(
            "/api/v1/loans",
            &json!({"asset_tag": tablet, "borrower_id": lender, "due_on": in_days(28)}),
        )
        .await;
    assert_eq!(
        error_of(again, StatusCode::CONFLICT).await.0,
        "device_not_available"
    );

    // Four weeks on she is asked how it went, by email, as she agreed; Dee, who did not agree,
    // is counted and not asked.
    json_of(
        app.patch(
            &format!("/api/v1/borrowers/{ada_id}"),
            &json!({"email": "ada@example.org"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    json_of(
        app.put(
            &format!("/api/v1/borrowers/{ada_id}/consents"),
            &json!({"follow_up": true}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let four_weeks = Utc::now() + Duration::days(29);
    let asked = lendhub::follow_ups::service::ask_due(
        &app.db,
        &config.follow_up_days,
        &config.public_url,
        four_weeks,
    )
    .await
    .unwrap();
    assert_eq!(
        (asked.emailed, asked.to_call, asked.not_asked),
        (1, 0, 1),
        "{asked:?}"
    );
    let again = lendhub::follow_ups::service::ask_due(
        &app.db,
        &config.follow_up_days,
        &config.public_url,
        four_weeks,
    )
    .await
    .unwrap();
    assert_eq!(
        again,
        lendhub::follow_ups::service::Asked::default(),
        "each is asked once"
    );
    lendhub::reminders::service::deliver(&app.db, Some(&mailer), four_weeks)
        .await
        .unwrap();
    let asking = smtp.to("ada@example.org");
    let asking = asking.last().expect("the follow-up email");
    assert!(
        asking.subject.contains("How has your tablet helped you?"),
        "{}",
        asking.subject
    );
    let url = asking
        .text
        .split_whitespace()
        .find(|w| w.contains("/f/"))
        .expect("a link to the questionnaire")
        .to_owned();
    let path = &url[url.find("/f/").unwrap()..];

    // She answers through the link, with no account; the page names nobody.
    let page = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Are you still using the tablet?"), "{html}");
    assert!(!html.contains("Ada"), "the questionnaire names nobody");
    let answered = app
        .client
        .post(app.url(path))
        .form(&[
            ("still_using", "yes"),
            ("how_often", "most_days"),
            ("helped_with", "finding_work"),
            ("helped_with", "health"),
            ("confidence", "4"),
            ("confidence_before", "2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), StatusCode::OK);
    assert!(answered.text().await.unwrap().contains("has your answers"));
    // Answered once: the link now only says thank you.
    let twice = app
        .client
        .post(app.url(path))
        .form(&[("still_using", "no")])
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), StatusCode::OK);
    assert!(twice.text().await.unwrap().contains("You have told us already"));

    // The funder report's outcomes are what she said.
    let today = lendhub::dates::today(Utc::now());
    let query = format!("?from={}&to={}", today, today + Duration::days(60));
    let csv = app
        .get(&format!("/api/v1/reports/funder.csv{query}"))
        .await
        .text()
        .await
        .unwrap();
    let figure = |key: &str| {
        csv.lines()
            .find(|line| line.starts_with(&format!("{key},")))
            .and_then(|line| line.rsplit(',').next())
            .unwrap_or_else(|| panic!("no {key} in {csv}"))
            .to_owned()
    };
    assert_eq!(figure("gifts.given"), "1");
    assert_eq!(figure("gifts.after_loan"), "1");
    assert_eq!(figure("outcomes.asked"), "1");
    assert_eq!(figure("outcomes.answered"), "1");
    assert_eq!(figure("outcomes.helped.finding_work"), "1");
    assert_eq!(figure("outcomes.helped.health"), "1");
    assert_eq!(figure("outcomes.helped.shopping"), "0");
    assert_eq!(figure("outcomes.confidence_before"), "2.0");
    assert_eq!(figure("outcomes.confidence_now"), "4.0");
}

/// The PDF's text, when `pdftotext` is here (under CI it must be).
fn pdf_text(bytes: &[u8]) -> Option<String> {
    if !crate::helpers::tools_present(&["pdftotext"]) {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, bytes).unwrap();
    Some(crate::helpers::run(
        std::process::Command::new("pdftotext")
            .arg("-layout")
            .arg(&path)
            .arg("-"),
    ))
}
