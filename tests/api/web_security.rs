//! Sign-in through the pages, sessions, set-up and the headers every response carries.

use crate::helpers::{PASSWORD, TestApp};
use reqwest::{Client, StatusCode, header};

fn session_of(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("lendhub_session="))
        .map(str::to_owned)
}

async fn sign_in(app: &TestApp, client: &Client, next: &str) -> reqwest::Response {
    client
        .post(app.url("/login"))
        .form(&[
            ("email", "admin@example.org"),
            ("password", PASSWORD),
            ("next", next),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_need_a_session_and_sign_in_returns_to_the_page_asked_for() {
    let app = TestApp::spawn().await;
    let client = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let page = client.get(app.url("/devices/TST-00001")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        page.headers()[header::LOCATION],
        "/login?next=%2Fdevices%2FTST-00001"
    );

    let first = sign_in(&app, &client, "/devices/TST-00001").await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(first.headers()[header::LOCATION], "/devices/TST-00001");
    let cookie = session_of(&first).expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    // Signed in, the device list is a page; an unknown device a friendly 404 page.
    let list = client.get(app.url("/devices")).send().await.unwrap();
    assert_eq!(list.status(), StatusCode::OK);
    assert!(list.text().await.unwrap().contains("<h1>Devices</h1>"));
    let missing = client.get(app.url("/devices/TST-00404")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(
        missing.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        missing
            .text()
            .await
            .unwrap()
            .contains("There is no device with asset tag TST-00404")
    );

    // Every sign-in gets a new session id.
    let second = sign_in(&app, &client, "/devices").await;
    assert_ne!(session_of(&second), Some(cookie));

    // Signing out ends the session on the server, not only in the browser.
    let stolen = session_of(&second).unwrap();
    let stolen = stolen.split(';').next().unwrap().to_owned();
    let out = client.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let replayed = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/devices"))
        .header(header::COOKIE, stolen)
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_shows_the_form_again_with_an_error() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/login"))
        .form(&[("email", "admin@example.org"), ("password", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(session_of(&response).is_none());
    let html = response.text().await.unwrap();
    assert!(html.contains("There is a problem"));
    assert!(html.contains("The email address or password is not right"));
    assert!(html.contains("value=\"admin@example.org\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn responses_carry_the_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/login", "/api/v1/devices", "/healthz", "/nowhere"] {
        let response = app.get_as(None, path).await;
        let headers = response.headers();
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert!(headers.contains_key(header::REFERRER_POLICY), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cross_site_form_posts_are_refused() {
    let app = TestApp::spawn().await;
    let forged = app
        .client
        .post(app.url("/login"))
        .header("sec-fetch-site", "cross-site")
        .header(header::ORIGIN, "https://evil.example")
        .form(&[("email", "admin@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(session_of(&forged).is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn setup_is_gone_once_an_account_exists() {
    let app = TestApp::spawn().await;
    let page = app.get_as(None, "/setup?token=test-setup-token").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let post = app
        .client
        .post(app.url("/setup"))
        .form(&[
            ("token", "test-setup-token"),
            ("organisation_name", "Takeover Ltd"),
            ("asset_prefix", "EVL"),
            ("name", "Mallory"),
            ("email", "mallory@example.org"),
            ("password", "a long enough password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::NOT_FOUND);
    let token = app
        .post_as(
            None,
            "/api/v1/tokens",
            &serde_json::json!({"email": "mallory@example.org", "password": "a long enough password"}),
        )
        .await;
    assert_eq!(token.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
