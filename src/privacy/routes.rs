//! `GET /borrowers/{id}/export`: everything held about one borrower, as a ZIP.

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service;
use crate::{
    auth::Staff,
    error::{ApiPath, AppError},
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

/// This feature's calls of the JSON API.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export))
}
