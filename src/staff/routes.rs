//! The staff-account calls of the JSON API (admins), and changing one's own password.

use axum::{Json, extract::State, http::StatusCode};
use chrono::Utc;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::InviteRequest,
    service::{self, Invited, LinkView, StaffList, StaffPatch, StaffView},
};
use crate::{
    auth::{Staff, model::Credential},
    error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody},
    state::AppState,
};

/// `GET /staff`: by id.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// The `next_cursor` of the page before.
    pub after: Option<i32>,
    /// 1 to 200; 50 when absent.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[utoipa::path(get, path = "/staff", tag = "staff", params(ListQuery),
    responses((status = 200, body = StaffList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<StaffList>, AppError> {
    let limit = crate::paging::page_size(query.limit, 50, 200)?;
    Ok(Json(
        service::list(&app.db.read, &staff, query.after, limit, Utc::now()).await?,
    ))
}

/// Adds a staff member and answers the invitation link to hand to them (valid 7 days).
#[utoipa::path(post, path = "/staff", tag = "staff", request_body = InviteRequest,
    responses((status = 201, body = Invited), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn invite(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<InviteRequest>,
) -> Result<(StatusCode, Json<Invited>), AppError> {
    let mut invited = service::invite(&app.db, &staff, &app.config.public_url, &request, Utc::now()).await?;
    invited.emailed = service::email_invitation(
        &app.config,
        request.name.as_deref().unwrap_or_default().trim(),
        request.email.as_deref().unwrap_or_default().trim(),
        &invited,
    )
    .await
        == service::Emailing::Sent;
    Ok((StatusCode::CREATED, Json(invited)))
}

#[utoipa::path(get, path = "/staff/{id}", tag = "staff", params(("id" = i32, Path)),
    responses((status = 200, body = StaffView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<StaffView>, AppError> {
    Ok(Json(service::get(&app.db.read, &staff, id, Utc::now()).await?))
}

/// Changes a role, the hubs, or whether the account works: `{"disabled": true}` ends its
/// sessions and tokens at once.
#[utoipa::path(patch, path = "/staff/{id}", tag = "staff", params(("id" = i32, Path)), request_body = StaffPatch,
    responses((status = 200, body = StaffView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn update(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(patch): ApiJson<StaffPatch>,
) -> Result<Json<StaffView>, AppError> {
    Ok(Json(
        service::update(&app.db, &staff, id, &patch, Utc::now()).await?,
    ))
}

/// A one-time link, valid a day, for the staff member to choose a new password.
#[utoipa::path(post, path = "/staff/{id}/password-reset", tag = "staff", params(("id" = i32, Path)),
    responses((status = 201, body = LinkView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn password_reset(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<(StatusCode, Json<LinkView>), AppError> {
    let link = service::reset_link_for(&app.db, &staff, id, &app.config.public_url, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// `POST /me/password`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    pub current_password: Option<String>,
    /// At least 12 characters.
    pub new_password: Option<String>,
}

/// Changes the caller's own password.
#[utoipa::path(post, path = "/me/password", tag = "staff", request_body = PasswordChange,
    responses((status = 204, description = "changed"), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn change_password(
    State(app): State<AppState>,
    staff: Staff,
    credential: Credential,
    ApiJson(request): ApiJson<PasswordChange>,
) -> Result<StatusCode, AppError> {
    let new = request.new_password.unwrap_or_default();
    service::change_password(
        &app.db,
        &staff,
        &credential,
        request.current_password.as_deref().unwrap_or_default(),
        &new,
        &new,
        Utc::now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, invite))
        .routes(routes!(show, update))
        .routes(routes!(password_reset))
        .routes(routes!(change_password))
}
