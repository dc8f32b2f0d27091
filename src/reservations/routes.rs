//! The reservation calls of the JSON API.

use axum::{Json, extract::State, http::StatusCode};
use chrono::Utc;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service::{self, ReservationPage, ReservationQuery, ReservationRequest, ReservationView};
use crate::{
    auth::Staff,
    error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody},
    state::AppState,
};

#[utoipa::path(get, path = "/reservations", tag = "reservations", params(ReservationQuery),
    responses((status = 200, body = ReservationPage)), security(("bearer" = [])))]
pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<ReservationQuery>,
) -> Result<Json<ReservationPage>, AppError> {
    Ok(Json(service::list(&app.db, &staff, &query, Utc::now()).await?))
}

#[utoipa::path(post, path = "/reservations", tag = "reservations", request_body = ReservationRequest,
    responses((status = 201, body = ReservationView),
        (status = 409, body = ErrorBody, description = "not_enough_devices")),
    security(("bearer" = [])))]
pub async fn make(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<ReservationRequest>,
) -> Result<(StatusCode, Json<ReservationView>), AppError> {
    let view = service::make(&app.db, &staff, &request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(post, path = "/reservations/{id}/cancel", tag = "reservations", params(("id" = i32, Path)),
    responses((status = 200, body = ReservationView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn cancel(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<ReservationView>, AppError> {
    Ok(Json(service::cancel(&app.db, &staff, id, Utc::now()).await?))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, make))
        .routes(routes!(cancel))
}
