//! The loans, checks and repairs calls of the JSON API.

pub mod gifts;

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use chrono::Utc;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    listing::{self, LoanList, LoanQuery},
    service::{
        self, ChecksRequest, CloseRepairRequest, ExtendRequest, IssueRequest, NotesRequest, RepairRequest,
        RetireRequest, ReturnRequest, Returned,
    },
    views::{self, LoanView, OverduePage, RepairView},
};
use crate::{
    auth::Staff,
    devices::service::DeviceView,
    error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody},
    paging::HubPageQuery,
    state::AppState,
};

#[utoipa::path(post, path = "/loans", tag = "loans", request_body = IssueRequest,
    responses((status = 201, body = LoanView), (status = 409, body = ErrorBody, description = "device_not_available"), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn issue(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<IssueRequest>,
) -> Result<(StatusCode, Json<LoanView>), AppError> {
    let loan = service::issue(&app.db, &staff, &request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(loan)))
}

/// Loans (open unless asked otherwise), the soonest due first, a page at a time with the total:
/// `signed=false` lists those whose agreement is still to be signed.
#[utoipa::path(get, path = "/loans", tag = "loans", params(LoanQuery),
    responses((status = 200, body = LoanList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<LoanQuery>,
) -> Result<Json<LoanList>, AppError> {
    Ok(Json(
        listing::list(&app.db.read, &staff, &query, Utc::now()).await?,
    ))
}

#[utoipa::path(get, path = "/loans/{id}", tag = "loans", params(("id" = i32, Path)), responses((status = 200, body = LoanView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<LoanView>, AppError> {
    Ok(Json(views::loan(&app.db.read, &staff, id).await?))
}

/// Takes a device back: the loan, or for hub staff taking back another hub's device at their
/// counter, the return without the borrower.
#[utoipa::path(post, path = "/loans/{id}/return", tag = "loans", params(("id" = i32, Path)), request_body = ReturnRequest,
    responses((status = 200, body = Returned), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn return_device(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<ReturnRequest>,
) -> Result<Json<Returned>, AppError> {
    Ok(Json(
        service::return_device(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

#[utoipa::path(post, path = "/loans/{id}/extend", tag = "loans", params(("id" = i32, Path)), request_body = ExtendRequest,
    responses((status = 200, body = LoanView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn extend(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<ExtendRequest>,
) -> Result<Json<LoanView>, AppError> {
    Ok(Json(
        service::extend(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

#[utoipa::path(post, path = "/loans/{id}/lost", tag = "loans", params(("id" = i32, Path)), request_body = NotesRequest,
    responses((status = 200, body = LoanView), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn lost(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<NotesRequest>,
) -> Result<Json<LoanView>, AppError> {
    Ok(Json(
        service::report_lost(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

/// Open loans past their due date, the longest overdue first, a page at a time.
#[utoipa::path(get, path = "/loans/overdue", tag = "loans", params(HubPageQuery),
    responses((status = 200, body = OverduePage), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn overdue(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<HubPageQuery>,
) -> Result<Json<OverduePage>, AppError> {
    Ok(Json(
        views::overdue(
            &app.db.read,
            &staff,
            Utc::now(),
            query.hub_id,
            query.cursor.as_deref(),
            query.limit,
        )
        .await?,
    ))
}

#[utoipa::path(post, path = "/devices/{asset_tag}/checks", tag = "loans", params(("asset_tag" = String, Path, description = "the device's asset tag, e.g. TCH-00042")), request_body = ChecksRequest,
    responses((status = 200, body = DeviceView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody, description = "wiped is not true, or another field is wrong")),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn checks(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
    ApiJson(request): ApiJson<ChecksRequest>,
) -> Result<Json<DeviceView>, AppError> {
    Ok(Json(
        service::record_checks(&app.db, &staff, &tag, &request, app.config.hold_days, Utc::now()).await?,
    ))
}

#[utoipa::path(post, path = "/devices/{asset_tag}/found", tag = "loans", params(("asset_tag" = String, Path, description = "the device's asset tag, e.g. TCH-00042")), request_body = NotesRequest,
    responses((status = 200, body = DeviceView), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn found(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
    ApiJson(request): ApiJson<NotesRequest>,
) -> Result<Json<DeviceView>, AppError> {
    Ok(Json(
        service::found(&app.db, &staff, &tag, &request, Utc::now()).await?,
    ))
}

#[utoipa::path(post, path = "/devices/{asset_tag}/retire", tag = "repairs", params(("asset_tag" = String, Path, description = "the device's asset tag, e.g. TCH-00042")), request_body = RetireRequest,
    responses((status = 200, body = DeviceView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn retire(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
    ApiJson(request): ApiJson<RetireRequest>,
) -> Result<Json<DeviceView>, AppError> {
    Ok(Json(
        service::retire(&app.db, &staff, &tag, &request, Utc::now()).await?,
    ))
}

#[utoipa::path(post, path = "/repairs", tag = "repairs", request_body = RepairRequest,
    responses((status = 201, body = RepairView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn open_repair(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<RepairRequest>,
) -> Result<(StatusCode, Json<RepairView>), AppError> {
    let repair = service::open_repair(&app.db, &staff, &request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(repair.into())))
}

#[utoipa::path(post, path = "/repairs/{id}/close", tag = "repairs", params(("id" = i32, Path)), request_body = CloseRepairRequest,
    responses((status = 200, body = RepairView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn close_repair(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<CloseRepairRequest>,
) -> Result<Json<RepairView>, AppError> {
    Ok(Json(
        service::close_repair(&app.db, &staff, id, &request, Utc::now())
            .await?
            .into(),
    ))
}

/// This feature's calls of the JSON API, with their OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue, list))
        .routes(routes!(overdue))
        .routes(routes!(show))
        .routes(routes!(return_device))
        .routes(routes!(extend))
        .routes(routes!(lost))
        .routes(routes!(checks))
        .routes(routes!(found))
        .routes(routes!(retire))
        .routes(routes!(open_repair))
        .routes(routes!(close_repair))
        .merge(gifts::api())
}
