//! The directory calls of the JSON API; the public Open Referral feed is `openreferral.rs`.

mod feed;

pub use feed::feed;

use axum::{Json, extract::State, http::StatusCode};
use chrono::Utc;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::{ServiceRequest, SignpostRequest},
    service::{self, DirectoryQuery, ServicePage, ServiceView, SignpostView},
};
use crate::{
    auth::Staff,
    error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody},
    state::AppState,
};

/// The scheme's signposting directory: every organisation's services, in name order.
#[utoipa::path(get, path = "/directory/services", tag = "directory", params(DirectoryQuery),
    responses((status = 200, body = ServicePage)), security(("bearer" = [])))]
pub async fn search(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<DirectoryQuery>,
) -> Result<Json<ServicePage>, AppError> {
    Ok(Json(service::search(&app.db, &staff, &query).await?))
}

/// Lists a service of the caller's organisation (admins and coordinators).
#[utoipa::path(post, path = "/directory/services", tag = "directory", request_body = ServiceRequest,
    responses((status = 201, body = ServiceView),
        (status = 409, body = ErrorBody, description = "service_exists: the name is in the directory already")),
    security(("bearer" = [])))]
pub async fn add(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<ServiceRequest>,
) -> Result<(StatusCode, Json<ServiceView>), AppError> {
    let view = service::add(&app.db, &staff, &request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(get, path = "/directory/services/{id}", tag = "directory", params(("id" = i32, Path)),
    responses((status = 200, body = ServiceView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<ServiceView>, AppError> {
    Ok(Json(service::get(&app.db, &staff, id).await?))
}

/// Changes a service the caller's organisation lists: the whole entry, as when it was added.
#[utoipa::path(put, path = "/directory/services/{id}", tag = "directory", params(("id" = i32, Path)),
    request_body = ServiceRequest,
    responses((status = 200, body = ServiceView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "service_exists: the name is another service's")),
    security(("bearer" = [])))]
pub async fn replace(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<ServiceRequest>,
) -> Result<Json<ServiceView>, AppError> {
    Ok(Json(
        service::update(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

/// Records that the borrower was pointed to a service, and whether they agreed to their details
/// being passed on.
#[utoipa::path(post, path = "/borrowers/{id}/signposts", tag = "directory", params(("id" = i32, Path)),
    request_body = SignpostRequest,
    responses((status = 201, body = SignpostView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "anonymised")),
    security(("bearer" = [])))]
pub async fn signpost(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<SignpostRequest>,
) -> Result<(StatusCode, Json<SignpostView>), AppError> {
    let view = service::signpost(&app.db, &staff, id, &request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(get, path = "/borrowers/{id}/signposts", tag = "directory", params(("id" = i32, Path)),
    responses((status = 200, body = Vec<SignpostView>)), security(("bearer" = [])))]
pub async fn signposts(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<Vec<SignpostView>>, AppError> {
    Ok(Json(service::signposts_of(&app.db.read, &staff, id).await?))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search, add))
        .routes(routes!(show, replace))
        .routes(routes!(signpost, signposts))
}
