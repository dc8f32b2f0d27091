//! `GET /organisation` and `PATCH /organisation`: the caller's organisation and its details.

use axum::{Json, extract::State, http::StatusCode};
use chrono::Utc;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::NewOrganisationRequest,
    service::{self, CreatedOrganisation, OrganisationRequest, OrganisationView, PartnerPage, PartnerQuery},
};
use crate::{
    auth::Staff,
    error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody, merge_into},
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

/// The scheme's organisations, the lead first (the lead organisation's admins).
#[utoipa::path(get, path = "/organisations", tag = "organisation", params(PartnerQuery),
    responses((status = 200, body = PartnerPage)), security(("bearer" = [])))]
pub async fn partners(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<PartnerQuery>,
) -> Result<Json<PartnerPage>, AppError> {
    Ok(Json(service::list(&app.db, &staff, &query).await?))
}

/// Adds a partner organisation (the lead organisation's admins) and invites its first admin: the
/// answer's link, valid 7 days, is theirs to choose a password with.
#[utoipa::path(post, path = "/organisations", tag = "organisation", request_body = NewOrganisationRequest,
    responses((status = 201, body = CreatedOrganisation),
        (status = 409, body = ErrorBody, description = "prefix_taken or duplicate_email")),
    security(("bearer" = [])))]
pub async fn add_partner(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<NewOrganisationRequest>,
) -> Result<(StatusCode, Json<CreatedOrganisation>), AppError> {
    let created = service::create(
        &app.db,
        Some(&staff),
        &app.config.public_url,
        &request,
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// A new invitation for a partner organisation nobody has signed up to as admin yet (the lead
/// organisation's admins): its first admin makes their account with the link.
#[utoipa::path(post, path = "/organisations/{id}/invitation", tag = "organisation", params(("id" = i32, Path)),
    responses((status = 201, body = CreatedOrganisation), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "has_admin")),
    security(("bearer" = [])))]
pub async fn reinvite(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<(StatusCode, Json<CreatedOrganisation>), AppError> {
    let created = service::reinvite(&app.db, &staff, id, &app.config.public_url, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show, update))
        .routes(routes!(partners, add_partner))
        .routes(routes!(reinvite))
}
