//! The follow-up calls of the JSON API.

use axum::{Json, extract::State};
use chrono::Utc;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service::{self, AnswersRequest, FollowUpPage, FollowUpQuery, FollowUpView};
use crate::{
    auth::Staff,
    error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody},
    state::AppState,
};

#[utoipa::path(get, path = "/follow-ups", tag = "follow-ups", params(FollowUpQuery),
    responses((status = 200, body = FollowUpPage)), security(("bearer" = [])))]
pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<FollowUpQuery>,
) -> Result<Json<FollowUpPage>, AppError> {
    Ok(Json(service::list(&app.db, &staff, &query).await?))
}

#[utoipa::path(get, path = "/follow-ups/{id}", tag = "follow-ups", params(("id" = i32, Path)),
    responses((status = 200, body = FollowUpView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<FollowUpView>, AppError> {
    Ok(Json(service::get(&app.db, &staff, id).await?))
}

/// Answers taken on the phone; the call asking them leaves the list.
#[utoipa::path(post, path = "/follow-ups/{id}/answers", tag = "follow-ups", params(("id" = i32, Path)), request_body = AnswersRequest,
    responses((status = 200, body = FollowUpView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "already_answered")),
    security(("bearer" = [])))]
pub async fn answer(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<AnswersRequest>,
) -> Result<Json<FollowUpView>, AppError> {
    Ok(Json(
        service::answer_by_staff(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(answer))
}
