//! Consent for each purpose: given and withdrawn with who, when and how; reminders go only by a
//! way the borrower agreed to (checked against a real SMTP server); no way left puts them on the
//! "cannot contact" list; and the upgrade gives existing borrowers the consents their details
//! imply.

use crate::helpers::{SmtpServer, TestApp, in_days, json_of};
use crate::reminders::{config, hub, lend, mailer, morning};
use lendhub::reminders::service;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn borrower_of(app: &TestApp, loan: i64) -> i64 {
    let loan = json_of(app.get(&format!("/api/v1/loans/{loan}")).await, StatusCode::OK).await;
    loan["borrower_id"].as_i64().unwrap()
}

async fn set(app: &TestApp, borrower: i64, body: Value) -> Value {
    json_of(
        app.put(&format!("/api/v1/borrowers/{borrower}/consents"), &body)
            .await,
        StatusCode::OK,
    )
    .await
}

async fn list(app: &TestApp, path: &str) -> Vec<i64> {
    json_of(app.get(path).await, StatusCode::OK).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["loan_id"].as_i64())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn reminders_go_only_by_a_way_the_borrower_agreed_to() {
    if !SmtpServer::available() {
        return;
    }
    let smtp = SmtpServer::start();
    let app = TestApp::spawn().await;
    let hub = hub(&app).await;
    let contact = json!({"email": "grace@example.org", "phone": "020 7946 0018"});
    let (loan, _) = lend(&app, hub, "Grace Hopper", contact, 3).await;
    let grace = borrower_of(&app, loan).await;
    let (config, mailer) = (config(&app), mailer(&smtp));

    // A new borrower agreed to the loan, and to reminders by each way they gave a detail for.
    let consents = json_of(
        app.get(&format!("/api/v1/borrowers/{grace}/consents")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        consents["current"],
        json!({"loan": true, "email_reminders": true, "phone_reminders": true, "post": false, "follow_up": false, "share_with_partners": false})
    );
    assert_eq!(consents["history"].as_array().unwrap().len(), 3, "{consents}");

    // She withdraws email by phone: the first reminder is a call, and no email reaches her.
    let after = set(&app, grace, json!({"email_reminders": false, "how": "phone"})).await;
    assert_eq!(after["current"]["email_reminders"], false);
    let newest = &after["history"][0];
    assert_eq!(
        (&newest["purpose"], &newest["given"], &newest["how"]),
        (&json!("email_reminders"), &json!(false), &json!("phone"))
    );
    assert_eq!(newest["by"], "Admin Person", "{newest}");
    let (swept, _) = service::run_once(&app.db, &config, Some(&mailer), morning(0))
        .await
        .unwrap();
    assert_eq!(swept.reminders, 1, "{swept:?}");
    assert!(
        smtp.to("grace@example.org").is_empty(),
        "no email after she withdrew it"
    );
    let calls = json_of(app.get("/api/v1/reminders/call-list").await, StatusCode::OK).await;
    assert_eq!(calls["items"][0]["loan_id"], loan, "{calls}");

    // Phone withdrawn too, and no address: nothing can reach her, and staff are told.
    set(&app, grace, json!({"phone_reminders": false})).await;
    assert_eq!(list(&app, "/api/v1/reminders/cannot-contact").await, [loan]);
    let (swept, _) = service::run_once(&app.db, &config, Some(&mailer), morning(3))
        .await
        .unwrap();
    assert_eq!((swept.reminders, swept.cannot_contact), (0, 1), "{swept:?}");
    let page = app.get("/reminders/cannot-contact").await.text().await.unwrap();
    assert!(
        page.contains("Grace Hopper") && page.contains("1 person"),
        "{page}"
    );

    // Email given back in person: the overdue reminder is an email again.
    set(&app, grace, json!({"email_reminders": true, "how": "in_person"})).await;
    assert!(list(&app, "/api/v1/reminders/cannot-contact").await.is_empty());
    let (swept, _) = service::run_once(&app.db, &config, Some(&mailer), morning(4))
        .await
        .unwrap();
    assert_eq!(swept.reminders, 1, "{swept:?}");
    let mail = smtp.to("grace@example.org");
    assert_eq!(mail.len(), 1, "one email, once she agreed again");
    assert!(mail[0].subject.contains("was due back"), "{}", mail[0].subject);

    // Every change is kept, newest first, with who made it and how.
    let history = json_of(
        app.get(&format!("/api/v1/borrowers/{grace}/consents")).await,
        StatusCode::OK,
    )
    .await["history"]
        .clone();
    let changes: Vec<(String, bool)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["purpose"].as_str().unwrap().to_owned(),
                c["given"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes[..3],
        [
            ("email_reminders".to_owned(), true),
            ("phone_reminders".to_owned(), false),
            ("email_reminders".to_owned(), false),
        ]
    );
    assert_eq!(
        changes.len(),
        6,
        "three at the start and three changes: {history}"
    );
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["by"] == "Admin Person")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_consent_form_on_a_borrower_page_keeps_each_change() {
    let app = TestApp::spawn().await;
    let borrower = json_of(
        app.post(
            "/api/v1/borrowers",
            &json!({"name": "Ada Lovelace", "address": "1 High Street", "consent": {"loan": true, "follow_up": true}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = borrower["id"].as_i64().unwrap();
    assert_eq!(
        borrower["consents"]["post"], true,
        "an address given: letters agreed"
    );
    assert_eq!(borrower["consents"]["follow_up"], true, "named, so given");
    assert_eq!(borrower["consents"]["share_with_partners"], false, "never asked");
    let page = app.get(&format!("/borrowers/{id}")).await.text().await.unwrap();
    assert!(page.contains("id=\"consent\"") && page.contains("Being asked later how it went"));
    // The form lists every purpose: what is left unticked is withdrawn.
    let form = [("loan", "true"), ("post", "true"), ("how", "paper")];
    let client = crate::web_counter::browser(&app).await;
    let response =
        crate::web_counter::submit(&client, &app, &format!("/borrowers/{id}/consents"), &form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let consents = json_of(
        app.get(&format!("/api/v1/borrowers/{id}/consents")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(consents["current"]["follow_up"], false);
    assert_eq!(consents["history"][0]["purpose"], "follow_up");
    assert_eq!(consents["history"][0]["how"], "paper");
    let page = app.get(&format!("/borrowers/{id}")).await.text().await.unwrap();
    assert!(page.contains("Withdrawn") && page.contains("On paper"), "{page}");
    // A way of telling lendhub does not record is refused, naming the field.
    let refused = app
        .put(
            &format!("/api/v1/borrowers/{id}/consents"),
            &json!({"post": false, "how": "pigeon"}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_upgrade_gives_existing_borrowers_the_consents_their_details_imply() {
    use migration::MigratorTrait;
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    let borrower = json_of(
        app.post(
            "/api/v1/borrowers",
            &json!({"name": "Mary Seacole", "email": "mary@example.org", "address": "2 Low Road", "consent": {"data_processing": true}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = borrower["id"].as_i64().unwrap();
    crate::helpers::migrate_down_to_before(&app.db.write, "m20261206_000014_consents").await;
    app.db
        .write
        .execute_unprepared("UPDATE borrowers SET consent_data_processing = TRUE")
        .await
        .unwrap();
    migration::Migrator::up(&app.db.write, None).await.unwrap();
    let consents = json_of(
        app.get(&format!("/api/v1/borrowers/{id}/consents")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        consents["current"],
        json!({"loan": true, "email_reminders": true, "phone_reminders": false, "post": true, "follow_up": false, "share_with_partners": false})
    );
    let purposes: Vec<&str> = consents["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["purpose"].as_str().unwrap())
        .collect();
    assert_eq!(purposes.len(), 3, "{consents}");
    for purpose in ["loan", "email_reminders", "post"] {
        assert!(purposes.contains(&purpose), "{purpose} missing from {purposes:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn nobody_is_lent_a_device_after_withdrawing_consent_to_the_loan() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let ada = app.borrower("Ada Lovelace").await;
    set(&app, ada, json!({"loan": false, "how": "paper"})).await;
    let device = json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let refused = app
        .post(
            "/api/v1/loans",
            &json!({"asset_tag": device["asset_tag"], "borrower_id": ada, "due_on": crate::helpers::in_days(28)}),
        )
        .await;
    let (code, field) = crate::helpers::error_of(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("invalid", Some("borrower_id"))
    );
    set(&app, ada, json!({"loan": true, "how": "in_person"})).await;
    app.issue(device["asset_tag"].as_str().unwrap(), ada).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_counter_asks_for_what_is_missing_at_a_first_loan() {
    use crate::web_counter::{browser, submit};
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    for _ in 0..2 {
        json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    }
    let body = json!({"name": "Ada Lovelace", "email": "ada@example.org", "consent": {"loan": true}});
    let ada = json_of(app.post("/api/v1/borrowers", &body).await, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap();
    let withdrawn = app
        .put(
            &format!("/api/v1/borrowers/{ada}/consents"),
            &json!({"loan": false, "how": "phone"}),
        )
        .await;
    assert_eq!(withdrawn.status(), StatusCode::OK);
    let client = browser(&app).await;
    let ada_id = ada.to_string();

    let details = client
        .get(app.url(&format!("/devices/TST-00001/issue/details?borrower_id={ada}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(details.contains("What they agree to"), "{details}");
    assert!(details.contains("Lending them a device") && details.contains("Being asked later how it went"));
    assert!(
        !details.contains("Reminders by email"),
        "already agreed: not asked again"
    );
    assert!(!details.contains("checked"), "nothing is ticked for them");

    let due = in_days(30);
    let mut form = vec![("borrower_id", ada_id.as_str()), ("due_on", due.as_str())];
    let refused = submit(&client, &app, "/devices/TST-00001/issue/check", &form).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("keeping their details to run the loan")
    );

    form.extend([("consents", "loan"), ("consents", "follow_up")]);
    let check = submit(&client, &app, "/devices/TST-00001/issue/check", &form).await;
    assert_eq!(check.status(), StatusCode::OK);
    assert!(check.text().await.unwrap().contains("They agree to"));
    let lent = submit(&client, &app, "/devices/TST-00001/issue", &form).await;
    assert_eq!(lent.status(), StatusCode::SEE_OTHER);

    let consents = json_of(
        app.get(&format!("/api/v1/borrowers/{ada}/consents")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(consents["current"]["loan"], true);
    assert_eq!(consents["current"]["follow_up"], true);
    assert_eq!(consents["current"]["share_with_partners"], false);
    assert_eq!(consents["history"][0]["how"], "in_person", "{consents}");

    // At a later loan, with the loan agreed to, nothing more is asked.
    let again = client
        .get(app.url(&format!("/devices/TST-00002/issue/details?borrower_id={ada}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!again.contains("What they agree to"));
}
