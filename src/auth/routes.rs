//! Sign-in pages, first-run set-up, and the token and `/me` calls of the API.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::routing::{get, post};
use axum::{
    Form, Json,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    extract::{ClientAddress, MaybeStaff, SESSION_COOKIE, clear_session_cookie, cookie, session_cookie},
    model::{Role, Staff},
    service::{self, SetupRequest},
};
use crate::{
    error::{ApiJson, ApiPath, AppError},
    state::AppState,
    web::{FormErrors, Nav, proxy::Origin, safe_next},
};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenView {
    pub token: String,
    pub expires_at: chrono::DateTime<Utc>,
}

/// Exchanges an email and password for a bearer token.
#[utoipa::path(post, path = "/tokens", tag = "auth", request_body = TokenRequest,
    responses((status = 201, body = TokenView), (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn create_token(
    State(app): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<TokenRequest>,
) -> Result<(StatusCode, Json<TokenView>), AppError> {
    let now = Utc::now();
    let staff = service::sign_in(&app.db, &request.email, &request.password, &address, now).await?;
    let (token, expires_at) = service::issue_token(&app.db.write, &staff, now).await?;
    Ok((StatusCode::CREATED, Json(TokenView { token, expires_at })))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeView {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// The signed-in staff member.
#[utoipa::path(get, path = "/me", tag = "auth", responses((status = 200, body = MeView), (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn me(staff: Staff) -> Json<MeView> {
    Json(MeView {
        id: staff.id(),
        email: staff.email().to_owned(),
        name: staff.name().to_owned(),
        role: staff.role(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    nav: Nav,
    errors: FormErrors,
    email: String,
    next: String,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_page(MaybeStaff(staff): MaybeStaff, Query(query): Query<NextQuery>) -> Response {
    let next = safe_next(query.next.as_deref()).to_owned();
    if staff.is_some() {
        return Redirect::to(&next).into_response();
    }
    LoginPage {
        nav: Nav::signed_out(),
        errors: FormErrors::default(),
        email: String::new(),
        next,
    }
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn login(
    State(app): State<AppState>,
    origin: Origin,
    ClientAddress(address): ClientAddress,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let next = safe_next(form.next.as_deref()).to_owned();
    match service::sign_in(&app.db, &form.email, &form.password, &address, now).await {
        Ok(staff) => {
            let secret = service::start_session(&app.db.write, &staff, now).await?;
            let cookie = session_cookie(&secret, origin.secure_cookies(&app.config));
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response())
        }
        Err(err @ (AppError::Invalid(_) | AppError::TooManyRequests(_))) => {
            let status = err.status();
            let error = match err {
                AppError::Invalid(field) => field,
                other => crate::error::FieldError::new("email", other.to_string()),
            };
            let page = LoginPage {
                nav: Nav::signed_out(),
                errors: vec![error].into(),
                email: form.email,
                next,
            };
            Ok((status, page).into_response())
        }
        Err(other) => Err(other),
    }
}

pub async fn logout(
    State(app): State<AppState>,
    origin: Origin,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        service::end_session(&app.db.write, secret).await?;
    }
    let cookie = clear_session_cookie(origin.secure_cookies(&app.config));
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/setup.html")]
pub struct SetupPage {
    nav: Nav,
    errors: FormErrors,
    token: String,
    organisation_name: String,
    asset_prefix: String,
    name: String,
    email: String,
}

#[derive(Debug, Deserialize)]
pub struct SetupQuery {
    token: Option<String>,
}

/// The set-up page exists only while no account does, and only for the link `serve` printed.
async fn check_setup_token(app: &AppState, token: Option<&str>) -> Result<(), AppError> {
    let valid = app
        .setup_token
        .as_deref()
        .is_some_and(|expected| Some(expected) == token);
    if valid && service::needs_setup(&app.db.read).await? {
        Ok(())
    } else {
        Err(AppError::NotFound("there is no such page".into()))
    }
}

pub async fn setup_page(
    State(app): State<AppState>,
    Query(query): Query<SetupQuery>,
) -> Result<SetupPage, AppError> {
    check_setup_token(&app, query.token.as_deref()).await?;
    Ok(SetupPage {
        nav: Nav::signed_out(),
        errors: FormErrors::default(),
        token: query.token.unwrap_or_default(),
        organisation_name: String::new(),
        asset_prefix: String::new(),
        name: String::new(),
        email: String::new(),
    })
}

#[derive(Debug, Deserialize)]
pub struct SetupForm {
    token: String,
    organisation_name: String,
    asset_prefix: String,
    name: String,
    email: String,
    password: String,
}

#[tracing::instrument(skip_all)]
pub async fn setup(
    State(app): State<AppState>,
    origin: Origin,
    Form(form): Form<SetupForm>,
) -> Result<Response, AppError> {
    check_setup_token(&app, Some(&form.token)).await?;
    let request = SetupRequest {
        organisation_name: form.organisation_name,
        asset_prefix: form.asset_prefix,
        name: form.name,
        email: form.email,
        password: form.password,
    };
    let errors = service::check_setup(&request);
    if !errors.is_empty() {
        let page = SetupPage {
            nav: Nav::signed_out(),
            errors: errors.into(),
            token: form.token,
            organisation_name: request.organisation_name,
            asset_prefix: request.asset_prefix,
            name: request.name,
            email: request.email,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let now = Utc::now();
    let staff = service::setup(&app.db, request, now).await?;
    tracing::info!(staff_id = staff.id(), "first admin account created");
    let secret = service::start_session(&app.db.write, &staff, now).await?;
    let cookie = session_cookie(&secret, origin.secure_cookies(&app.config));
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/devices")).into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenList {
    pub items: Vec<service::TokenInfo>,
}

/// The caller's own API tokens that have not expired, newest first (at most 200).
#[utoipa::path(get, path = "/tokens", tag = "auth", responses((status = 200, body = TokenList), (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_tokens(State(app): State<AppState>, staff: Staff) -> Result<Json<TokenList>, AppError> {
    let items = service::tokens(&app.db.read, &staff, Utc::now()).await?;
    Ok(Json(TokenList { items }))
}

/// Revokes one of the caller's own API tokens: it stops working at once.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "auth", params(("id" = i32, Path)),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke_token(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<StatusCode, AppError> {
    service::revoke_token(&app.db.write, &staff, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This feature's calls of the JSON API, with their OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_token, list_tokens))
        .routes(routes!(revoke_token))
        .routes(routes!(me))
}

/// This feature's web pages.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/setup", get(setup_page).post(setup))
}
