//! The SIM calls of the JSON API.

use axum::{Json, extract::State, http::StatusCode};
use chrono::Utc;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::NewSimRequest,
    service::{self, GiveSimRequest, SimPage, SimQuery, SimView},
};
use crate::{
    auth::Staff,
    error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody},
    state::AppState,
};

#[utoipa::path(get, path = "/sims", tag = "sims", params(SimQuery),
    responses((status = 200, body = SimPage)), security(("bearer" = [])))]
pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<SimQuery>,
) -> Result<Json<SimPage>, AppError> {
    Ok(Json(service::list(&app.db, &staff, &query, Utc::now()).await?))
}

#[utoipa::path(post, path = "/sims", tag = "sims", request_body = NewSimRequest,
    responses((status = 201, body = SimView), (status = 409, body = ErrorBody, description = "iccid_taken")),
    security(("bearer" = [])))]
pub async fn add(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<NewSimRequest>,
) -> Result<(StatusCode, Json<SimView>), AppError> {
    let sim = service::add(&app.db, &staff, &request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(sim)))
}

/// Gives the SIM to someone with a phone or device but no data.
#[utoipa::path(post, path = "/sims/{id}/issue", tag = "sims", params(("id" = i32, Path)), request_body = GiveSimRequest,
    responses((status = 200, body = SimView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "sim_given or sim_expired")),
    security(("bearer" = [])))]
pub async fn issue(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<GiveSimRequest>,
) -> Result<Json<SimView>, AppError> {
    Ok(Json(
        service::give(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(issue))
}
