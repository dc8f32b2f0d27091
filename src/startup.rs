//! The application: its shared state, its router, and serving it.

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
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    agreements, auth, config::Config, devices, error::AppError, hubs, labels, loans, people, reminders,
    training, web,
};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: crate::db::Db,
    pub config: Arc<Config>,
    /// The secret of the one-time set-up link, while no account exists.
    pub setup_token: Option<Arc<str>>,
}

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

/// The JSON API and its OpenAPI description.
fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::routes::create_token))
        .routes(routes!(auth::routes::me))
        .routes(routes!(hubs::routes::create, hubs::routes::list))
        .routes(routes!(devices::routes::create, devices::routes::list))
        .routes(routes!(devices::routes::show, devices::routes::update))
        .routes(routes!(devices::routes::events))
        .routes(routes!(people::routes::create, people::routes::search))
        .routes(routes!(people::routes::show, people::routes::update))
        .routes(routes!(loans::routes::issue))
        .routes(routes!(loans::routes::overdue))
        .routes(routes!(loans::routes::show))
        .routes(routes!(loans::routes::return_device))
        .routes(routes!(loans::routes::extend))
        .routes(routes!(loans::routes::lost))
        .routes(routes!(loans::routes::checks))
        .routes(routes!(loans::routes::found))
        .routes(routes!(loans::routes::retire))
        .routes(routes!(loans::routes::open_repair))
        .routes(routes!(loans::routes::close_repair))
        .routes(routes!(agreements::routes::show))
        .routes(routes!(agreements::routes::pdf))
        .routes(routes!(agreements::routes::accept))
        .routes(routes!(agreements::routes::paper))
        .routes(routes!(reminders::routes::call_list))
        .routes(routes!(reminders::routes::outcome))
        .routes(routes!(reminders::routes::list))
        .routes(routes!(reminders::routes::retry))
        .routes(routes!(
            training::routes::create_course,
            training::routes::courses
        ))
        .routes(routes!(
            training::routes::create_session,
            training::routes::sessions
        ))
        .routes(routes!(training::routes::session))
        .routes(routes!(training::routes::enrol))
        .routes(routes!(training::routes::attendance))
        .routes(routes!(training::routes::skills))
        .routes(routes!(training::routes::add_devices))
        .routes(routes!(training::routes::learner))
        .routes(routes!(training::routes::device_sessions))
        .routes(routes!(training::routes::loan_course))
        .routes(routes!(training::routes::new_feed))
        .routes(routes!(labels::routes::create))
        .routes(routes!(labels::routes::one))
        .split_for_parts();
    openapi.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    (router, openapi)
}

/// The staff web pages.
fn pages() -> Router<AppState> {
    use axum::routing::post;
    Router::new()
        .route("/", get(|| async { Redirect::to("/devices") }))
        .route("/login", get(auth::routes::login_page).post(auth::routes::login))
        .route("/logout", post(auth::routes::logout))
        .route("/setup", get(auth::routes::setup_page).post(auth::routes::setup))
        .route("/devices", get(devices::pages::list).post(devices::pages::create))
        .route("/devices/new", get(devices::pages::new))
        .route(
            "/devices/{tag}",
            get(devices::pages::show).post(devices::pages::update),
        )
        .route("/devices/{tag}/edit", get(devices::pages::edit))
        .route("/d/{tag}", get(devices::pages::scanned))
        .route("/hubs", get(hubs::routes::page).post(hubs::routes::add))
        .route(
            "/devices/{tag}/issue",
            get(loans::pages::choose_borrower).post(loans::pages::issue),
        )
        .route("/devices/{tag}/issue/details", get(loans::pages::issue_details))
        .route("/devices/{tag}/issue/check", post(loans::pages::issue_check))
        .route(
            "/devices/{tag}/checks",
            get(loans::pages::checks_page).post(loans::pages::checks),
        )
        .route("/devices/{tag}/found", post(loans::pages::found))
        .route(
            "/devices/{tag}/repair",
            get(loans::pages::repair_page).post(loans::pages::open_repair),
        )
        .route(
            "/devices/{tag}/retire",
            get(loans::pages::retire_page).post(loans::pages::retire),
        )
        .route(
            "/repairs/{id}/close",
            get(loans::pages::close_repair_page).post(loans::pages::close_repair),
        )
        .route("/loans/overdue", get(loans::pages::overdue))
        .route("/reminders/calls", get(reminders::pages::calls))
        .route("/reminders/{id}/outcome", post(reminders::pages::record_outcome))
        .route("/reminders/letters", get(reminders::pages::letters))
        .route("/reminders/letters.pdf", get(reminders::pages::letters_pdf))
        .route("/reminders/letters/posted", post(reminders::pages::mark_posted))
        .route("/reminders/outbox", get(reminders::pages::outbox))
        .route("/reminders/{id}/retry", post(reminders::pages::retry))
        .route("/training", get(training::pages::list))
        .route("/training/calendar-feed", post(training::pages::new_feed))
        .route("/training/courses/new", get(training::pages::new_course))
        .route("/training/courses", post(training::pages::create_course))
        .route("/training/sessions/new", get(training::pages::new_session))
        .route("/training/sessions", post(training::pages::create_session))
        .route("/training/sessions/{id}", get(training::pages::show))
        .route("/training/sessions/{id}/register", post(training::pages::mark))
        .route("/training/sessions/{id}/enrolments", post(training::pages::enrol))
        .route(
            "/training/sessions/{id}/devices",
            post(training::pages::add_device),
        )
        .route(
            "/training/sessions/{id}/skills/{borrower_id}",
            get(training::pages::skills_page).post(training::pages::save_skills),
        )
        .route("/loans/{id}/course", post(training::pages::link_loan))
        .route("/labels", get(labels::pages::show))
        .route("/labels/print", post(labels::pages::print))
        .route("/loans/{id}", get(loans::pages::show))
        .route(
            "/loans/{id}/agreement",
            get(agreements::pages::show).post(agreements::pages::accept),
        )
        .route("/loans/{id}/agreement.pdf", get(agreements::routes::pdf))
        .route(
            "/loans/{id}/agreement/paper",
            get(agreements::pages::paper_page).post(agreements::pages::paper),
        )
        .route(
            "/loans/{id}/return",
            get(loans::pages::return_page).post(loans::pages::return_device),
        )
        .route(
            "/loans/{id}/extend",
            get(loans::pages::extend_page).post(loans::pages::extend),
        )
        .route(
            "/loans/{id}/lost",
            get(loans::pages::lost_page).post(loans::pages::lost),
        )
        .route("/borrowers", get(people::pages::list).post(people::pages::create))
        .route("/borrowers/new", get(people::pages::new))
        .route(
            "/borrowers/{id}",
            get(people::pages::show).post(people::pages::update),
        )
        .route("/borrowers/{id}/edit", get(people::pages::edit))
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
        .route("/calendar/{file}", get(training::routes::feed))
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
