//! Behind a reverse proxy (`LENDHUB_TRUSTED_PROXIES`): a trusted proxy's word about the client's
//! address and HTTPS is believed, anyone else's is not.

use crate::helpers::{PASSWORD, TestApp};
use reqwest::{StatusCode, header};

/// Signs in as the admin with `password`, the request carrying `headers` as a proxy would.
async fn sign_in(app: &TestApp, password: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/login"))
        .form(&[("email", "admin@example.org"), ("password", password)]);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn secure_cookie(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("lendhub_session=") && v.contains("; Secure"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trusted_proxy_is_believed_about_https_and_the_client_and_no_one_else_is() {
    let behind = TestApp::spawn_with(|config| {
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let https = [
        ("x-forwarded-proto", "https"),
        ("x-forwarded-for", "198.51.100.7"),
    ];

    // The proxy says the client used HTTPS: the cookie is Secure and browsers are told to stay.
    let answer = sign_in(&behind, PASSWORD, &https).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert!(secure_cookie(&answer));
    assert!(answer.headers().contains_key(header::STRICT_TRANSPORT_SECURITY));
    let plain = sign_in(&behind, PASSWORD, &[("x-forwarded-proto", "http")]).await;
    assert!(!secure_cookie(&plain));
    assert!(!plain.headers().contains_key(header::STRICT_TRANSPORT_SECURITY));

    // Five wrong passwords lock out the client the proxy names, not everyone behind the proxy.
    let one = [("x-forwarded-for", "198.51.100.1")];
    for _ in 0..5 {
        assert_eq!(
            sign_in(&behind, "wrong", &one).await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(
        sign_in(&behind, PASSWORD, &one).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // What the client wrote itself, left of the address the proxy appended, changes nothing.
    let disguised = [("x-forwarded-for", "203.0.113.50, 198.51.100.1")];
    assert_eq!(
        sign_in(&behind, PASSWORD, &disguised).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let other = [("x-forwarded-for", "198.51.100.2")];
    assert_eq!(
        sign_in(&behind, PASSWORD, &other).await.status(),
        StatusCode::SEE_OTHER
    );

    // Without trusted proxies the same headers are only words: no Secure cookie, no HSTS, and
    // the throttle counts the connection, whatever address it claims.
    let direct = TestApp::spawn().await;
    let answer = sign_in(&direct, PASSWORD, &https).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert!(!secure_cookie(&answer));
    assert!(!answer.headers().contains_key(header::STRICT_TRANSPORT_SECURITY));
    for _ in 0..5 {
        assert_eq!(
            sign_in(&direct, "wrong", &one).await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(
        sign_in(&direct, PASSWORD, &other).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}
