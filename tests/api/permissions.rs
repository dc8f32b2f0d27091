//! The permission matrix: every role against every API call and every page, allowed or refused,
//! walked on demo data. A new API call fails `the_matrix_covers_every_api_call` until it has a row.
//!
//! Roles are written A (admin), C (coordinator), H (hub staff), T (trainer); a row lists those
//! allowed. Allowed means the role check let the request through (any answer but 401 or 403);
//! refused means 403.

use std::collections::BTreeSet;

use crate::helpers::{TestApp, in_days, json_of};
use lendhub::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// `(method, path, who may)`. Placeholders: `{tag}` an available device, `{loaned}` a device on
/// loan, `{hub}` a hub, `{loan}` its open loan, `{borrower}`, `{session}` (the trainer's own), `{reminder}`,
/// `{repair}`, `{stocktake}` (open). Hub staff send a faulty device for repair at the counter; closing a repair is
/// the coordinator's.
pub(crate) const API: &[(&str, &str, &str)] = &[
    ("GET", "/me", "ACHT"),
    ("GET", "/organisation", "ACHT"),
    ("PATCH", "/organisation", "A"),
    ("GET", "/organisations", "A"),
    ("POST", "/organisations", "A"),
    ("POST", "/organisations/999999/invitation", "A"),
    ("POST", "/tokens", "ACHT"),
    ("GET", "/tokens", "ACHT"),
    ("DELETE", "/tokens/999999", "ACHT"),
    ("GET", "/hubs", "ACHT"),
    ("POST", "/hubs", "AC"),
    ("GET", "/hubs/{hub}", "ACHT"),
    ("PATCH", "/hubs/{hub}", "AC"),
    ("GET", "/devices", "ACHT"),
    ("POST", "/devices", "AC"),
    ("GET", "/devices/{tag}", "ACHT"),
    ("PATCH", "/devices/{tag}", "AC"),
    ("GET", "/devices/{tag}/events", "ACHT"),
    ("GET", "/devices/{tag}/label.pdf", "AC"),
    ("GET", "/devices/{tag}/sessions", "ACHT"),
    ("POST", "/devices/{tag}/checks", "ACH"),
    ("POST", "/devices/{tag}/found", "ACH"),
    ("POST", "/devices/{tag}/retire", "AC"),
    ("POST", "/labels", "AC"),
    ("GET", "/borrowers", "ACH"),
    ("POST", "/borrowers", "ACH"),
    ("GET", "/borrowers/{borrower}", "ACH"),
    ("PATCH", "/borrowers/{borrower}", "ACH"),
    ("GET", "/borrowers/{borrower}/training", "ACH"),
    ("GET", "/borrowers/{borrower}/consents", "ACH"),
    ("PUT", "/borrowers/{borrower}/consents", "ACH"),
    ("GET", "/borrowers/{borrower}/access-log", "A"),
    ("GET", "/borrowers/{borrower}/export", "AC"),
    ("POST", "/borrowers/{borrower}/erase", "A"),
    ("POST", "/borrowers/{borrower}/hold", "A"),
    ("DELETE", "/borrowers/{borrower}/hold", "A"),
    ("GET", "/retention/due", "A"),
    ("POST", "/loans", "ACH"),
    ("GET", "/loans", "ACH"),
    ("GET", "/loans/overdue", "ACH"),
    ("GET", "/loans/{loan}", "ACH"),
    ("GET", "/loans/{loan}/agreement", "ACH"),
    ("GET", "/loans/{loan}/agreement.pdf", "ACH"),
    ("POST", "/loans/{loan}/agreement/accept", "ACH"),
    ("POST", "/loans/{loan}/agreement/paper", "ACH"),
    ("PUT", "/loans/{loan}/course", "ACH"),
    ("POST", "/loans/{loan}/extend", "ACH"),
    ("POST", "/loans/{loan}/lost", "ACH"),
    ("POST", "/loans/{loan}/return", "ACH"),
    ("POST", "/repairs", "ACH"),
    ("POST", "/repairs/{repair}/close", "AC"),
    ("GET", "/reminders", "A"),
    ("GET", "/reminders/{reminder}", "A"),
    ("GET", "/reminders/call-list", "ACH"),
    ("GET", "/reminders/cannot-contact", "ACH"),
    ("POST", "/reminders/{reminder}/outcome", "ACH"),
    ("POST", "/reminders/{reminder}/retry", "A"),
    ("POST", "/training/calendar-feed", "ACHT"),
    ("GET", "/training/courses", "ACHT"),
    ("POST", "/training/courses", "AC"),
    ("GET", "/training/sessions", "ACHT"),
    ("POST", "/training/sessions", "ACT"),
    ("GET", "/training/sessions/{session}", "ACHT"),
    ("PUT", "/training/sessions/{session}/attendance", "ACT"),
    ("POST", "/training/sessions/{session}/devices", "ACT"),
    ("POST", "/training/sessions/{session}/enrolments", "ACHT"),
    ("PUT", "/training/sessions/{session}/skills", "ACT"),
    ("PATCH", "/training/sessions/{session}", "ACT"),
    (
        "DELETE",
        "/training/sessions/{session}/enrolments/{learner}",
        "ACHT",
    ),
    ("POST", "/training/sessions/{session}/cancel", "ACT"),
    (
        "POST",
        "/training/sessions/{session}/enrolments/{learner}/own-record",
        "ACH",
    ),
    ("GET", "/stocktakes", "ACH"),
    ("POST", "/stocktakes", "ACH"),
    ("GET", "/stocktakes/{stocktake}", "ACH"),
    ("POST", "/stocktakes/{stocktake}/scans", "ACH"),
    ("POST", "/stocktakes/{stocktake}/close", "ACH"),
    ("POST", "/stocktakes/{stocktake}/report-missing", "ACH"),
    ("POST", "/stocktakes/{stocktake}/move-here", "ACH"),
    ("GET", "/reports/devices.csv", "AC"),
    ("GET", "/reports/loans.csv", "AC"),
    ("GET", "/reports/borrowers.csv", "AC"),
    ("GET", "/reports/sessions.csv", "AC"),
    ("GET", "/reports/attendance.csv", "AC"),
    ("GET", "/staff", "A"),
    ("POST", "/staff", "A"),
    ("GET", "/staff/{staff}", "A"),
    ("PATCH", "/staff/{staff}", "A"),
    ("POST", "/staff/{staff}/password-reset", "A"),
    ("POST", "/me/password", "ACHT"),
    ("GET", "/reports/summary", "ACH"),
    ("GET", "/reports/funder.csv", "ACH"),
    ("GET", "/reports/funder.pdf", "ACH"),
    ("POST", "/imports/devices", "AC"),
    ("POST", "/imports/borrowers", "AC"),
    ("POST", "/referrals", "ACH"),
    ("GET", "/referrals", "ACH"),
    ("GET", "/referrals/999999", "ACH"),
    ("POST", "/referrals/999999/accept", "ACH"),
    ("POST", "/referrals/999999/decline", "ACH"),
    ("POST", "/referral-links", "AC"),
    ("GET", "/referral-links", "AC"),
    ("POST", "/referral-links/999999/revoke", "AC"),
    ("GET", "/waiting-list", "ACH"),
    ("POST", "/waiting-list", "ACH"),
    ("GET", "/waiting-list/999999", "ACH"),
    ("POST", "/waiting-list/999999/offer", "ACH"),
    ("POST", "/waiting-list/999999/cancel", "ACH"),
    ("POST", "/loans/999999/gift", "ACH"),
    ("POST", "/gifts", "ACH"),
    ("GET", "/gifts/999999", "ACH"),
    ("GET", "/gifts/999999/letter.pdf", "ACH"),
    ("GET", "/reservations", "ACHT"),
    ("POST", "/reservations", "ACT"),
    ("POST", "/reservations/999999/cancel", "ACT"),
    ("GET", "/follow-ups", "ACH"),
    ("GET", "/follow-ups/999999", "ACH"),
    ("POST", "/follow-ups/999999/answers", "ACH"),
    ("GET", "/sims", "ACHT"),
    ("POST", "/sims", "AC"),
    ("POST", "/sims/999999/issue", "ACH"),
    ("POST", "/imports/directory", "AC"),
    ("GET", "/directory/services", "ACHT"),
    ("POST", "/directory/services", "AC"),
    ("GET", "/directory/services/999999", "ACHT"),
    ("PUT", "/directory/services/999999", "AC"),
    ("GET", "/borrowers/{borrower}/signposts", "ACH"),
    ("POST", "/borrowers/{borrower}/signposts", "ACH"),
    ("GET", "/sharing-agreements", "AC"),
    ("POST", "/sharing-agreements", "A"),
    ("GET", "/sharing-agreements/999999", "AC"),
    ("POST", "/sharing-agreements/999999/accept", "A"),
    ("POST", "/sharing-agreements/999999/end", "A"),
    ("GET", "/sharing-agreements/999999/people", "ACHT"),
];

/// `(path, who may)` for every page a role's navigation reaches, and the pages behind them.
pub(crate) const PAGES: &[(&str, &str)] = &[
    ("/devices", "ACHT"),
    ("/devices/new", "AC"),
    ("/devices/{tag}", "ACHT"),
    ("/devices/{tag}/edit", "AC"),
    ("/devices/{tag}/issue", "ACH"),
    ("/devices/{tag}/repair", "ACH"),
    ("/devices/{tag}/retire", "AC"),
    ("/labels", "AC"),
    ("/hubs", "ACHT"),
    ("/hubs/{hub}", "AC"),
    ("/borrowers", "ACH"),
    ("/borrowers/new", "ACH"),
    ("/borrowers/{borrower}", "ACH"),
    ("/borrowers/{borrower}/edit", "ACH"),
    ("/borrowers/{borrower}/export", "AC"),
    ("/borrowers/{borrower}/erase", "A"),
    ("/borrowers/{borrower}/hold", "A"),
    ("/retention", "A"),
    ("/loans", "ACH"),
    ("/loans?signed=false", "ACH"),
    ("/loans/overdue", "ACH"),
    ("/loans/{loan}", "ACH"),
    ("/loans/{loan}/agreement", "ACH"),
    ("/loans/{loan}/agreement/paper", "ACH"),
    ("/loans/{loan}/extend", "ACH"),
    ("/loans/{loan}/lost", "ACH"),
    ("/loans/{loan}/return", "ACH"),
    ("/reminders/calls", "ACH"),
    ("/reminders/cannot-contact", "ACH"),
    ("/reminders/letters", "ACH"),
    ("/reminders/outbox", "A"),
    ("/training", "ACHT"),
    ("/training/courses/new", "AC"),
    ("/training/sessions/new", "ACT"),
    ("/training/sessions/{session}", "ACHT"),
    ("/training/sessions/{session}/edit", "ACT"),
    ("/training/sessions/{session}/cancel", "ACT"),
    ("/training/courses", "ACHT"),
    ("/training/learners/{learner}", "ACHT"),
    ("/stocktakes", "ACH"),
    ("/stocktakes/{stocktake}", "ACH"),
    ("/reports", "AC"),
    ("/reports/funder", "ACH"),
    ("/staff", "A"),
    ("/staff/new", "A"),
    ("/staff/{staff}", "A"),
    ("/staff/{staff}/reset", "A"),
    ("/account/password", "ACHT"),
    ("/settings", "A"),
    ("/imports", "AC"),
    ("/referrals", "ACH"),
    ("/referral-links", "AC"),
    ("/waiting-list", "ACH"),
    ("/waiting-list/new?borrower_id={borrower}", "ACH"),
    ("/gifts/new?borrower_id={borrower}", "ACH"),
    ("/loans/{loan}/gift", "ACH"),
    ("/reservations", "ACHT"),
    ("/reservations/new", "ACT"),
    ("/follow-ups", "ACH"),
    ("/sims", "ACHT"),
    ("/sims/new", "AC"),
    ("/sims/give?borrower_id={borrower}", "ACH"),
    ("/directory", "ACHT"),
    ("/directory?borrower_id={borrower}", "ACH"),
    ("/directory/new", "AC"),
    ("/organisations", "A"),
    ("/organisations/new", "A"),
    ("/sharing", "AC"),
    ("/sharing/new", "A"),
    ("/training/sessions/{session}/partners", "ACHT"),
    // `/training/sessions/{session}/partners/{learner}/lend` is for a partner's learner, whom
    // this scheme of one organisation has none of: `sharing_lending` walks it.
];

pub(crate) const ROLES: [(char, Role); 4] = [
    ('T', Role::Trainer),
    ('H', Role::HubStaff),
    ('C', Role::Coordinator),
    ('A', Role::Admin),
];

/// The ids the placeholders stand for, on demo data.
pub(crate) struct Ids {
    pub(crate) hub: i64,
    pub(crate) tag: String,
    pub(crate) loaned: String,
    pub(crate) loan: i64,
    pub(crate) borrower: i64,
    pub(crate) learner: i64,
    pub(crate) session: i64,
    pub(crate) reminder: i64,
    pub(crate) repair: i64,
    pub(crate) stocktake: i64,
    /// The trainer, whose account the staff calls look at.
    pub(crate) staff: i64,
}

impl Ids {
    pub(crate) fn fill(&self, path: &str) -> String {
        path.replace("{hub}", &self.hub.to_string())
            .replace("{tag}", &self.tag)
            .replace("{loaned}", &self.loaned)
            .replace("{loan}", &self.loan.to_string())
            .replace("{borrower}", &self.borrower.to_string())
            .replace("{learner}", &self.learner.to_string())
            .replace("{session}", &self.session.to_string())
            .replace("{reminder}", &self.reminder.to_string())
            .replace("{stocktake}", &self.stocktake.to_string())
            .replace("{staff}", &self.staff.to_string())
            .replace("{repair}", &self.repair.to_string())
            // Rows no one has made: the answer is about who asks (404 past the role check).
            .replace("{referral}", "999999")
            .replace("{link}", "999999")
            .replace("{waiting}", "999999")
            .replace("{reservation}", "999999")
            .replace("{follow_up}", "999999")
            .replace("{service}", "999999")
            .replace("{organisation}", "999999")
            .replace("{sharing}", "999999")
    }
}

async fn demo(app: &TestApp, trainer_id: i64) -> Ids {
    let summary = lendhub::demo::fill(&app.db, 40).await.unwrap();
    lendhub::demo::lend(&app.db, summary.organisation_id, 10)
        .await
        .unwrap();
    let available = json_of(
        app.get("/api/v1/devices?status=available&limit=5").await,
        StatusCode::OK,
    )
    .await;
    let tags: Vec<String> = available["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["asset_tag"].as_str().unwrap().to_owned())
        .collect();
    let overdue = json_of(app.get("/api/v1/loans/overdue").await, StatusCode::OK).await;
    let loan = &overdue["items"][0]["loan"];
    let borrower = app.borrower("Matrix Borrower").await;
    let repair = json_of(
        app.post(
            "/api/v1/repairs",
            &json!({"asset_tag": tags[1], "fault": "Cracked screen"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let course = json_of(
        app.post("/api/v1/training/courses", &json!({"title": "Matrix course"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let session = json_of(
        app.post(
            "/api/v1/training/sessions",
            &json!({"course_id": course["id"], "starts_at": format!("{}T10:00", in_days(2)), "duration_minutes": 60, "capacity": 20, "trainer_id": trainer_id, "meeting_url": "https://meet.example.org/x"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let learner = app.borrower("Matrix Learner").await;
    json_of(
        app.post(
            &format!("/api/v1/training/sessions/{}/enrolments", session["id"]),
            &json!({"borrower_id": learner}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    lendhub::reminders::service::sweep(
        &app.db,
        &lendhub::reminders::model::Policy::default(),
        &app.base,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let calls = json_of(app.get("/api/v1/reminders/call-list").await, StatusCode::OK).await;
    let reminder = calls["items"][0]["id"].as_i64().unwrap_or(999_999);
    let hubs = json_of(app.get("/api/v1/hubs").await, StatusCode::OK).await;
    let stocktake = json_of(
        app.post("/api/v1/stocktakes", &json!({"hub_id": hubs["items"][0]["id"]}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    Ids {
        hub: hubs["items"][0]["id"].as_i64().unwrap(),
        tag: tags[0].clone(),
        loaned: loan["asset_tag"].as_str().unwrap().to_owned(),
        loan: loan["id"].as_i64().unwrap(),
        borrower,
        learner,
        session: session["id"].as_i64().unwrap(),
        reminder,
        repair: repair["id"].as_i64().unwrap(),
        stocktake: stocktake["id"].as_i64().unwrap(),
        staff: trainer_id,
    }
}

/// A body that gets past parsing for each call, so the answer is about who asks.
pub(crate) fn body_for(method: &str, path: &str, ids: &Ids) -> Option<Value> {
    if method == "GET" || method == "DELETE" {
        return None;
    }
    Some(match path {
        "/tokens" => json!({"email": "nobody@example.org", "password": "not the password at all"}),
        "/hubs" => json!({"name": "Matrix Hub"}),
        "/stocktakes" => json!({"hub_id": ids.hub}),
        p if p.starts_with("/stocktakes/") => json!({"asset_tag": ids.tag}),
        "/devices" => json!({"kind": "tablet", "make": "Apple", "model": "iPad", "hub_id": 1}),
        p if p.ends_with("/checks") => {
            json!({"wiped": true, "wipe_method": "factory_reset", "complete": true, "condition": "good"})
        }
        "/labels" => json!({"asset_tags": [ids.tag], "layout": "a4-21"}),
        "/borrowers" => {
            json!({"name": "New Person", "phone": "07700 900456", "consent": {"data_processing": true}})
        }
        "/loans" => json!({"asset_tag": ids.tag, "borrower_id": ids.borrower, "due_on": in_days(14)}),
        p if p.ends_with("/accept") => json!({"signed_name": "Someone"}),
        p if p.ends_with("/paper") => json!({"signed_name": "Someone"}),
        p if p.ends_with("/course") => json!({"course_id": null}),
        p if p.ends_with("/extend") => json!({"due_on": in_days(60)}),
        p if p.ends_with("/return") => json!({"condition": "good"}),
        "/repairs" => json!({"asset_tag": ids.tag, "fault": "Sticky key"}),
        p if p.ends_with("/close") => json!({"outcome": "fixed"}),
        p if p.ends_with("/outcome") => json!({"outcome": "no_answer"}),
        "/training/courses" => json!({"title": "Another course"}),
        "/training/sessions" => {
            json!({"course_id": 1, "starts_at": format!("{}T11:00", in_days(3)), "duration_minutes": 60, "capacity": 5, "meeting_url": "https://meet.example.org/y"})
        }
        p if p.ends_with("/attendance") => {
            json!({"records": [{"borrower_id": ids.learner, "status": "present"}]})
        }
        p if p.ends_with("/skills") => {
            json!({"scores": [{"borrower_id": ids.learner, "area": "communicating", "score": 3}]})
        }
        p if p.ends_with("/devices") => json!({"asset_tags": [ids.tag]}),
        p if p.ends_with("/enrolments") => {
            json!({"walk_in": {"name": "Walk In", "phone": "07700 900789", "consent": {"data_processing": true}}})
        }
        _ => json!({}),
    })
}

/// A token for each role (trainer first, admin last), on demo data; hub staff work at every hub.
pub(crate) async fn every_role(app: &TestApp) -> (Vec<(char, String)>, Ids) {
    let mut tokens = Vec::new();
    for (letter, role) in ROLES {
        let token = if role == Role::Admin {
            app.token.clone()
        } else {
            app.staff_token(&format!("{}@example.org", role.as_str()), role)
                .await
        };
        tokens.push((letter, token));
    }
    let trainer = json_of(app.get_as(Some(&tokens[0].1), "/api/v1/me").await, StatusCode::OK).await;
    let ids = demo(app, trainer["id"].as_i64().unwrap()).await;
    app.assign_every_hub(&tokens[1].1).await;
    (tokens, ids)
}

async fn ask(app: &TestApp, token: &str, method: &str, url: &str, body: Option<&Value>) -> StatusCode {
    let mut request = app
        .client
        .request(Method::from_bytes(method.as_bytes()).unwrap(), app.url(url))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_role_is_allowed_or_refused_exactly_as_the_matrix_says() {
    let app = TestApp::spawn().await;
    let (tokens, ids) = every_role(&app).await;
    let mut wrong = Vec::new();
    for (method, template, allowed) in API {
        let path = ids.fill(template);
        let body = body_for(method, template, &ids);
        for (letter, token) in &tokens {
            let status = ask(&app, token, method, &format!("/api/v1{path}"), body.as_ref()).await;
            let expected_allowed = allowed.contains(*letter);
            let ok = if expected_allowed {
                status != StatusCode::FORBIDDEN
                    && status != StatusCode::UNAUTHORIZED
                    && status != StatusCode::INTERNAL_SERVER_ERROR
            } else {
                status == StatusCode::FORBIDDEN
            };
            if !ok {
                wrong.push(format!(
                    "{letter} {method} {path}: {status} (expected {})",
                    if expected_allowed { "allowed" } else { "403" }
                ));
            }
        }
    }
    for (template, allowed) in PAGES {
        let path = ids.fill(template);
        for (letter, token) in &tokens {
            let status = ask(&app, token, "GET", &path, None).await;
            let ok = if allowed.contains(*letter) {
                status == StatusCode::OK
            } else {
                status == StatusCode::FORBIDDEN
            };
            if !ok {
                wrong.push(format!("{letter} page {path}: {status}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells differ from the matrix:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_matrix_covers_every_api_call() {
    let app = TestApp::spawn().await;
    let openapi = json_of(app.get("/api/openapi.json").await, StatusCode::OK).await;
    let mut documented = BTreeSet::new();
    for (path, item) in openapi["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    let named = |template: &str| {
        template
            .replace("{tag}", "{asset_tag}")
            .replace("{learner}", "{borrower_id}")
            .replace("{hub}", "{id}")
            .replace("{loan}", "{id}")
            .replace("{borrower}", "{id}")
            .replace("{session}", "{id}")
            .replace("{reminder}", "{id}")
            .replace("{repair}", "{id}")
            .replace("{stocktake}", "{id}")
            .replace("{staff}", "{id}")
            .replace("999999", "{id}")
    };
    let covered: BTreeSet<String> = API.iter().map(|(m, p, _)| format!("{m} {}", named(p))).collect();
    let missing: Vec<_> = documented.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "API calls without a row in the matrix: {missing:?}"
    );
}

/// `(path, who may)` for every page that takes a form post; `-` marks the pages anyone may post
/// to (signing in and out, setting up, a password link).
pub(crate) const POST_PAGES: &[(&str, &str)] = &[
    ("/login", "-"),
    ("/logout", "-"),
    ("/setup", "-"),
    ("/password/forgot", "-"),
    ("/password/{secret}", "-"),
    ("/account/password", "ACHT"),
    ("/borrowers", "ACH"),
    ("/borrowers/{borrower}", "ACH"),
    ("/borrowers/{borrower}/consents", "ACH"),
    ("/borrowers/{borrower}/erase", "A"),
    ("/borrowers/{borrower}/hold", "A"),
    ("/borrowers/{borrower}/hold/lift", "A"),
    ("/devices", "AC"),
    ("/devices/{tag}", "AC"),
    ("/devices/{tag}/checks", "ACH"),
    ("/devices/{tag}/found", "ACH"),
    ("/devices/{tag}/issue", "ACH"),
    ("/devices/{tag}/issue/check", "ACH"),
    ("/devices/{tag}/repair", "ACH"),
    ("/devices/{tag}/retire", "AC"),
    ("/hubs", "AC"),
    ("/hubs/{hub}", "AC"),
    ("/imports", "AC"),
    ("/imports/{upload}", "AC"),
    ("/labels/print", "AC"),
    ("/loans/{loan}/agreement", "ACH"),
    ("/loans/{loan}/agreement/paper", "ACH"),
    ("/loans/{loan}/course", "ACH"),
    ("/loans/{loan}/extend", "ACH"),
    ("/loans/{loan}/lost", "ACH"),
    ("/loans/{loan}/return", "ACH"),
    ("/reminders/letters/posted", "ACH"),
    ("/reminders/{reminder}/outcome", "ACH"),
    ("/reminders/{reminder}/retry", "A"),
    ("/repairs/{repair}/close", "AC"),
    ("/settings", "A"),
    ("/staff/new", "A"),
    ("/staff/{staff}", "A"),
    ("/staff/{staff}/reset", "A"),
    ("/stocktakes", "ACH"),
    ("/stocktakes/{stocktake}/close", "ACH"),
    ("/stocktakes/{stocktake}/move-here", "ACH"),
    ("/stocktakes/{stocktake}/report-missing", "ACH"),
    ("/stocktakes/{stocktake}/scans", "ACH"),
    ("/training/calendar-feed", "ACHT"),
    ("/training/courses", "AC"),
    ("/training/sessions", "ACT"),
    ("/training/sessions/{session}/devices", "ACT"),
    ("/training/sessions/{session}/enrolments", "ACHT"),
    ("/training/sessions/{session}/register", "ACT"),
    ("/training/sessions/{session}/register/everyone", "ACT"),
    ("/training/sessions/{session}/skills/{learner}", "ACT"),
    ("/training/sessions/{session}/edit", "ACT"),
    ("/training/sessions/{session}/enrolments/{learner}/remove", "ACHT"),
    ("/training/sessions/{session}/cancel", "ACT"),
    ("/training/sessions/{session}/partners/{learner}/lend", "ACH"),
    ("/r/{key}", "-"),
    ("/referrals/{referral}/accept", "ACH"),
    ("/referrals/{referral}/decline", "ACH"),
    ("/referral-links", "AC"),
    ("/referral-links/{link}/revoke", "AC"),
    ("/waiting-list/new", "ACH"),
    ("/waiting-list/{waiting}/offer", "ACH"),
    ("/waiting-list/{waiting}/cancel", "ACH"),
    ("/reservations/new", "ACT"),
    ("/reservations/{reservation}/cancel", "ACT"),
    ("/follow-ups/{follow_up}/answers", "ACH"),
    ("/f/{key}", "-"),
    ("/join/{key}", "-"),
    ("/gifts/new", "ACH"),
    ("/sims/new", "AC"),
    ("/sims/give", "ACH"),
    ("/directory/new", "AC"),
    ("/organisations/new", "A"),
    ("/organisations/{organisation}/invitation", "A"),
    ("/directory/{service}/edit", "AC"),
    ("/directory/{service}/signpost", "ACH"),
    ("/sharing/new", "A"),
    ("/sharing/{sharing}/accept", "A"),
    ("/sharing/{sharing}/end", "A"),
    // Last: for an allowed role it gives the demo loan away.
    ("/loans/{loan}/gift", "ACH"),
];

/// Every page route that takes a POST, read from the source: `.route("/path", ...post(...))`.
fn post_page_routes() -> BTreeSet<String> {
    fn walk(dir: &std::path::Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (at, _) in text.match_indices(".route(") {
                let rest = text[at + ".route(".len()..].trim_start();
                let Some(rest) = rest.strip_prefix("\"/") else {
                    continue;
                };
                let route = format!("/{}", &rest[..rest.find('"').unwrap()]);
                // The call's arguments, to its closing parenthesis.
                let mut depth = 0;
                let args: String = text[at + ".route".len()..]
                    .chars()
                    .take_while(|c| {
                        match c {
                            '(' => depth += 1,
                            ')' => depth -= 1,
                            _ => {}
                        }
                        depth > 0
                    })
                    .collect();
                if args.contains("post(") {
                    found.insert(route);
                }
            }
        }
    }
    let mut found = BTreeSet::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    found
}

#[test]
fn the_matrix_covers_every_post_page() {
    let named = |template: &str| {
        let mut path = template.replace("{learner}", "{borrower_id}");
        for placeholder in [
            "{tag}",
            "{hub}",
            "{loan}",
            "{borrower}",
            "{session}",
            "{reminder}",
            "{repair}",
            "{stocktake}",
            "{staff}",
            "{upload}",
            "{referral}",
            "{link}",
            "{waiting}",
            "{reservation}",
            "{follow_up}",
            "{service}",
            "{organisation}",
            "{sharing}",
        ] {
            let name = if placeholder == "{tag}" { "{tag}" } else { "{id}" };
            path = path.replace(placeholder, name);
        }
        path
    };
    let covered: BTreeSet<String> = POST_PAGES.iter().map(|(p, _)| named(p)).collect();
    let routes = post_page_routes();
    let missing: Vec<_> = routes.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "POST pages without a row in the matrix: {missing:?}"
    );
    assert!(routes.len() > 30, "the routes were read: {routes:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_role_may_post_to_a_page_exactly_as_the_matrix_says() {
    let app = TestApp::spawn().await;
    let (tokens, ids) = every_role(&app).await;
    let mut wrong = Vec::new();
    for (template, allowed) in POST_PAGES {
        if *allowed == "-" {
            continue;
        }
        let path = ids.fill(template).replace("{upload}", "no-such-upload");
        for (letter, token) in &tokens {
            let status = app
                .client
                .post(app.url(&path))
                .bearer_auth(token)
                .form(&[("nothing", "")])
                .send()
                .await
                .unwrap()
                .status();
            let ok = if allowed.contains(*letter) {
                status != StatusCode::FORBIDDEN && status != StatusCode::INTERNAL_SERVER_ERROR
            } else {
                status == StatusCode::FORBIDDEN
            };
            if !ok {
                wrong.push(format!("{letter} POST {path}: {status}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells differ from the matrix:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
