//! The import calls of the JSON API: the CSV file as the body.

use axum::{Json, body::Bytes, extract::State};
use chrono::Utc;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::{Target, parse_map},
    service::{self, Options, Report},
};
use crate::{
    auth::Staff,
    error::{ApiQuery, AppError, ErrorBody},
    state::AppState,
};

/// `POST /imports/{devices,borrowers,directory}`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ImportQuery {
    /// Check every row and write nothing.
    pub dry_run: Option<bool>,
    /// Corrections to the guessed columns: `Serial Number=serial_number,Location=hub`
    /// (`ignore` leaves a column out).
    pub map: Option<String>,
    /// Devices: create the hubs the file names that do not exist yet.
    pub create_hubs: Option<bool>,
    /// Borrowers: everyone in the file agreed to the scheme keeping their details (required).
    pub consent_confirmed: Option<bool>,
}

async fn run(
    app: &AppState,
    staff: &Staff,
    target: Target,
    query: ImportQuery,
    body: &[u8],
) -> Result<Json<Report>, AppError> {
    let options = Options {
        dry_run: query.dry_run.unwrap_or(false),
        map: parse_map(target, query.map.as_deref().unwrap_or_default())?,
        create_hubs: query.create_hubs.unwrap_or(false),
        consent_confirmed: query.consent_confirmed.unwrap_or(false),
    };
    let report = service::import(&app.db, staff, target, &body, &options, &|_, _| {}, Utc::now()).await?;
    Ok(Json(report))
}

/// Imports devices from CSV (UTF-8 or Windows-1252; comma or semicolon). Every problem is listed
/// as (row, column, message); the rows are written only when there are none, all together.
#[utoipa::path(post, path = "/imports/devices", tag = "imports", params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "the spreadsheet"),
    responses((status = 200, body = Report), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn devices(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<Json<Report>, AppError> {
    run(&app, &staff, Target::Devices, query, &body).await
}

/// Imports borrowers from CSV, as devices; `consent_confirmed=true` is required.
#[utoipa::path(post, path = "/imports/borrowers", tag = "imports", params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "the spreadsheet"),
    responses((status = 200, body = Report), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn borrowers(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<Json<Report>, AppError> {
    run(&app, &staff, Target::Borrowers, query, &body).await
}

/// Imports services for the signposting directory from CSV, as devices; a name already in the
/// directory is a problem on its row.
#[utoipa::path(post, path = "/imports/directory", tag = "imports", params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "the spreadsheet"),
    responses((status = 200, body = Report), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn directory(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<Json<Report>, AppError> {
    run(&app, &staff, Target::Directory, query, &body).await
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(devices))
        .routes(routes!(borrowers))
        .routes(routes!(directory))
}
