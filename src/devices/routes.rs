//! The devices calls of the JSON API. Each handler extracts, calls one service function, answers.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use chrono::Utc;
use serde::Serialize;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::DeviceRequest,
    service::{self, DevicePage, DeviceView, EventView, ListParams},
};
use crate::{
    auth::Staff,
    error::{ApiJson, ApiQuery, AppError, ErrorBody},
    state::AppState,
};

/// A device with its open loan, if any.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceWithLoan {
    #[serde(flatten)]
    pub device: DeviceView,
    /// The open loan, or `null` when the device is not out.
    pub current_loan: Option<crate::loans::views::LoanView>,
}

#[utoipa::path(post, path = "/devices", tag = "devices", request_body = DeviceRequest,
    responses((status = 201, body = DeviceView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn create(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<DeviceRequest>,
) -> Result<(StatusCode, Json<DeviceView>), AppError> {
    let device = service::create_from_request(&app.db, &staff, &request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(device)))
}

#[utoipa::path(get, path = "/devices", tag = "devices", params(ListParams),
    responses((status = 200, body = DevicePage), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<DevicePage>, AppError> {
    let (filter, limit) = params.parse()?;
    Ok(Json(service::list(&app.db.read, &staff, &filter, limit).await?))
}

#[utoipa::path(get, path = "/devices/{asset_tag}", tag = "devices", params(("asset_tag" = String, Path, description = "the device's asset tag, e.g. TCH-00042")),
    responses((status = 200, body = DeviceWithLoan), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
) -> Result<Json<DeviceWithLoan>, AppError> {
    let device = service::get(&app.db.read, &staff, &tag).await?;
    let current_loan = crate::loans::views::current_loan_if_allowed(&app.db.read, &staff, device.id).await?;
    Ok(Json(DeviceWithLoan { device, current_loan }))
}

/// Changes a device's details: a JSON merge patch; `null` clears a field.
#[utoipa::path(patch, path = "/devices/{asset_tag}", tag = "devices", params(("asset_tag" = String, Path, description = "the device's asset tag, e.g. TCH-00042")), request_body = DeviceRequest,
    responses((status = 200, body = DeviceWithLoan), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn update(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
    ApiJson(patch): ApiJson<Value>,
) -> Result<Json<DeviceWithLoan>, AppError> {
    let device = service::patch(&app.db, &staff, &tag, &patch, Utc::now()).await?;
    let current_loan = crate::loans::views::current_loan_if_allowed(&app.db.read, &staff, device.id).await?;
    Ok(Json(DeviceWithLoan { device, current_loan }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventList {
    pub items: Vec<EventView>,
}

#[utoipa::path(get, path = "/devices/{asset_tag}/events", tag = "devices", params(("asset_tag" = String, Path, description = "the device's asset tag, e.g. TCH-00042")),
    responses((status = 200, body = EventList), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn events(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
) -> Result<Json<EventList>, AppError> {
    Ok(Json(EventList {
        items: service::events(&app.db.read, &staff, &tag).await?,
    }))
}

/// This feature's calls of the JSON API, with their OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(show, update))
        .routes(routes!(events))
}
