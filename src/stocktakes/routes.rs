//! The stocktake calls of the JSON API.

use axum::{Json, extract::State, http::StatusCode};
use chrono::Utc;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::StocktakeView,
    service::{self, ScanView, StartRequest, StocktakeList, TagRequest},
};
use crate::{
    auth::Staff,
    devices::service::DeviceView,
    error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody},
    state::AppState,
};

#[utoipa::path(post, path = "/stocktakes", tag = "stocktakes", request_body = StartRequest,
    responses((status = 201, body = StocktakeView), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn start(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<StartRequest>,
) -> Result<(StatusCode, Json<StocktakeView>), AppError> {
    let view = service::start(&app.db, &staff, &request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// `GET /stocktakes`: newest first.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// The `next_cursor` of the page before.
    pub before: Option<i32>,
    /// 1 to 200; 50 when absent.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[utoipa::path(get, path = "/stocktakes", tag = "stocktakes", params(ListQuery),
    responses((status = 200, body = StocktakeList), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<StocktakeList>, AppError> {
    let limit = crate::paging::page_size(query.limit, 50, 200)?;
    Ok(Json(
        service::list(&app.db.read, &staff, query.before, limit).await?,
    ))
}

#[utoipa::path(get, path = "/stocktakes/{id}", tag = "stocktakes", params(("id" = i32, Path)),
    responses((status = 200, body = StocktakeView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<StocktakeView>, AppError> {
    Ok(Json(service::view(&app.db.read, &staff, id).await?))
}

#[utoipa::path(post, path = "/stocktakes/{id}/scans", tag = "stocktakes", params(("id" = i32, Path)), request_body = TagRequest,
    responses((status = 200, body = ScanView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn scan(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<TagRequest>,
) -> Result<Json<ScanView>, AppError> {
    Ok(Json(
        service::scan(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

#[utoipa::path(post, path = "/stocktakes/{id}/close", tag = "stocktakes", params(("id" = i32, Path)),
    responses((status = 200, body = StocktakeView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn close(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<StocktakeView>, AppError> {
    Ok(Json(service::close(&app.db, &staff, id, Utc::now()).await?))
}

#[utoipa::path(post, path = "/stocktakes/{id}/report-missing", tag = "stocktakes", params(("id" = i32, Path)), request_body = TagRequest,
    responses((status = 200, body = DeviceView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn report_missing(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<TagRequest>,
) -> Result<Json<DeviceView>, AppError> {
    Ok(Json(
        service::report_missing(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

#[utoipa::path(post, path = "/stocktakes/{id}/move-here", tag = "stocktakes", params(("id" = i32, Path)), request_body = TagRequest,
    responses((status = 200, body = DeviceView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn move_here(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<TagRequest>,
) -> Result<Json<DeviceView>, AppError> {
    Ok(Json(
        service::move_here(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start, list))
        .routes(routes!(show))
        .routes(routes!(scan))
        .routes(routes!(close))
        .routes(routes!(report_missing))
        .routes(routes!(move_here))
}
