//! The application put together: which features exist, the layers around them, and serving it.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderName, HeaderValue, Request, Uri, header},
    middleware,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use tower::ServiceBuilder;
use tower_http::{
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
    agreements, auth, config::Config, devices, error::AppError, hubs, labels, loans, people, reminders,
    state::AppState, training, web,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "lendhub", description = "Device loans for digital-inclusion schemes."),
    modifiers(&BearerAuth),
    tags((name = "auth"), (name = "hubs"), (name = "devices"), (name = "borrowers"), (name = "loans"), (name = "agreements"), (name = "repairs"), (name = "labels"), (name = "reminders"), (name = "training"))
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
        .split_for_parts();
    openapi.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    (router, openapi)
}

/// The staff web pages: every feature's, with error pages for what goes wrong.
fn pages() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/devices") }))
        .merge(auth::routes::pages())
        .merge(hubs::routes::pages())
        .merge(devices::pages::router())
        .merge(people::pages::router())
        .merge(loans::pages::router())
        .merge(agreements::pages::router())
        .merge(reminders::pages::router())
        .merge(training::pages::router())
        .merge(labels::pages::router())
        .fallback(|| async { AppError::NotFound("there is no such page".into()) })
        .layer(middleware::from_fn(web::error_pages))
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
        ));
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(api)
        .merge(pages())
        .route("/healthz", get(healthz))
        .merge(training::routes::calendar())
        .route("/assets/{*path}", get(web::asset))
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                    let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", method = %request.method(), uri = %request.uri().path(), id = %id)
                }))
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(security_headers)
                .layer(CompressionLayer::new())
                .layer(RequestBodyLimitLayer::new(2 * 1024 * 1024))
                .layer(CsrfLayer::new()),
        )
}

async fn api_not_found(uri: Uri) -> AppError {
    AppError::NotFound(format!("there is no API call at {}", uri.path()))
}

async fn healthz(State(app): State<AppState>) -> Response {
    match app.db.read.ping().await {
        Ok(()) => "ok".into_response(),
        Err(err) => AppError::internal(err).into_response(),
    }
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
        println!(
            "No staff account exists yet. Open this one-time link to set up lendhub:\n  {}/setup?token={token}",
            config.public_url
        );
        Some(Arc::from(token))
    } else {
        None
    };
    let config = Arc::new(config);
    reminders::service::spawn_background(db.clone(), Arc::clone(&config));
    let state = AppState {
        db,
        config,
        setup_token,
    };
    tracing::info!(%address, "lendhub is listening");
    println!("lendhub is listening on http://{address}");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
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
