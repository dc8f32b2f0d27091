//! Health and metrics as a monitoring system reads them: `/healthz` and `/readyz`, and
//! `/metrics` parsed as Prometheus text, with the outbox's figures moving as an email waits and
//! goes; from loopback or with the token, and never for a request relayed by a proxy.

use chrono::{Duration, Utc};
use lendhub::entities::reminder;
use lendhub::reminders::model::{Channel, ReminderKind, ReminderStatus};
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

use crate::helpers::{TestApp, json_of};

/// The samples of a scrape, as `(name, labels) -> value`.
async fn scrape(app: &TestApp, headers: &[(&str, &str)]) -> Vec<prometheus_parse::Sample> {
    let mut request = app.client.get(app.url("/metrics"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    prometheus_parse::Scrape::parse(lines)
        .expect("Prometheus text")
        .samples
}

fn gauge(samples: &[prometheus_parse::Sample], name: &str) -> f64 {
    let sample = samples
        .iter()
        .find(|s| s.metric == name)
        .unwrap_or_else(|| panic!("no {name}"));
    match sample.value {
        prometheus_parse::Value::Gauge(v) | prometheus_parse::Value::Untyped(v) => v,
        ref other => panic!("{name} is {other:?}"),
    }
}

// Counts and whole seconds are exact in an f64.
#[allow(clippy::float_cmp)]
#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_requests_by_route_and_follow_the_outbox() {
    let app = TestApp::spawn_with(|config| config.metrics_token = Some("watch-it".into())).await;
    assert_eq!(app.get("/healthz").await.text().await.unwrap(), "ok");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.text().await.unwrap(), "ready");
    let hub = app.hub("Riverside").await;
    json_of(app.get(&format!("/api/v1/hubs/{hub}")).await, StatusCode::OK).await;

    // A route's pattern has braces, which prometheus-parse cannot read inside a label value (the
    // format allows them, and Prometheus reads them): those lines are checked as text.
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(
        text.lines().any(|l| l.starts_with(r#"lendhub_http_requests_total{route="/api/v1/hubs/{id}",status="200"} "#)),
        "requests by route and status:\n{text}"
    );
    let samples = scrape(&app, &[]).await;
    assert!(
        samples
            .iter()
            .any(|s| s.metric == "lendhub_http_request_duration_seconds"
                && matches!(s.value, prometheus_parse::Value::Histogram(_))),
        "latency is a histogram with buckets"
    );
    assert!(
        !text.contains(&format!("/hubs/{hub}\"")),
        "routes are labelled by their pattern, never the path"
    );
    assert_eq!(gauge(&samples, "lendhub_outbox_depth"), 0.0);

    // An email waits an hour: the depth and the oldest's age move; once sent, they fall back.
    let queued = Utc::now() - Duration::hours(1);
    reminder::Entity::insert(reminder::ActiveModel {
        organisation_id: Set(app.organisation_id),
        dedupe_key: Set("metrics-digest".into()),
        kind: Set(ReminderKind::Digest),
        step: Set(0),
        channel: Set(Channel::Email),
        status: Set(ReminderStatus::Queued),
        recipient_email: Set(Some("coordinator@example.org".into())),
        subject: Set("Weekly digest".into()),
        body_text: Set("Hello".into()),
        next_attempt_at: Set(queued),
        created_at: Set(queued),
        updated_at: Set(queued),
        ..Default::default()
    })
    .exec_without_returning(&app.db.write)
    .await
    .unwrap();
    let samples = scrape(&app, &[]).await;
    assert_eq!(gauge(&samples, "lendhub_outbox_depth"), 1.0);
    let age = gauge(&samples, "lendhub_outbox_oldest_undelivered_seconds");
    assert!(
        (3590.0..3700.0).contains(&age),
        "the oldest waited an hour: {age}"
    );
    reminder::Entity::update_many()
        .col_expr(
            reminder::Column::Status,
            Expr::value(ReminderStatus::Sent.as_str()),
        )
        .filter(reminder::Column::DedupeKey.eq("metrics-digest"))
        .exec(&app.db.write)
        .await
        .unwrap();
    let samples = scrape(&app, &[]).await;
    assert_eq!(gauge(&samples, "lendhub_outbox_depth"), 0.0);
    assert_eq!(gauge(&samples, "lendhub_outbox_oldest_undelivered_seconds"), 0.0);

    // Relayed by a proxy, loopback is not enough: the token is.
    let relayed = app
        .client
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(relayed.status(), StatusCode::FORBIDDEN);
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .bearer_auth("guess")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    scrape(
        &app,
        &[
            ("x-forwarded-for", "203.0.113.9"),
            ("authorization", "Bearer watch-it"),
        ],
    )
    .await;
}

fn counter(samples: &[prometheus_parse::Sample], name: &str, label: (&str, &str)) -> f64 {
    samples
        .iter()
        .filter(|s| s.metric == name && s.labels.get(label.0) == Some(label.1))
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) => v,
            ref other => panic!("{name} is {other:?}"),
        })
        .sum()
}

#[allow(clippy::float_cmp)]
#[tokio::test(flavor = "multi_thread")]
async fn metrics_time_each_reminder_sweep_and_show_the_database_connections() {
    let app = TestApp::spawn().await;
    let before = scrape(&app, &[]).await;
    let sweeps = "lendhub_reminder_sweeps_total";
    let ok_before = counter(&before, sweeps, ("result", "ok"));
    let config = lendhub::config::Config::for_database(&app.database_url);
    lendhub::reminders::service::sweep_tick(&app.db, &config).await;
    let after = scrape(&app, &[]).await;
    // The recorder is the test process's own, shared by tests that run beside this one.
    assert!(
        counter(&after, sweeps, ("result", "ok")) > ok_before,
        "the sweep is counted"
    );
    assert!(
        after
            .iter()
            .any(|s| s.metric == "lendhub_reminder_sweep_duration_seconds"
                && matches!(s.value, prometheus_parse::Value::Histogram(_))),
        "sweeps are timed"
    );
    let connections: Vec<_> = after
        .iter()
        .filter(|s| s.metric == "lendhub_db_connections")
        .collect();
    assert!(
        connections
            .iter()
            .any(|s| s.labels.get("state") == Some("in_use"))
            && connections.iter().any(|s| s.labels.get("state") == Some("idle")),
        "connections in use and idle: {connections:?}"
    );
}

#[test]
fn the_version_names_the_release_and_its_commit() {
    let out = crate::helpers::run(std::process::Command::new(env!("CARGO_BIN_EXE_lendhub")).arg("--version"));
    let version = out.trim();
    let commit = version
        .strip_prefix(&format!("lendhub {} (commit ", env!("CARGO_PKG_VERSION")))
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{version}"));
    assert!(
        commit == "unknown" || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{version}"
    );
}
