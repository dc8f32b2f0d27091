//! `/sharing-agreements`: proposing, accepting and ending agreements, and the people one shares.

use axum::{Json, extract::State, http::StatusCode};
use chrono::Utc;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::SharingAgreementRequest,
    service::{
        self, SharedPage, SharedQuery, SharingAgreementPage, SharingAgreementQuery, SharingAgreementView,
    },
};
use crate::{
    auth::Staff,
    error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody},
    state::AppState,
};

/// The organisation's sharing agreements, newest first (admins and coordinators).
#[utoipa::path(get, path = "/sharing-agreements", tag = "sharing", params(SharingAgreementQuery),
    responses((status = 200, body = SharingAgreementPage)), security(("bearer" = [])))]
pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<SharingAgreementQuery>,
) -> Result<Json<SharingAgreementPage>, AppError> {
    Ok(Json(service::list(&app.db, &staff, &query, Utc::now()).await?))
}

/// Proposes an agreement to another organisation of the scheme (admins). Nothing is shared until
/// that organisation's admin accepts it, and then only between its dates.
#[utoipa::path(post, path = "/sharing-agreements", tag = "sharing", request_body = SharingAgreementRequest,
    responses((status = 201, body = SharingAgreementView)), security(("bearer" = [])))]
pub async fn propose(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<SharingAgreementRequest>,
) -> Result<(StatusCode, Json<SharingAgreementView>), AppError> {
    let view = service::propose(&app.db, &staff, &request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One agreement the organisation is a party to.
#[utoipa::path(get, path = "/sharing-agreements/{id}", tag = "sharing", params(("id" = i32, Path)),
    responses((status = 200, body = SharingAgreementView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<SharingAgreementView>, AppError> {
    Ok(Json(service::get(&app.db.read, &staff, id, Utc::now()).await?))
}

/// Accepts an agreement proposed to the organisation (its admins).
#[utoipa::path(post, path = "/sharing-agreements/{id}/accept", tag = "sharing", params(("id" = i32, Path)),
    responses((status = 200, body = SharingAgreementView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "not_proposed")),
    security(("bearer" = [])))]
pub async fn accept(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<SharingAgreementView>, AppError> {
    Ok(Json(service::accept(&app.db, &staff, id, Utc::now()).await?))
}

/// Ends an agreement, or withdraws a proposal, at once (either side's admins).
#[utoipa::path(post, path = "/sharing-agreements/{id}/end", tag = "sharing", params(("id" = i32, Path)),
    responses((status = 200, body = SharingAgreementView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "already_ended")),
    security(("bearer" = [])))]
pub async fn end(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<SharingAgreementView>, AppError> {
    Ok(Json(service::end(&app.db, &staff, id, Utc::now()).await?))
}

/// The other organisation's people the agreement shares today: those who consented, with what
/// it names. Each one listed goes into their access log.
#[utoipa::path(get, path = "/sharing-agreements/{id}/people", tag = "sharing",
    params(("id" = i32, Path), SharedQuery),
    responses((status = 200, body = SharedPage), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "not_in_force")),
    security(("bearer" = [])))]
pub async fn people(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiQuery(query): ApiQuery<SharedQuery>,
) -> Result<Json<SharedPage>, AppError> {
    Ok(Json(
        service::shared_with_us(&app.db, &staff, id, &query, Utc::now()).await?,
    ))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, propose))
        .routes(routes!(show))
        .routes(routes!(accept))
        .routes(routes!(end))
        .routes(routes!(people))
}
