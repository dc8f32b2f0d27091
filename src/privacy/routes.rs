//! A person's data over the API: their export (a ZIP), erasure on request, holds, and whom
//! retention reaches next.

use axum::{
    Json,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service::{self, DuePage, DueQuery, ReasonRequest};
use crate::{
    auth::Staff,
    error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody},
    people::service::BorrowerView,
    state::AppState,
};

/// A ZIP of everything held about the borrower (`person.json`, each signed agreement, a
/// `README.txt`); admins and coordinators. The download is written to the access log.
#[utoipa::path(get, path = "/borrowers/{id}/export", tag = "borrowers", params(("id" = i32, Path)),
    responses((status = 200, content_type = "application/zip", description = "the ZIP")), security(("bearer" = [])))]
pub async fn export(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    let export = service::export(&app.db, &staff, id, Utc::now()).await?;
    Ok(zip_response(export))
}

pub fn zip_response(export: service::Export) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", export.file_name),
            ),
        ],
        export.bytes,
    )
        .into_response()
}

/// Anonymises the record now, as retention would, on the person's request (admins). Their
/// loans, attendance and scores stay for the scheme's figures; who they were does not.
#[utoipa::path(post, path = "/borrowers/{id}/erase", tag = "borrowers", params(("id" = i32, Path)), request_body = ReasonRequest,
    responses((status = 200, body = BorrowerView, description = "anonymised"),
        (status = 409, body = ErrorBody, description = "`loan_open`: a device is still on loan to them")),
    security(("bearer" = [])))]
pub async fn erase(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<ReasonRequest>,
) -> Result<Json<BorrowerView>, AppError> {
    Ok(Json(
        service::erase(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

/// Holds the record back from retention, for a reason (admins).
#[utoipa::path(post, path = "/borrowers/{id}/hold", tag = "borrowers", params(("id" = i32, Path)), request_body = ReasonRequest,
    responses((status = 200, body = BorrowerView),
        (status = 409, body = ErrorBody, description = "`anonymised`: the record is already anonymised")),
    security(("bearer" = [])))]
pub async fn hold(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<ReasonRequest>,
) -> Result<Json<BorrowerView>, AppError> {
    Ok(Json(
        service::hold(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

/// Lifts the hold: retention reaches the record again when it falls due (admins).
#[utoipa::path(delete, path = "/borrowers/{id}/hold", tag = "borrowers", params(("id" = i32, Path)),
    responses((status = 200, body = BorrowerView),
        (status = 409, body = ErrorBody, description = "`anonymised`: the record is already anonymised")),
    security(("bearer" = [])))]
pub async fn release(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<BorrowerView>, AppError> {
    Ok(Json(service::release(&app.db, &staff, id, Utc::now()).await?))
}

/// Whose records retention anonymises within 30 days (or now), held ones included (admins).
#[utoipa::path(get, path = "/retention/due", tag = "borrowers", params(DueQuery),
    responses((status = 200, body = DuePage)), security(("bearer" = [])))]
pub async fn due(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<DueQuery>,
) -> Result<Json<DuePage>, AppError> {
    let months = app.config.retention_months;
    Ok(Json(
        service::due_soon(&app.db, &staff, months, &query, Utc::now()).await?,
    ))
}

/// This feature's calls of the JSON API.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export))
        .routes(routes!(erase))
        .routes(routes!(hold, release))
        .routes(routes!(due))
}
