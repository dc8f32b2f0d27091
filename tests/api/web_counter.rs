//! The counter's less-travelled pages through real HTTP with a signed-in browser session: repair,
//! retire, extend, lost and found, borrowers, overdue. Each form refused shows the problem (422),
//! each accepted one moves on (303), and nothing answers 500.

use crate::helpers::{PASSWORD, TestApp, in_days, json_of};
use reqwest::{Client, Response, StatusCode, header};
use serde_json::json;

pub(crate) async fn browser(app: &TestApp) -> Client {
    let client = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_in = client
        .post(app.url("/login"))
        .form(&[("email", "admin@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    client
}

async fn page(client: &Client, app: &TestApp, path: &str) -> String {
    let response = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.text().await.unwrap()
}

pub(crate) async fn submit(client: &Client, app: &TestApp, path: &str, form: &[(&str, &str)]) -> Response {
    client.post(app.url(path)).form(form).send().await.unwrap()
}

async fn refused(response: Response, needle: &str) {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("There is a problem"), "{html}");
    assert!(html.contains(needle), "{needle:?} not in {html}");
}

fn moved_to(response: &Response, path: &str) {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], path);
}

#[tokio::test(flavor = "multi_thread")]
async fn repair_and_retire_through_the_pages() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Whitechapel").await;
    for _ in 0..2 {
        json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    }
    let client = browser(&app).await;

    assert!(
        page(&client, &app, "/devices/TST-00001/repair")
            .await
            .contains("What is wrong with it?")
    );
    refused(
        submit(&client, &app, "/devices/TST-00001/repair", &[("fault", " ")]).await,
        "Describe what is wrong with it",
    )
    .await;
    let sent = submit(
        &client,
        &app,
        "/devices/TST-00001/repair",
        &[("fault", "Cracked screen"), ("repairer", "Fixit")],
    )
    .await;
    moved_to(&sent, "/devices/TST-00001");
    assert_eq!(app.status_of("TST-00001").await, "in_repair");
    let device_page = page(&client, &app, "/devices/TST-00001").await;
    assert!(device_page.contains("Cracked screen") && device_page.contains("Close the repair"));

    assert!(
        page(&client, &app, "/repairs/1/close")
            .await
            .contains("What was the outcome?")
    );
    refused(
        submit(
            &client,
            &app,
            "/repairs/1/close",
            &[("outcome", "fixed"), ("cost", "lots")],
        )
        .await,
        "Enter the cost in pounds",
    )
    .await;
    refused(
        submit(&client, &app, "/repairs/1/close", &[("cost", "45.00")]).await,
        "Choose the outcome",
    )
    .await;
    moved_to(
        &submit(
            &client,
            &app,
            "/repairs/1/close",
            &[("outcome", "fixed"), ("cost", "45.00")],
        )
        .await,
        "/devices/TST-00001",
    );
    assert_eq!(app.status_of("TST-00001").await, "available");
    let again = submit(&client, &app, "/repairs/1/close", &[("outcome", "fixed")]).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(again.text().await.unwrap().contains("already closed"));

    assert!(
        page(&client, &app, "/devices/TST-00002/retire")
            .await
            .contains("A retired device cannot be lent again")
    );
    refused(
        submit(
            &client,
            &app,
            "/devices/TST-00002/retire",
            &[("disposal_method", "")],
        )
        .await,
        "Choose how it will be disposed of",
    )
    .await;
    let retired = submit(
        &client,
        &app,
        "/devices/TST-00002/retire",
        &[("disposal_method", "recycled"), ("wipe_certificate", "BL-1")],
    )
    .await;
    moved_to(&retired, "/devices/TST-00002");
    assert_eq!(app.status_of("TST-00002").await, "retired");
    assert!(
        page(&client, &app, "/devices/TST-00002")
            .await
            .contains("Retired by")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn extend_report_lost_and_find_through_the_pages() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Whitechapel").await;
    json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let ada = app.borrower("Ada Lovelace").await;
    let loan = app.issue("TST-00001", ada).await;
    let client = browser(&app).await;

    let extend = format!("/loans/{loan}/extend");
    assert!(
        page(&client, &app, &extend)
            .await
            .contains("New date it is due back")
    );
    refused(
        submit(&client, &app, &extend, &[("due_on", &in_days(-2))]).await,
        "cannot be in the past",
    )
    .await;
    refused(
        submit(&client, &app, &extend, &[("due_on", &in_days(3))]).await,
        "The new date must be after",
    )
    .await;
    moved_to(
        &submit(
            &client,
            &app,
            &extend,
            &[("due_on", &in_days(60)), ("reason", "Course runs on")],
        )
        .await,
        &format!("/loans/{loan}"),
    );
    let loan_page = page(&client, &app, &format!("/loans/{loan}")).await;
    assert!(loan_page.contains("Extensions") && loan_page.contains("Course runs on"));

    assert!(
        page(&client, &app, &format!("/loans/{loan}/lost"))
            .await
            .contains("Report the device lost")
    );
    moved_to(
        &submit(
            &client,
            &app,
            &format!("/loans/{loan}/lost"),
            &[("notes", "Left on a bus")],
        )
        .await,
        "/devices/TST-00001",
    );
    assert_eq!(app.status_of("TST-00001").await, "lost");
    assert!(
        page(&client, &app, "/devices/TST-00001")
            .await
            .contains("It has been found")
    );
    moved_to(
        &submit(&client, &app, "/devices/TST-00001/found", &[]).await,
        "/devices/TST-00001",
    );
    assert_eq!(app.status_of("TST-00001").await, "awaiting_checks");
    // Found again, it cannot be found twice: a friendly 409 page.
    let twice = submit(&client, &app, "/devices/TST-00001/found", &[]).await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    assert!(twice.text().await.unwrap().contains("it is awaiting checks"));
}

#[tokio::test(flavor = "multi_thread")]
async fn borrowers_and_the_overdue_list_through_the_pages() {
    let app = TestApp::spawn().await;
    let client = browser(&app).await;
    assert!(
        page(&client, &app, "/borrowers/new")
            .await
            .contains("They agree that we keep and use these details")
    );
    refused(
        submit(
            &client,
            &app,
            "/borrowers",
            &[("name", "Łukasz Nowak"), ("phone", "07700 900123")],
        )
        .await,
        "must agree",
    )
    .await;
    let added = submit(
        &client,
        &app,
        "/borrowers",
        &[
            ("name", "Łukasz Nowak"),
            ("phone", "07700 900123"),
            ("barriers", "no_device"),
            ("consent", "true"),
        ],
    )
    .await;
    moved_to(&added, "/borrowers/1");
    let borrower_page = page(&client, &app, "/borrowers/1").await;
    assert!(
        borrower_page.contains("Łukasz Nowak")
            && borrower_page.contains("No device")
            && borrower_page.contains("By a phone call from staff")
    );

    assert!(
        page(&client, &app, "/borrowers/1/edit")
            .await
            .contains("Change Łukasz Nowak")
    );
    refused(
        submit(&client, &app, "/borrowers/1", &[("name", "Łukasz Nowak")]).await,
        "Give at least one way to reach them",
    )
    .await;
    moved_to(
        &submit(
            &client,
            &app,
            "/borrowers/1",
            &[("name", "Łukasz Nowak"), ("email", "lukasz@example.org")],
        )
        .await,
        "/borrowers/1",
    );
    assert!(
        page(&client, &app, "/borrowers?q=ukas")
            .await
            .contains("Łukasz Nowak")
    );
    refused(
        submit(&client, &app, "/borrowers/1", &[("name", "")]).await,
        "Enter their name",
    )
    .await;

    assert!(
        page(&client, &app, "/loans/overdue")
            .await
            .contains("No loans are overdue")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_agreement_is_signed_on_screen_or_recorded_on_paper_through_the_pages() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Whitechapel").await;
    for _ in 0..2 {
        json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    }
    let zoe = app.borrower("Zoë Ångström").await;
    let on_screen = app.issue("TST-00001", zoe).await;
    let on_paper = app.issue("TST-00002", zoe).await;
    let client = browser(&app).await;

    let loan_page = page(&client, &app, &format!("/loans/{on_screen}")).await;
    assert!(loan_page.contains("Not signed yet"), "{loan_page}");
    let sign = format!("/loans/{on_screen}/agreement");
    let agreement = page(&client, &app, &sign).await;
    for needle in [
        "Loan agreement",
        "Zoë Ångström",
        "TST-00001",
        "Sign the agreement",
        "Terms version",
    ] {
        assert!(agreement.contains(needle), "{needle:?} not in {agreement}");
    }
    refused(
        submit(&client, &app, &sign, &[("signed_name", "Zoë Ångström")]).await,
        "tick the box",
    )
    .await;
    let again = submit(&client, &app, &sign, &[("agree", "true")]).await;
    refused(again, "type your full name").await;
    let signed = submit(
        &client,
        &app,
        &sign,
        &[
            ("signed_name", "Zoë Ångström"),
            ("agree", "true"),
            ("signature", ""),
        ],
    )
    .await;
    moved_to(&signed, &format!("/loans/{on_screen}"));
    let loan_page = page(&client, &app, &format!("/loans/{on_screen}")).await;
    assert!(
        loan_page.contains("Zoë Ångström\nsigned on screen"),
        "{loan_page}"
    );
    let agreement = page(&client, &app, &sign).await;
    assert!(!agreement.contains("Sign the agreement</button>"), "{agreement}");
    assert!(agreement.contains("Download the signed agreement"), "{agreement}");
    let pdf = client
        .get(app.url(&format!("/loans/{on_screen}/agreement.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()[header::CONTENT_TYPE], "application/pdf");

    let paper = format!("/loans/{on_paper}/agreement/paper");
    let form = page(&client, &app, &paper).await;
    assert!(form.contains("Name signed on the paper"), "{form}");
    refused(
        submit(&client, &app, &paper, &[("signed_name", "Zoë Ångström")]).await,
        "tick the box",
    )
    .await;
    let recorded = submit(
        &client,
        &app,
        &paper,
        &[("signed_name", "Z. Ångström"), ("kept", "true")],
    )
    .await;
    moved_to(&recorded, &format!("/loans/{on_paper}"));
    let loan_page = page(&client, &app, &format!("/loans/{on_paper}")).await;
    assert!(
        loan_page.contains("Z. Ångström\nsigned a printed copy"),
        "{loan_page}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn find_reads_a_tag_however_it_is_typed_or_scanned() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    for _ in 0..5 {
        json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    }
    let scanned_url = format!("{}/d/TST-00005", app.base);
    for typed in [
        scanned_url.as_str(),
        "tst00005",
        "TST-5",
        "tst-0005",
        " TST-00005 ",
    ] {
        let response = app
            .client
            .get(app.url(&format!("/devices?q={}", lendhub::web::urlencode(typed))))
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{typed}");
        assert_eq!(response.headers()["location"], "/devices/TST-00005", "{typed}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stranger_who_scans_a_label_is_told_where_to_return_it_and_nothing_else() {
    let app = TestApp::spawn().await;
    let hub = json_of(
        app.post(
            "/api/v1/hubs",
            &json!({"name": "Riverside Hub", "address": "1 River Street, Leeds LS1 1AA", "opening_hours": "Monday to Friday, 10am to 4pm", "phone": "0113 496 0000"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let device = json_of(
        app.add_device(
            hub["id"].as_i64().unwrap(),
            json!({"serial_number": "SN-SECRET-1"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let tag = device["asset_tag"].as_str().unwrap().to_owned();
    let borrower = json_of(
        app.post(
            "/api/v1/borrowers",
            &json!({"name": "Margaret Ellis", "phone": "07700 900555", "postcode": "E1 5HR", "consent": {"data_processing": true}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json_of(
        app.post(
            "/api/v1/loans",
            &json!({"asset_tag": tag, "borrower_id": borrower["id"], "due_on": in_days(14)}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let stranger = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = stranger
        .get(app.url(&format!("/d/{}", tag.to_lowercase())))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for needed in [
        "Test Homes",
        "Riverside Hub",
        "1 River Street, Leeds LS1 1AA",
        "0113 496 0000",
        "Monday to Friday",
    ] {
        assert!(html.contains(needed), "{needed} missing");
    }
    for private in [
        "Margaret",
        "07700 900555",
        "E1 5HR",
        "SN-SECRET-1",
        "On loan",
        "on_loan",
        "Due",
    ] {
        assert!(!html.contains(private), "{private} shown to a stranger");
    }
    let unknown = stranger.get(app.url("/d/TST-99999")).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    // Staff who are signed in still go to the device's page.
    let staff = app
        .client
        .get(app.url(&format!("/d/{}", tag.to_lowercase())))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(staff.status(), StatusCode::SEE_OTHER);
    assert_eq!(staff.headers()["location"], format!("/devices/{tag}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn each_change_is_confirmed_once_on_the_next_page_without_names_in_the_address() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let device = json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let tag = device["asset_tag"].as_str().unwrap().to_owned();
    let borrower = json_of(
        app.post(
            "/api/v1/borrowers",
            &json!({"name": "Margaret Ellis", "phone": "07700 900555", "consent": {"data_processing": true}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let browser = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let due = in_days(21);
    let lent = browser
        .post(app.url(&format!("/devices/{tag}/issue")))
        .bearer_auth(&app.token)
        .form(&[
            ("borrower_id", borrower["id"].to_string()),
            ("due_on", due.clone()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(lent.status(), StatusCode::SEE_OTHER);
    let location = lent.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(!location.contains("Margaret"), "{location}");
    let page = |path: String| {
        let (browser, token) = (browser.clone(), app.token.clone());
        async move {
            browser
                .get(path)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let first = page(app.url(&location)).await;
    let when = lendhub::dates::long_date(lendhub::dates::parse_date(&due).unwrap());
    assert!(
        first.contains(&format!("{tag} lent to Margaret Ellis, due back on {when}.")),
        "{first}"
    );
    assert!(first.contains("role=\"status\""));
    let again = page(app.url(&location)).await;
    assert!(!again.contains("lent to Margaret Ellis"), "shown once");
}

#[tokio::test(flavor = "multi_thread")]
async fn each_role_starts_where_its_work_is_and_is_told_plainly_what_it_cannot_do() {
    let app = TestApp::spawn().await;
    let trainer = app
        .staff_token("trainer@example.org", lendhub::auth::Role::Trainer)
        .await;
    let hub_staff = app
        .staff_token("staff@example.org", lendhub::auth::Role::HubStaff)
        .await;
    let home = |token: String| {
        let app = &app;
        async move {
            app.get_as(Some(&token), "/").await.headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(home(trainer).await, "/training");
    let dashboard = app.get_as(Some(&hub_staff), "/").await;
    assert_eq!(dashboard.status(), StatusCode::OK);
    assert!(dashboard.text().await.unwrap().contains("<h1>Dashboard</h1>"));
    let outbox = app.get_as(Some(&hub_staff), "/reminders/outbox").await;
    assert_eq!(outbox.status(), StatusCode::FORBIDDEN);
    let text = outbox.text().await.unwrap();
    assert!(
        text.contains("outbox") && !text.contains("staff accounts"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_checks_offer_only_the_wipe_methods_that_fit_the_device() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let mifi = json_of(
        app.add_device(hub, json!({"kind": "mifi", "make": "Huawei", "model": "E5576"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let tag = mifi["asset_tag"].as_str().unwrap();
    let borrower = app.borrower("Ann Jones").await;
    let loan = app.issue(tag, borrower).await;
    app.return_loan(loan).await;
    let page = app.page_text(&format!("/devices/{tag}/checks")).await;
    assert!(page.contains("MiFi reset to factory settings"));
    for other in ["Reset this PC", "iPadOS", "Powerwash"] {
        assert!(!page.contains(other), "{other} offered for a MiFi");
    }
    let refused = app
        .post(
            &format!("/api/v1/devices/{tag}/checks"),
            &json!({"wiped": true, "wipe_method": "windows_reset", "complete": true, "condition": "good"}),
        )
        .await;
    let body = json_of(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["error"]["field"], "wipe_method");
    assert!(
        !body["error"]["message"].as_str().unwrap().contains('_'),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_device_page_shows_its_qr_code_and_when_past_loans_came_back() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let device = json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let tag = device["asset_tag"].as_str().unwrap();
    let borrower = app.borrower("Ann Jones").await;
    let loan = app.issue(tag, borrower).await;
    let response = app
        .post(
            &format!("/api/v1/loans/{loan}/return"),
            &json!({"condition": "fair", "notes": "Scuffed lid"}),
        )
        .await;
    json_of(response, StatusCode::OK).await;
    let page = app.page_text(&format!("/devices/{tag}")).await;
    let today = lendhub::dates::long_date(lendhub::dates::today(chrono::Utc::now()));
    assert!(page.contains(&format!("Returned {today}")), "{page}");
    assert!(page.contains("Scuffed lid"));
    assert!(page.contains(&format!("/devices/{tag}/qr.svg")));
    let qr = app
        .client
        .get(app.url(&format!("/devices/{tag}/qr.svg")))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(qr.status(), StatusCode::OK);
    assert_eq!(qr.headers()[header::CONTENT_TYPE], "image/svg+xml");
    let svg = qr.text().await.unwrap();
    assert!(
        svg.starts_with("<svg") && svg.matches("<rect").count() > 50,
        "{svg}"
    );
    let stranger = app
        .client
        .get(app.url(&format!("/devices/{tag}/qr.svg")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stranger.status(),
        StatusCode::SEE_OTHER,
        "only staff get the image"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_is_changed_through_its_page() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Whitechapel").await;
    app.hub("Bow Library").await;
    let client = browser(&app).await;
    let list = page(&client, &app, "/hubs").await;
    assert!(list.contains(&format!("href=\"/hubs/{hub}\"")), "{list}");
    let path = format!("/hubs/{hub}");
    let form = page(&client, &app, &path).await;
    assert!(form.contains("Change Whitechapel") && form.contains("1 High Street"));

    refused(
        submit(
            &client,
            &app,
            &path,
            &[
                ("name", "Bow Library"),
                ("address", ""),
                ("opening_hours", ""),
                ("phone", ""),
            ],
        )
        .await,
        "there is already a hub called Bow Library",
    )
    .await;
    let saved = submit(
        &client,
        &app,
        &path,
        &[
            ("name", "Whitechapel Idea Store"),
            ("address", "321 Whitechapel Road"),
            ("opening_hours", "Tuesdays, 10am to 1pm"),
            ("phone", "020 7946 0123"),
        ],
    )
    .await;
    moved_to(&saved, "/hubs");
    let list = page(&client, &app, "/hubs").await;
    for shown in [
        "Whitechapel Idea Store saved",
        "321 Whitechapel Road",
        "Tuesdays, 10am to 1pm",
        "020 7946 0123",
    ] {
        assert!(list.contains(shown), "{shown:?} not in {list}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn choosing_a_borrower_shows_what_each_already_has() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Whitechapel").await;
    for _ in 0..3 {
        json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    }
    let ada = app.borrower("Ada Lovelace").await;
    app.borrower("Adam Smith").await;
    let loan = app.issue("TST-00001", ada).await;
    let sql = format!("UPDATE loans SET due_on = '{}' WHERE id = {loan}", in_days(-5));
    sea_orm::ConnectionTrait::execute_unprepared(&app.db.write, &sql)
        .await
        .unwrap();
    app.issue("TST-00002", ada).await;

    let client = browser(&app).await;
    let html = page(&client, &app, "/devices/TST-00003/issue?q=ada").await;
    let with_two =
        &html[html.find("Lend to Ada Lovelace").unwrap()..html.find("Lend to Adam Smith").unwrap()];
    assert!(
        with_two.contains("Overdue:</strong> Has <a href=\"/loans/"),
        "{with_two}"
    );
    assert!(
        with_two.contains(">TST-00001</a>") && with_two.contains(">TST-00002</a>"),
        "{with_two}"
    );
    assert_eq!(
        with_two.matches("Overdue:").count(),
        1,
        "only the late one is overdue"
    );
    let with_none = &html[html.find("Lend to Adam Smith").unwrap()..];
    assert!(with_none.contains("No device on loan"), "{with_none}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_is_counted_through_the_stocktake_pages() {
    let app = TestApp::spawn().await;
    let riverside = app.hub("Riverside").await;
    for _ in 0..2 {
        json_of(app.add_device(riverside, json!({})).await, StatusCode::CREATED).await;
    }
    let client = browser(&app).await;
    assert!(
        page(&client, &app, "/hubs")
            .await
            .contains("href=\"/stocktakes\"")
    );
    refused(
        submit(&client, &app, "/stocktakes", &[("hub_id", "")]).await,
        "Choose the hub to count",
    )
    .await;
    let started = submit(
        &client,
        &app,
        "/stocktakes",
        &[("hub_id", &riverside.to_string())],
    )
    .await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let at = started.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let html = page(&client, &app, &at).await;
    assert!(
        html.contains("Stocktake of Riverside started"),
        "the message after starting: {html}"
    );
    assert!(html.contains("Still to find (2)"), "{html}");

    // A scanner types the label's address; the page says what it was.
    let label = format!("{}/d/TST-00001", app.base);
    let scanned = submit(&client, &app, &format!("{at}/scans"), &[("asset_tag", &label)]).await;
    moved_to(&scanned, &format!("{at}#scan"));
    let html = page(&client, &app, &at).await;
    assert!(html.contains("TST-00001 found: Lenovo ThinkPad T480"), "{html}");
    assert!(
        html.contains("Found (1)") && html.contains("Still to find (1)"),
        "{html}"
    );
    refused(
        submit(
            &client,
            &app,
            &format!("{at}/scans"),
            &[("asset_tag", "TST-00404")],
        )
        .await,
        "There is no device with asset tag TST-00404",
    )
    .await;

    // Closing asks first, and says what will be missing.
    let asked = submit(&client, &app, &format!("{at}/close"), &[]).await;
    assert_eq!(asked.status(), StatusCode::OK);
    let asked = asked.text().await.unwrap();
    assert!(
        asked.contains("1 device not scanned yet will be listed as missing"),
        "{asked}"
    );
    let closed = submit(&client, &app, &format!("{at}/close"), &[("confirmed", "yes")]).await;
    moved_to(&closed, &at);
    let html = page(&client, &app, &at).await;
    assert!(html.contains("Stocktake closed: 1 found, 1 missing"), "{html}");
    assert!(
        html.contains("Missing (1)") && html.contains("Report missing"),
        "{html}"
    );
    assert!(!html.contains("Count it"), "no scan box once closed");
    let asked = submit(
        &client,
        &app,
        &format!("{at}/report-missing"),
        &[("asset_tag", "TST-00002")],
    )
    .await;
    assert!(asked.text().await.unwrap().contains("Report TST-00002 lost?"));
    let reported = submit(
        &client,
        &app,
        &format!("{at}/report-missing"),
        &[("asset_tag", "TST-00002"), ("confirmed", "yes")],
    )
    .await;
    moved_to(&reported, &at);
    let html = page(&client, &app, &at).await;
    assert!(html.contains("TST-00002 reported missing"), "{html}");
    let device = json_of(app.get("/api/v1/devices/TST-00002").await, StatusCode::OK).await;
    assert_eq!(device["status"], "lost");
    assert!(
        page(&client, &app, "/stocktakes")
            .await
            .contains(&format!("href=\"{at}\""))
    );
}
