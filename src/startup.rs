//! The application put together: which features exist, the layers around them, and serving it.

use std::sync::Arc;

use axum::{
    Json, Router,
    http::{HeaderName, HeaderValue, Request, Uri, header},
    middleware,
    response::Redirect,
    routing::get,
};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    csrf::CsrfLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    trace::TraceLayer,
};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::{
    agreements, auth,
    config::Config,
    devices, directory,
    error::{self, AppError},
    follow_ups, hubs, imports, labels, loans, organisations, people, privacy, referrals, reminders, reports,
    reservations, sharing, sims, staff,
    state::AppState,
    stocktakes, training, waiting, web,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "lendhub", description = "Device loans for digital-inclusion schemes."),
    modifiers(&BearerAuth),
    // Named only by a query parameter's `value_type`, which does not register it.
    components(schemas(labels::model::Layout, devices::model::DeviceKind, referrals::model::ReferralStatus)),
    tags((name = "auth"), (name = "hubs"), (name = "devices"), (name = "borrowers"), (name = "loans"), (name = "agreements"), (name = "repairs"), (name = "labels"), (name = "reminders"), (name = "training"), (name = "stocktakes"), (name = "reports"), (name = "staff"), (name = "imports"), (name = "sharing"))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The JSON API and its OpenAPI description: every feature's calls.
fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::routes::api())
        .merge(hubs::routes::api())
        .merge(devices::routes::api())
        .merge(people::routes::api())
        .merge(loans::routes::api())
        .merge(agreements::routes::api())
        .merge(reminders::routes::api())
        .merge(training::routes::api())
        .merge(labels::routes::api())
        .merge(stocktakes::routes::api())
        .merge(reports::routes::api())
        .merge(staff::routes::api())
        .merge(imports::routes::api())
        .merge(organisations::routes::api())
        .merge(privacy::routes::api())
        .merge(referrals::routes::api())
        .merge(waiting::routes::api())
        .merge(reservations::routes::api())
        .merge(follow_ups::routes::api())
        .merge(sims::routes::api())
        .merge(directory::routes::api())
        .merge(sharing::routes::api())
        .split_for_parts();
    utoipa::Modify::modify(&web::openapi::ErrorResponses, &mut openapi);
    utoipa::Modify::modify(&web::openapi::TextRules, &mut openapi);
    openapi.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    (router, openapi)
}

/// The staff web pages: every feature's, with error pages for what goes wrong.
fn pages(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(auth::routes::pages())
        .merge(hubs::routes::pages())
        .merge(devices::pages::router())
        .merge(stocktakes::pages::router())
        .merge(referrals::pages::router())
        .merge(waiting::pages::router())
        .merge(reservations::pages::router())
        .merge(follow_ups::pages::router())
        .merge(sims::pages::router())
        .merge(directory::pages::router())
        .merge(sharing::pages::router())
        .merge(people::pages::router())
        .merge(loans::pages::router())
        .merge(agreements::pages::router())
        .merge(reminders::pages::router())
        .merge(training::pages::router())
        .merge(labels::pages::router())
        .merge(reports::pages::router())
        .merge(staff::pages::router())
        .merge(imports::pages::router())
        .merge(organisations::pages::router())
        .merge(privacy::pages::router())
        .fallback(|| async { AppError::NotFound("there is no such page".into()) })
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(middleware::from_fn_with_state(state.clone(), web::error_pages))
        .layer(middleware::from_fn(web::flash))
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api();
    let openapi = Arc::new(openapi);
    let api = Router::new()
        .nest("/api/v1", api)
        .route(
            "/api/openapi.json",
            get(move || async move { Json(openapi.as_ref().clone()) }),
        )
        .route("/api/{*rest}", axum::routing::any(api_not_found));
    let security_headers = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(web::CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        // Pages and answers hold personal data: nothing keeps a copy unless its handler says it
        // may (the assets, the label sheets).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let request_id = HeaderName::from_static("x-request-id");
    // Who the client is and whether it spoke HTTPS (for HSTS, Secure cookies, throttling).
    let origin = middleware::from_fn_with_state(state.clone(), web::proxy::layer);
    Router::new()
        .merge(api)
        .merge(pages(&state))
        .route("/healthz", get(web::metrics::healthz))
        .route("/readyz", get(web::metrics::readyz))
        .route("/metrics", get(web::metrics::metrics))
        .merge(training::routes::calendar())
        .merge(directory::routes::feed())
        .route("/assets/{*path}", get(web::asset))
        .route("/favicon.ico", get(|| async { Redirect::permanent("/assets/favicon.svg") }))
        .route_layer(middleware::from_fn(web::metrics::track))
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                    let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", method = %request.method(), path = %loggable_path(request.uri().path()), id = %id)
                }))
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(security_headers)
                .layer(origin)
                .layer(CatchPanicLayer::custom(error::panic_response))
                .layer(CompressionLayer::new())
                .layer(RequestBodyLimitLayer::new(error::BODY_LIMIT))
                .layer(CsrfLayer::new()),
        )
        .layer(middleware::map_response(error::too_large_in_shape))
}

/// The path as the log may keep it: a calendar address is a secret, so its last part is hidden.
/// The path as logs keep it: the secrets some paths carry (a calendar address, a one-time
/// password link, an upload's id, a referral link's key) are left out.
fn loggable_path(path: &str) -> &str {
    for secret in ["/calendar/", "/password/", "/imports/", "/r/", "/join/", "/f/"] {
        if path.starts_with(secret) {
            return secret;
        }
    }
    path
}

async fn api_not_found(uri: Uri) -> AppError {
    AppError::NotFound(format!("there is no API call at {}", uri.path()))
}

/// Applies pending migrations, then serves until Ctrl-C or SIGTERM.
pub async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    use migration::MigratorTrait;
    let db = crate::db::connect(&config.database_url).await?;
    migration::Migrator::up(&db.write, None).await?;
    let listener = tokio::net::TcpListener::bind(&config.bind).await?;
    let address = listener.local_addr()?;
    let setup_token = if auth::service::needs_setup(&db.read).await? {
        let token = auth::service::new_secret();
        announce(
            &config,
            &format!(
                "No staff account exists yet. Open this one-time link to set up lendhub:\n  {}/setup?token={token}",
                config.public_url
            ),
        );
        Some(Arc::from(token))
    } else {
        None
    };
    let config = Arc::new(config);
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let workers = workers(&db, &config, &stopping)?;
    let state = AppState {
        db,
        config,
        setup_token,
        imports: imports::model::Jobs::default(),
    };
    announce(
        &state.config,
        &format!("lendhub is listening on http://{address}"),
    );
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    // Requests in flight have been answered; each worker finishes the run it is in, then stops.
    let _ = stop.send(true);
    for worker in workers {
        if tokio::time::timeout(std::time::Duration::from_mins(1), worker)
            .await
            .is_err()
        {
            tracing::warn!("a background worker did not stop within a minute");
        }
    }
    tracing::info!("lendhub stopped");
    Ok(())
}

/// The background work of `serve`, each in a task of its own so that one cannot hold up another:
/// the reminder sweep, outbox delivery, and a daily purge of expired sessions, tokens, sign-in
/// attempts and access-log entries past 12 months, with the retention run and a tidy of the
/// search index.
fn workers(
    db: &crate::db::Db,
    config: &Arc<Config>,
    stopping: &tokio::sync::watch::Receiver<bool>,
) -> Result<Vec<tokio::task::JoinHandle<()>>, AppError> {
    let mailer = reminders::service::mailer(config)?;
    if mailer.is_none() {
        tracing::warn!("LENDHUB_SMTP_URL is not set: reminder emails stay queued until it is");
    }
    let (sweep_db, sweep_config) = (db.clone(), Arc::clone(config));
    let deliver_db = db.clone();
    let (purge_db, idle, months) = (db.clone(), config.session_idle, config.retention_months);
    // A sweep that queued emails wakes delivery at once rather than at its next tick.
    let swept = Arc::new(tokio::sync::Notify::new());
    let wake_delivery = Arc::clone(&swept);
    Ok(vec![
        every(config.reminder_interval, stopping.clone(), None, move || {
            let (db, config, swept) = (sweep_db.clone(), Arc::clone(&sweep_config), Arc::clone(&swept));
            async move {
                follow_ups::service::ask_tick(&db, &config).await;
                sims::service::ending_tick(&db).await;
                reminders::service::sweep_tick(&db, &config).await;
                waiting::service::holds_tick(&db, config.hold_days).await;
                crate::reports::funder::kept::refresh_tick(&db).await;
                swept.notify_one();
            }
        }),
        every(
            config.reminder_interval,
            stopping.clone(),
            Some(wake_delivery),
            move || {
                let (db, mailer) = (deliver_db.clone(), mailer.clone());
                async move { reminders::service::deliver_tick(&db, mailer.as_ref()).await }
            },
        ),
        every(
            std::time::Duration::from_hours(24),
            stopping.clone(),
            None,
            move || {
                let db = purge_db.clone();
                async move {
                    auth::service::purge_tick(&db, idle).await;
                    people::service::purge_access_log_tick(&db).await;
                    privacy::service::retention_tick(&db, months).await;
                    crate::devices::service::tidy_search_index_tick(&db).await;
                }
            },
        ),
    ])
}

/// Tells whoever started `serve`: a line on standard output, or with JSON logs a log event, so a
/// log collector reads nothing but JSON.
fn announce(config: &Config, message: &str) {
    match config.log_format {
        crate::config::LogFormat::Text => println!("{message}"),
        crate::config::LogFormat::Json => tracing::info!("{message}"),
    }
}

/// Runs `job` now, then every `period` (and whenever `wake` is notified) until `stopping` turns
/// true; a run in progress is finished, never cut off.
fn every<F, Fut>(
    period: std::time::Duration,
    mut stopping: tokio::sync::watch::Receiver<bool>,
    wake: Option<Arc<tokio::sync::Notify>>,
    mut job: F,
) -> tokio::task::JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let woken = async || match &wake {
            Some(wake) => wake.notified().await,
            None => std::future::pending().await,
        };
        loop {
            tokio::select! {
                _ = ticks.tick() => job().await,
                () = woken() => job().await,
                _ = stopping.changed() => break,
            }
        }
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn secrets_in_paths_stay_out_of_the_logs() {
        assert_eq!(loggable_path("/password/abc123secret"), "/password/");
        assert_eq!(loggable_path("/calendar/feedsecret.ics"), "/calendar/");
        assert_eq!(loggable_path("/imports/uploadid"), "/imports/");
        assert_eq!(loggable_path("/r/referralkey"), "/r/");
        assert_eq!(loggable_path("/devices/TCH-00042"), "/devices/TCH-00042");
    }
}
