//! Retention and erasure with a set clock: loans are placed in the past (the API stamps them with
//! the present), then `lendhub retention run` anonymises whoever has had nothing happen for 24
//! months, and nobody else. Afterwards the funder's figures are the same, the agreement's
//! document is gone but its hash stays, and no text column of any table holds the person.

use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use lendhub::{
    auth::Role,
    dates::today,
    entities::{borrower, loan},
};
use reqwest::StatusCode;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement, sea_query::Expr,
};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_of, in_days, json_of, run};

struct Person {
    id: i64,
    name: &'static str,
    email: String,
}

async fn person(app: &TestApp, name: &'static str, phone: &'static str) -> Person {
    let email = format!("{}@example.org", name.split(' ').next().unwrap().to_lowercase());
    let body = json!({"name": name, "email": email, "phone": phone, "address": "1 Quiet Street",
        "postcode": "LS1 4AP", "accessibility_needs": format!("{name} needs large buttons"),
        "barriers": ["no_device"], "consent": {"loan": true}});
    let id = json_of(app.post("/api/v1/borrowers", &body).await, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap();
    Person { id, name, email }
}

/// Lends a device to `who`, signed on screen with their name, and (unless `open`) takes it back
/// with notes naming them; then moves the loan and the record back to `ended` days ago.
async fn loan_ended(app: &TestApp, hub: i64, who: &Person, days_ago: i64, open: bool) -> i64 {
    let device = json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let loan = app.issue(device["asset_tag"].as_str().unwrap(), who.id).await;
    let signed = app
        .post(
            &format!("/api/v1/loans/{loan}/agreement/accept"),
            &json!({"signed_name": who.name, "terms_version": "2026-11", "signature": "[[[1,1],[40,30],[90,10]]]"}),
        )
        .await;
    json_of(signed, StatusCode::OK).await;
    let extended = app
        .post(
            &format!("/api/v1/loans/{loan}/extend"),
            &json!({"due_on": in_days(120), "reason": format!("{} asked for longer", who.name)}),
        )
        .await;
    json_of(extended, StatusCode::OK).await;
    if !open {
        let back = app
            .post(
                &format!("/api/v1/loans/{loan}/return"),
                &json!({"condition": "good", "notes": format!("{} brought it back", who.name)}),
            )
            .await;
        json_of(back, StatusCode::OK).await;
    }
    let at = Utc::now() - Duration::days(days_ago);
    let mut update = loan::Entity::update_many()
        .col_expr(loan::Column::IssuedAt, Expr::value(at - Duration::days(60)))
        .col_expr(loan::Column::DueOn, Expr::value(today(at)));
    if !open {
        update = update
            .col_expr(loan::Column::ReturnedAt, Expr::value(at))
            .col_expr(loan::Column::ReturnedOn, Expr::value(today(at)));
    }
    update
        .filter(loan::Column::Id.eq(i32::try_from(loan).unwrap()))
        .exec(&app.db.write)
        .await
        .unwrap();
    borrower::Entity::update_many()
        .col_expr(borrower::Column::CreatedAt, Expr::value(at - Duration::days(61)))
        .filter(borrower::Column::Id.eq(i32::try_from(who.id).unwrap()))
        .exec(&app.db.write)
        .await
        .unwrap();
    loan
}

async fn email_to(app: &TestApp, who: &Person, loan: i64) {
    use lendhub::entities::reminder;
    use lendhub::reminders::model::{Channel, ReminderKind, ReminderStatus};
    use sea_orm::ActiveValue::Set;
    let now = Utc::now();
    reminder::Entity::insert(reminder::ActiveModel {
        organisation_id: Set(app.organisation_id),
        dedupe_key: Set(format!("email-{loan}")),
        loan_id: Set(Some(i32::try_from(loan).unwrap())),
        borrower_id: Set(Some(i32::try_from(who.id).unwrap())),
        kind: Set(ReminderKind::Overdue),
        step: Set(1),
        channel: Set(Channel::Email),
        status: Set(ReminderStatus::Sent),
        recipient_email: Set(Some(who.email.clone())),
        subject: Set("Your laptop was due back".into()),
        body_text: Set(format!("Dear {},\n\nyour laptop was due back.", who.name)),
        body_html: Set(Some(format!("<p>Dear {},</p>", who.name))),
        last_error: Set(Some(format!("450 mailbox {} busy", who.email))),
        next_attempt_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(&app.db.write)
    .await
    .unwrap();
}

fn retention_run(app: &TestApp) -> String {
    run(Command::new(env!("CARGO_BIN_EXE_lendhub"))
        .args(["retention", "run"])
        .env("LENDHUB_DATABASE_URL", &app.database_url))
}

async fn name_of(app: &TestApp, id: i64) -> String {
    json_of(app.get(&format!("/api/v1/borrowers/{id}")).await, StatusCode::OK).await["name"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Every text column of every table, as `(table, column)`.
async fn text_columns(app: &TestApp) -> Vec<(String, String)> {
    let db = &app.db.read;
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'json', 'jsonb')"
        }
        _ => {
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND (upper(p.type) LIKE '%TEXT%' OR upper(p.type) LIKE '%CHAR%' \
             OR upper(p.type) LIKE '%JSON%' OR p.type = '')"
        }
    };
    db.query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.try_get_by_index(0).unwrap(), row.try_get_by_index(1).unwrap()))
        .collect()
}

/// The `(table, column)`s holding `needle` anywhere in their text.
async fn columns_holding(app: &TestApp, needle: &str) -> Vec<(String, String)> {
    let db = &app.db.read;
    let backend = db.get_database_backend();
    let mut found = Vec::new();
    for (table, column) in text_columns(app).await {
        let sql = format!(
            "SELECT COUNT(*) FROM \"{table}\" WHERE CAST(\"{column}\" AS TEXT) LIKE '%{}%'",
            needle.replace('\'', "''")
        );
        let row = db
            .query_one_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
            .unwrap();
        let count: i64 = row.try_get_by_index(0).unwrap();
        if count > 0 {
            found.push((table, column));
        }
    }
    found
}

async fn funder_csv(app: &TestApp, from: DateTime<Utc>) -> String {
    let path = format!(
        "/api/v1/reports/funder.csv?from={}&to={}",
        today(from),
        in_days(0)
    );
    let response = app.get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_anonymises_whoever_has_been_quiet_for_24_months_and_nobody_else() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let ada = person(&app, "Ada Lovelace", "020 7946 0018").await;
    let bob = person(&app, "Bob Quietly", "020 7946 0019").await;
    let cat = person(&app, "Cat Stillhere", "020 7946 0020").await;
    let dan = person(&app, "Dan Learning", "020 7946 0021").await;
    let eve = person(&app, "Eve Heldback", "020 7946 0022").await;
    let fay = person(&app, "Fay Soondue", "020 7946 0023").await;
    let ada_loan = loan_ended(&app, hub, &ada, 25 * 31, false).await;
    loan_ended(&app, hub, &bob, 23 * 30, false).await;
    loan_ended(&app, hub, &cat, 30 * 31, true).await;
    loan_ended(&app, hub, &dan, 25 * 31, false).await;
    loan_ended(&app, hub, &eve, 25 * 31, false).await;
    loan_ended(&app, hub, &fay, 715, false).await;
    // Dan has a session ahead of him; Eve's record is held by an admin.
    let session = app.session(hub, json!({})).await;
    let enrolled = app
        .post(
            &format!("/api/v1/training/sessions/{}/enrolments", session["id"]),
            &json!({"borrower_id": dan.id}),
        )
        .await;
    json_of(enrolled, StatusCode::CREATED).await;
    let held = app
        .post(
            &format!("/api/v1/borrowers/{}/hold", eve.id),
            &json!({"reason": "a complaint is open"}),
        )
        .await;
    assert_eq!(
        json_of(held, StatusCode::OK).await["hold"]["reason"],
        "a complaint is open"
    );

    // Admins see who is due within 30 days, held records included: Ada, Eve and Fay (due in
    // about two weeks); not Bob (about five weeks), Cat (a device out) or Dan (a session ahead).
    let due = json_of(app.get("/api/v1/retention/due").await, StatusCode::OK).await;
    let due_ids: Vec<i64> = due["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(due_ids, [ada.id, eve.id, fay.id], "{due}");
    assert_eq!(due["total"], 3);
    assert_eq!(due["items"][1]["held"], true);
    let page = app.page_text("/retention").await;
    assert!(
        page.contains("3 records") && page.contains("Fay Soondue") && page.contains("Not while held"),
        "{page}"
    );

    // An email reminder went to Ada, with her name in its words and a server's error quoting her.
    email_to(&app, &ada, ada_loan).await;
    // Only admins, who hold records, see a hold and its reason.
    let coordinator = app.staff_token("coord@example.org", Role::Coordinator).await;
    let seen = json_of(
        app.get_as(Some(&coordinator), &format!("/api/v1/borrowers/{}", eve.id))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["hold"], Value::Null, "{seen}");

    let from = Utc::now() - Duration::days(40 * 31);
    let figures_before = funder_csv(&app, from).await;
    let ada_agreement = json_of(
        app.get(&format!("/api/v1/loans/{ada_loan}/agreement")).await,
        StatusCode::OK,
    )
    .await;
    let sha256 = ada_agreement["sha256"].as_str().unwrap().to_owned();

    let before = json_of(
        app.get(&format!("/api/v1/borrowers/{}", ada.id)).await,
        StatusCode::OK,
    )
    .await;
    let stored_phone = before["phone"].as_str().unwrap().to_owned();
    assert!(
        !columns_holding(&app, &stored_phone).await.is_empty(),
        "the scan finds what is there"
    );

    let said = retention_run(&app);
    assert!(said.contains("anonymised 1 borrowers"), "{said}");

    assert_eq!(name_of(&app, ada.id).await, format!("Former borrower {}", ada.id));
    for kept in [&bob, &cat, &dan, &eve, &fay] {
        assert_eq!(name_of(&app, kept.id).await, kept.name);
    }
    let record = json_of(
        app.get(&format!("/api/v1/borrowers/{}", ada.id)).await,
        StatusCode::OK,
    )
    .await;
    for field in ["email", "phone", "address", "postcode", "accessibility_needs"] {
        assert_eq!(record[field], Value::Null, "{field} of {record}");
    }
    assert!(record["anonymised_at"].is_string());
    assert_eq!(
        record["barriers"],
        json!(["no_device"]),
        "the barriers' counts stay"
    );

    // The funder's figures are the same; the agreement's document is gone, its hash is not.
    assert_eq!(funder_csv(&app, from).await, figures_before);
    let gone = app.get(&format!("/api/v1/loans/{ada_loan}/agreement.pdf")).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert!(gone.text().await.unwrap().contains("anonymised"));
    let agreement = json_of(
        app.get(&format!("/api/v1/loans/{ada_loan}/agreement")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(agreement["sha256"], sha256.as_str());
    assert_eq!(agreement["status"], "signed");
    assert_eq!(agreement["signed_name"], Value::Null);
    assert!(agreement["document_deleted_at"].is_string());

    // Nobody can find her, and no text column of any table holds her.
    for q in ["Lovelace", "ada@example.org"] {
        let found = json_of(app.get(&format!("/api/v1/borrowers?q={q}")).await, StatusCode::OK).await;
        assert_eq!(found["items"], json!([]), "a search for {q}");
    }
    for needle in ["Lovelace", ada.email.as_str(), stored_phone.as_str()] {
        assert_eq!(
            columns_holding(&app, needle).await,
            Vec::<(String, String)>::new(),
            "{needle}"
        );
    }
    // The others are still there, every word of them.
    assert!(!columns_holding(&app, "Bob Quietly").await.is_empty());

    // Lifting Eve's hold lets the next run reach her; a second run changes nothing more.
    let lifted = app
        .client
        .delete(app.url(&format!("/api/v1/borrowers/{}/hold", eve.id)))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(lifted, StatusCode::OK).await["hold"], Value::Null);
    assert!(retention_run(&app).contains("anonymised 1 borrowers"));
    assert!(retention_run(&app).contains("anonymised 0 borrowers"));
    assert_eq!(name_of(&app, eve.id).await, format!("Former borrower {}", eve.id));
}

#[tokio::test(flavor = "multi_thread")]
async fn erasure_waits_for_the_device_and_then_forgets_the_person() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let ada = person(&app, "Ada Lovelace", "020 7946 0018").await;
    let device = json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let loan = app.issue(device["asset_tag"].as_str().unwrap(), ada.id).await;
    let erase = format!("/api/v1/borrowers/{}/erase", ada.id);

    let coordinator = app.staff_token("coord@example.org", Role::Coordinator).await;
    let refused = app
        .post_as(Some(&coordinator), &erase, &json!({"reason": "asked"}))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let (code, field) = error_of(
        app.post(&erase, &json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!((code.as_str(), field.as_deref()), ("invalid", Some("reason")));
    let (code, _) = error_of(
        app.post(&erase, &json!({"reason": "asked in person"})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "loan_open");
    assert_eq!(name_of(&app, ada.id).await, "Ada Lovelace");

    app.return_loan(loan).await;
    let erased = json_of(
        app.post(&erase, &json!({"reason": "asked in person"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(erased["name"], format!("Former borrower {}", ada.id));
    assert_eq!(erased["email"], Value::Null);
    let page = app.page_text(&format!("/borrowers/{}", ada.id)).await;
    assert!(
        page.contains("Former borrower") && page.contains("This record was anonymised"),
        "{page}"
    );
    assert!(!page.contains("Lovelace"));
    let loan_page = app.page_text(&format!("/loans/{loan}")).await;
    assert!(
        loan_page.contains("Former borrower") && !loan_page.contains("Lovelace"),
        "{loan_page}"
    );
    assert!(columns_holding(&app, "Lovelace").await.is_empty());

    // The record cannot be changed back into a person, nor lent to again.
    let (code, _) = error_of(
        app.patch(
            &format!("/api/v1/borrowers/{}", ada.id),
            &json!({"email": "ada@example.org"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "anonymised");
    let other = json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let lend = app
        .post(
            "/api/v1/loans",
            &json!({"asset_tag": other["asset_tag"], "borrower_id": ada.id, "due_on": in_days(30)}),
        )
        .await;
    let (_, field) = error_of(lend, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(field.as_deref(), Some("borrower_id"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_upgrade_moves_call_notes_out_of_the_audit_log() {
    use lendhub::entities::{audit_event, reminder};
    use lendhub::reminders::model::{CallOutcome, Channel, ReminderKind, ReminderStatus};
    use migration::MigratorTrait;
    use sea_orm::ActiveValue::Set;

    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let ada = person(&app, "Ada Lovelace", "020 7946 0018").await;
    let device = json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let loan = app.issue(device["asset_tag"].as_str().unwrap(), ada.id).await;
    crate::helpers::migrate_down_to_before(&app.db.write, "m20261207_000016_retention").await;

    // An older lendhub kept a call's notes in its audit event.
    let now = Utc::now();
    let call = reminder::Entity::insert(reminder::ActiveModel {
        organisation_id: Set(app.organisation_id),
        dedupe_key: Set("old-call".into()),
        loan_id: Set(Some(i32::try_from(loan).unwrap())),
        borrower_id: Set(Some(i32::try_from(ada.id).unwrap())),
        kind: Set(ReminderKind::Overdue),
        step: Set(1),
        channel: Set(Channel::Call),
        status: Set(ReminderStatus::Sent),
        subject: Set("The laptop was due back".into()),
        body_text: Set(String::new()),
        outcome: Set(Some(CallOutcome::SpokeToThem)),
        next_attempt_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(&app.db.write)
    .await;
    assert!(call.is_ok(), "{call:?}");
    let call_id: i32 = reminder::Entity::find()
        .filter(reminder::Column::DedupeKey.eq("old-call"))
        .into_partial_model::<CallId>()
        .one(&app.db.read)
        .await
        .unwrap()
        .unwrap()
        .id;
    audit_event::Entity::insert(audit_event::ActiveModel {
        organisation_id: Set(app.organisation_id),
        at: Set(now),
        actor_label: Set("Old Staff".into()),
        entity_type: Set("loan".into()),
        entity_id: Set(i32::try_from(loan).unwrap()),
        action: Set("reminder_call".into()),
        details: Set(json!({"reminder_id": call_id, "outcome": "spoke_to_them", "notes": "Ada Lovelace will bring it Friday"}).to_string()),
        ..Default::default()
    })
    .exec_without_returning(&app.db.write)
    .await
    .unwrap();

    migration::Migrator::up(&app.db.write, None).await.unwrap();
    let page = app.page_text(&format!("/loans/{loan}")).await;
    assert!(
        page.contains("will bring it Friday"),
        "the notes are still shown: {page}"
    );
    let in_audit = columns_holding(&app, "bring it Friday").await;
    assert_eq!(in_audit, [("reminders".to_owned(), "call_notes".to_owned())]);
}

#[derive(sea_orm::DerivePartialModel)]
#[sea_orm(entity = "lendhub::entities::reminder::Entity")]
struct CallId {
    id: i32,
}
