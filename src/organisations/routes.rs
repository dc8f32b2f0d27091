//! `GET /organisation` and `PATCH /organisation`: the caller's organisation and its details.

use axum::{Json, extract::State};
use chrono::Utc;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service::{self, OrganisationRequest, OrganisationView};
use crate::{
    auth::Staff,
    error::{ApiJson, AppError, ErrorBody, merge_into},
    state::AppState,
};

/// The caller's organisation: its name, asset-tag prefix and how people reach it.
#[utoipa::path(get, path = "/organisation", tag = "organisation",
    responses((status = 200, body = OrganisationView), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn show(State(app): State<AppState>, staff: Staff) -> Result<Json<OrganisationView>, AppError> {
    Ok(Json(service::get(&app.db.read, &staff).await?))
}

/// Changes the organisation's name, phone, email or address (admins): a JSON merge patch, where
/// `null` clears a field. The prefix cannot be changed.
#[utoipa::path(patch, path = "/organisation", tag = "organisation", request_body = OrganisationRequest,
    responses((status = 200, body = OrganisationView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn update(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(patch): ApiJson<Value>,
) -> Result<Json<OrganisationView>, AppError> {
    if patch.get("prefix").is_some() {
        return Err(AppError::invalid(
            "prefix",
            "the asset-tag prefix cannot be changed: every label printed carries it",
        ));
    }
    staff.require(crate::auth::Action::ManageStaff)?;
    let current = service::get(&app.db.read, &staff).await?;
    let request: OrganisationRequest = merge_into(&OrganisationRequest::from_view(&current), &patch)?;
    Ok(Json(
        service::update(&app.db, &staff, &request, Utc::now()).await?,
    ))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show, update))
}
