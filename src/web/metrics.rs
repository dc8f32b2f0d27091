//! Health and metrics for whoever runs lendhub: `/healthz` (the process answers), `/readyz` (the
//! database answers and every migration is applied) and `/metrics` in Prometheus's text format,
//! drawn by `metrics-exporter-prometheus`: requests by matched route and status, their latency as
//! a histogram, and the outbox's depth and oldest email's age read from the database at each
//! scrape, so every instance reports the same; the reminder sweep's duration and result and the
//! emails it led to (`reminders::service`), and the database pools' connections in use. `/metrics` answers a loopback client that came
//! through no proxy, or a bearer of `LENDHUB_METRICS_TOKEN`; nothing in it names a person.

use std::{net::SocketAddr, sync::OnceLock, time::Instant};

use axum::{
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::{error::AppError, reminders, state::AppState};

/// Seconds: from a page served from memory to a slow report.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's one recorder, installed the first time it is asked for.
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("lendhub_http_request_duration_seconds".into()),
                &LATENCY_BUCKETS,
            )
            .expect("the buckets are not empty")
            .set_buckets_for_metric(
                Matcher::Full("lendhub_reminder_sweep_duration_seconds".into()),
                &LATENCY_BUCKETS,
            )
            .expect("the buckets are not empty");
        // Installing fails only if another recorder is installed, and lendhub installs none.
        builder.install_recorder().expect("the metrics recorder")
    })
}

/// Counts each request under the route it matched (`/api/v1/devices/{tag}`, never the path
/// itself, which may carry an id or a secret) and its status, and times it.
pub async fn track(matched: Option<MatchedPath>, request: Request, next: Next) -> Response {
    handle();
    let route = matched.map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("lendhub_http_requests_total", "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("lendhub_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// `GET /healthz`: the process is alive.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database answers and no migration is waiting (503 otherwise).
pub async fn readyz(State(app): State<AppState>) -> Response {
    use migration::MigratorTrait;
    if let Err(err) = app.db.read.ping().await {
        return AppError::Unavailable(err).into_response();
    }
    match migration::Migrator::get_pending_migrations(&app.db.read).await {
        Ok(pending) if pending.is_empty() => "ready".into_response(),
        Ok(pending) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{} migrations not yet applied", pending.len()),
        )
            .into_response(),
        Err(err) => AppError::Unavailable(err).into_response(),
    }
}

/// `GET /metrics`.
pub async fn metrics(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if !may_read(&app, peer, &headers) {
        return Err(AppError::Forbidden(
            "metrics are read from the machine itself, or with LENDHUB_METRICS_TOKEN".into(),
        ));
    }
    let outbox = reminders::service::outbox_health(&app.db.read, Utc::now()).await?;
    #[allow(clippy::cast_precision_loss)] // an outbox's depth is far below 2^53
    metrics::gauge!("lendhub_outbox_depth").set(outbox.depth as f64);
    metrics::gauge!("lendhub_outbox_oldest_undelivered_seconds").set(outbox.oldest_seconds);
    for (pool, size, idle) in app.db.pool_use() {
        let in_use = size.saturating_sub(u32::try_from(idle).unwrap_or(u32::MAX));
        metrics::gauge!("lendhub_db_connections", "pool" => pool, "state" => "in_use").set(in_use);
        #[allow(clippy::cast_precision_loss)] // a pool holds a handful of connections
        metrics::gauge!("lendhub_db_connections", "pool" => pool, "state" => "idle").set(idle as f64);
    }
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        handle().render(),
    )
        .into_response())
}

/// A loopback client with no forwarding headers (a proxy on the same machine relays others'
/// requests from loopback), or the token.
fn may_read(app: &AppState, peer: SocketAddr, headers: &HeaderMap) -> bool {
    let forwarded = ["x-forwarded-for", "forwarded", "x-real-ip"]
        .iter()
        .any(|name| headers.contains_key(*name));
    if peer.ip().is_loopback() && !forwarded {
        return true;
    }
    let Some(token) = app.config.metrics_token.as_deref() else {
        return false;
    };
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        // Compared as hashes, so the time taken says nothing of how much of it matched.
        .is_some_and(|given| {
            crate::auth::service::sha256_hex(given.as_bytes())
                == crate::auth::service::sha256_hex(token.as_bytes())
        })
}
