//! The waiting-list calls of the JSON API.

use axum::{Json, extract::State, http::StatusCode};
use chrono::Utc;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service::{self, AddRequest, OfferRequest, WaitingPage, WaitingQuery, WaitingView};
use crate::{
    auth::Staff,
    error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody},
    state::AppState,
};

#[utoipa::path(get, path = "/waiting-list", tag = "waiting list", params(WaitingQuery),
    responses((status = 200, body = WaitingPage)), security(("bearer" = [])))]
pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<WaitingQuery>,
) -> Result<Json<WaitingPage>, AppError> {
    Ok(Json(service::list(&app.db, &staff, &query, Utc::now()).await?))
}

#[utoipa::path(post, path = "/waiting-list", tag = "waiting list", request_body = AddRequest,
    responses((status = 201, body = WaitingView), (status = 409, body = ErrorBody, description = "already_waiting or anonymised")),
    security(("bearer" = [])))]
pub async fn add(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<AddRequest>,
) -> Result<(StatusCode, Json<WaitingView>), AppError> {
    let view = service::add(&app.db, &staff, &request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(get, path = "/waiting-list/{id}", tag = "waiting list", params(("id" = i32, Path)),
    responses((status = 200, body = WaitingView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<WaitingView>, AppError> {
    Ok(Json(service::get(&app.db, &staff, id, Utc::now()).await?))
}

#[utoipa::path(post, path = "/waiting-list/{id}/offer", tag = "waiting list", params(("id" = i32, Path)), request_body = OfferRequest,
    responses((status = 200, body = WaitingView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "held, already_offered, not_waiting or device_not_available")),
    security(("bearer" = [])))]
pub async fn offer(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<OfferRequest>,
) -> Result<Json<WaitingView>, AppError> {
    Ok(Json(
        service::offer(&app.db, &staff, id, &request, app.config.hold_days, Utc::now()).await?,
    ))
}

#[utoipa::path(post, path = "/waiting-list/{id}/cancel", tag = "waiting list", params(("id" = i32, Path)),
    responses((status = 200, body = WaitingView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "not_waiting")),
    security(("bearer" = [])))]
pub async fn cancel(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<WaitingView>, AppError> {
    Ok(Json(
        service::cancel(&app.db, &staff, id, app.config.hold_days, Utc::now()).await?,
    ))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(show))
        .routes(routes!(offer))
        .routes(routes!(cancel))
}
