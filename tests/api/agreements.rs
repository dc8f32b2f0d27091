//! Loan agreements through the API, read back with real PDF tools: `qpdf --check`, `pdftotext`
//! (with `-bbox` to measure the type). A signed agreement's bytes hash to the stored SHA-256 on
//! every download, and neither the API nor the database lets them change.

use std::{path::Path, process::Command, sync::Arc};

use crate::helpers::{TestApp, error_of, in_days, json_of, run, tools_present};
use chrono::NaiveDate;
use lendhub::auth::Role;
use reqwest::{StatusCode, header};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const TOOLS: [&str; 2] = ["qpdf", "pdftotext"];

fn sha256(bytes: &[u8]) -> String {
    use std::fmt::Write;
    Sha256::digest(bytes).iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

/// The due date as the agreement writes it, e.g. "17 February 2027".
fn long(date: &str) -> String {
    NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .unwrap()
        .format("%-d %B %Y")
        .to_string()
}

/// A device with a serial number lent to a new borrower; returns (loan id, asset tag, due date).
async fn loan_to(app: &TestApp, hub: i64, borrower: Value) -> (i64, String, String) {
    let borrower = json_of(
        app.post("/api/v1/borrowers", &borrower).await,
        StatusCode::CREATED,
    )
    .await;
    let device = json_of(
        app.add_device(hub, json!({"serial_number": format!("SN-{}", borrower["id"])}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let tag = device["asset_tag"].as_str().unwrap().to_owned();
    let due_on = in_days(30);
    let loan = json_of(
        app.post(
            "/api/v1/loans",
            &json!({"asset_tag": tag, "borrower_id": borrower["id"], "due_on": due_on, "accessories": ["charger"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    (loan["id"].as_i64().unwrap(), tag, due_on)
}

fn person(name: &str) -> Value {
    json!({"name": name, "phone": "07700 900123", "consent": {"data_processing": true}})
}

async fn download(app: &TestApp, loan: i64) -> (Vec<u8>, Option<String>) {
    let response = app.get(&format!("/api/v1/loans/{loan}/agreement.pdf")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/pdf");
    assert!(
        response.headers()[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("no-store")
    );
    let etag = response
        .headers()
        .get(header::ETAG)
        .map(|v| v.to_str().unwrap().trim_matches('"').to_owned());
    (response.bytes().await.unwrap().to_vec(), etag)
}

/// The PDF checked by qpdf, and its text with runs of white space made single spaces.
fn checked_text(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    run(Command::new("qpdf").arg("--check").arg(&path));
    let text = run(Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&path)
        .arg("-"));
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The height in points of the first word `word` on page 1, from `pdftotext -bbox`.
fn word_height(dir: &Path, name: &str, bytes: &[u8], word: &str) -> f64 {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let html = run(Command::new("pdftotext")
        .args(["-bbox", "-f", "1", "-l", "1"])
        .arg(&path)
        .arg("-"));
    let line = html
        .lines()
        .find(|l| l.trim_end().ends_with(&format!(">{word}</word>")))
        .unwrap_or_else(|| panic!("{word} in {html}"));
    let number = |attribute: &str| -> f64 {
        let start = line.find(&format!("{attribute}=\"")).unwrap() + attribute.len() + 2;
        line[start..].split('"').next().unwrap().parse().unwrap()
    };
    number("yMax") - number("yMin")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_agreement_states_the_loan_and_prints_every_name() {
    if !tools_present(&TOOLS) {
        return;
    }
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let dir = tempfile::tempdir().unwrap();
    for name in ["Łukasz Kowalski", "Zoë Ångström", "Siân Evans", "Дмитрий Иванов"] {
        let (loan, tag, due_on) = loan_to(&app, hub, person(name)).await;
        let (bytes, etag) = download(&app, loan).await;
        assert_eq!(etag, None, "an unsigned agreement has no fixed bytes yet");
        let text = checked_text(dir.path(), &format!("{loan}.pdf"), &bytes);
        for needle in [
            name,
            &tag,
            "SN-",
            &long(&due_on),
            "Terms version 2026-11",
            "Test Homes",
            "Riverside",
            "charger",
            "If it breaks or stops working",
            "wipe it",
            "How we use your details",
            "Signature",
        ] {
            assert!(text.contains(needle), "{needle:?} missing for {name}: {text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn large_print_sets_the_agreement_in_larger_type() {
    if !tools_present(&TOOLS) {
        return;
    }
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let dir = tempfile::tempdir().unwrap();
    let (normal, _, _) = loan_to(&app, hub, person("Siân Evans")).await;
    let mut large = person("Zoë Ångström");
    large["large_print"] = json!(true);
    let (large, _, _) = loan_to(&app, hub, large).await;
    let normal_height = word_height(
        dir.path(),
        "normal.pdf",
        &download(&app, normal).await.0,
        "Borrower",
    );
    let large_height = word_height(
        dir.path(),
        "large.pdf",
        &download(&app, large).await.0,
        "Borrower",
    );
    assert!(
        large_height >= normal_height * 1.3,
        "large print {large_height} pt against {normal_height} pt"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_agreement_is_stored_once_and_never_changes() {
    if !tools_present(&TOOLS) {
        return;
    }
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let dir = tempfile::tempdir().unwrap();
    let (loan, tag, _) = loan_to(&app, hub, person("Łukasz Kowalski")).await;
    let status = json_of(
        app.get(&format!("/api/v1/loans/{loan}/agreement")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(status["status"], "unsigned");

    let signed = json_of(
        app.post(
            &format!("/api/v1/loans/{loan}/agreement/accept"),
            &json!({"signed_name": "Łukasz Kowalski", "signature": "[[[10,150],[200,40],[320,160]],[[400,100]]]", "terms_version": "2026-11"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let stored = signed["sha256"].as_str().unwrap().to_owned();
    assert_eq!(stored.len(), 64);
    assert!(signed["accepted_at"].as_str().is_some());
    assert_eq!(signed["status"], "signed");
    assert_eq!(signed["method"], "screen");

    let (first, etag) = download(&app, loan).await;
    assert_eq!(sha256(&first), stored);
    assert_eq!(etag.as_deref(), Some(stored.as_str()));
    for _ in 0..3 {
        let (again, _) = download(&app, loan).await;
        assert_eq!(sha256(&again), stored, "every download is the stored PDF");
    }
    let text = checked_text(dir.path(), "signed.pdf", &first);
    for needle in [
        "Łukasz Kowalski agreed to this on screen",
        "by typing their name and signing below",
        "Staff member: Admin Person",
        &tag,
        "Terms version 2026-11",
    ] {
        assert!(text.contains(needle), "{needle:?} missing: {text}");
    }
    let status = json_of(
        app.get(&format!("/api/v1/loans/{loan}/agreement")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(status["sha256"], stored.as_str());
    assert_eq!(status["signed_name"], "Łukasz Kowalski");

    for (path, body) in [
        ("accept", json!({"signed_name": "Someone Else"})),
        ("paper", json!({})),
    ] {
        let (code, _) = error_of(
            app.post(&format!("/api/v1/loans/{loan}/agreement/{path}"), &body)
                .await,
            StatusCode::CONFLICT,
        )
        .await;
        assert_eq!(code, "agreement_already_signed");
    }
    // Not even a direct change in the database gets through.
    for sql in [
        "UPDATE agreements SET signed_name = 'Someone Else'",
        "DELETE FROM agreements",
    ] {
        let err = app.db.write.execute_unprepared(sql).await.unwrap_err();
        assert!(err.to_string().contains("never changes"), "{sql}: {err}");
    }
    assert_eq!(sha256(&download(&app, loan).await.0), stored);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paper_signature_is_recorded_by_staff() {
    if !tools_present(&TOOLS) {
        return;
    }
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let dir = tempfile::tempdir().unwrap();
    let (loan, _, _) = loan_to(&app, hub, person("Siân Evans")).await;
    let signed = json_of(
        app.post(&format!("/api/v1/loans/{loan}/agreement/paper"), &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(signed["method"], "paper");
    assert_eq!(signed["signed_name"], "Siân Evans");
    let (bytes, _) = download(&app, loan).await;
    assert_eq!(sha256(&bytes), signed["sha256"].as_str().unwrap());
    let text = checked_text(dir.path(), "paper.pdf", &bytes);
    assert!(
        text.contains("Siân Evans signed a printed copy of this agreement"),
        "{text}"
    );
    assert!(text.contains("Recorded by Admin Person"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_returned_or_lost_loan_cannot_be_signed() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let (returned, _, _) = loan_to(&app, hub, person("Siân Evans")).await;
    app.return_loan(returned).await;
    let (lost, _, _) = loan_to(&app, hub, person("Zoë Ångström")).await;
    json_of(
        app.post(&format!("/api/v1/loans/{lost}/lost"), &json!({})).await,
        StatusCode::OK,
    )
    .await;
    for loan in [returned, lost] {
        for (path, body) in [
            ("accept", json!({"signed_name": "Siân Evans"})),
            ("paper", json!({})),
        ] {
            let (code, _) = error_of(
                app.post(&format!("/api/v1/loans/{loan}/agreement/{path}"), &body)
                    .await,
                StatusCode::CONFLICT,
            )
            .await;
            assert_eq!(code, "loan_not_open");
        }
        // The unsigned agreement can still be read.
        assert_eq!(
            app.get(&format!("/api/v1/loans/{loan}/agreement.pdf"))
                .await
                .status(),
            StatusCode::OK
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_signing_requests_name_the_problem() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let (loan, _, _) = loan_to(&app, hub, person("Siân Evans")).await;
    let accept = format!("/api/v1/loans/{loan}/agreement/accept");
    for (body, field) in [
        (json!({}), "signed_name"),
        (json!({"signed_name": "   "}), "signed_name"),
        (json!({"signed_name": "x".repeat(121)}), "signed_name"),
        (
            json!({"signed_name": "Siân", "signature": "scribble"}),
            "signature",
        ),
        (
            json!({"signed_name": "Siân", "signature": "[[[700,10]]]"}),
            "signature",
        ),
    ] {
        let (code, named) = error_of(app.post(&accept, &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(
            (code.as_str(), named.as_deref()),
            ("invalid", Some(field)),
            "{body}"
        );
    }
    let (code, _) = error_of(
        app.post(
            &accept,
            &json!({"signed_name": "Siân", "terms_version": "2001-01"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "terms_changed");
    assert_eq!(
        app.post(&accept, &json!("not an object")).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.post(
            "/api/v1/loans/9999/agreement/accept",
            &json!({"signed_name": "Siân"})
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/loans/9999/agreement.pdf").await.status(),
        StatusCode::NOT_FOUND
    );
    let trainer = app.staff_token("trainer@example.org", Role::Trainer).await;
    assert_eq!(
        app.get_as(Some(&trainer), &format!("/api/v1/loans/{loan}/agreement.pdf"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // Nothing was stored by any of it.
    let status = json_of(
        app.get(&format!("/api/v1/loans/{loan}/agreement")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(status["status"], "unsigned");
}

#[tokio::test(flavor = "multi_thread")]
async fn of_many_racing_signatures_exactly_one_is_stored() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let (loan, _, _) = loan_to(&app, hub, person("Siân Evans")).await;
    let app = Arc::new(app);
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                let body = json!({"signed_name": format!("Siân Evans {i}")});
                let response = app
                    .post(&format!("/api/v1/loans/{loan}/agreement/accept"), &body)
                    .await;
                let status = response.status();
                let body: Value = response.json().await.unwrap();
                (status, body)
            })
        })
        .collect();
    let (mut signed, mut refused) = (0, 0);
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            StatusCode::OK => signed += 1,
            StatusCode::CONFLICT => {
                assert_eq!(body["error"]["code"], "agreement_already_signed");
                refused += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((signed, refused), (1, 11));
}

/// Each page's text from `pdftotext`, which ends every page with a form feed.
fn page_texts(dir: &Path, bytes: &[u8]) -> Vec<String> {
    let path = dir.join("agreement.pdf");
    std::fs::write(&path, bytes).unwrap();
    let text = run(Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-"));
    let mut pages: Vec<String> = text
        .split('\u{c}')
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    pages.retain(|p| !p.is_empty());
    pages
}

#[test]
fn the_signing_block_is_never_split_across_pages() {
    use lendhub::agreements::{
        model::{Acceptance, AgreementDoc, LoanFacts, Signature, SigningMethod, Terms},
        render::render,
    };
    if !tools_present(&["pdftotext"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let at = chrono::Utc::now();
    let facts = LoanFacts {
        loan_id: 7,
        organisation: "Test Homes".into(),
        organisation_phone: Some("0113 496 0000".into()),
        organisation_email: None,
        hub_name: "Riverside Hub".into(),
        hub_address: Some("1 River Street, Leeds LS1 1AA".into()),
        borrower: "Margaret Ellis".into(),
        large_print: false,
        kind: "Laptop".into(),
        make_model: "Lenovo ThinkPad T480".into(),
        asset_tag: "TST-00007".into(),
        serial_number: None,
        accessories: vec!["charger".into()],
        issued_at: at,
        due_on: NaiveDate::from_ymd_opt(2027, 2, 17).unwrap(),
    };
    let signed = Acceptance {
        method: SigningMethod::Screen,
        signed_name: "Margaret Ellis".into(),
        at,
        staff_name: "Sam Staff".into(),
        signature: Some(Signature(vec![vec![(10, 10), (200, 80), (380, 20)]])),
    };
    // Terms one line longer each time move the signing block down the page through every place a
    // page can end.
    let mut split = Vec::new();
    for extra in 0..60 {
        for acceptance in [None, Some(signed.clone())] {
            let mut doc = AgreementDoc::new(facts.clone(), &Terms::builtin(), acceptance.clone());
            let last = doc.sections.last_mut().unwrap();
            last.paragraphs
                .extend((0..extra).map(|i| format!("Extra line {i}.")));
            let pages = page_texts(dir.path(), &render(&doc, at));
            let block: [&str; 3] = if acceptance.is_some() {
                ["Signed", "agreed to this on screen", "Staff member: Sam Staff."]
            } else {
                [
                    "Signing this agreement",
                    "I have read this agreement and I agree to it.",
                    "Signature",
                ]
            };
            let heading = block[0];
            let last_page = pages.last().unwrap();
            let whole = block.iter().all(|words| last_page.contains(words));
            if !whole {
                split.push(format!(
                    "{extra} extra lines, {heading}: the last page reads {last_page:?}"
                ));
            }
        }
    }
    assert!(split.is_empty(), "{split:#?}");
}
