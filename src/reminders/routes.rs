//! The reminders calls of the JSON API: the call list and call outcomes, the outbox and retries.

use axum::{Json, extract::State};
use chrono::Utc;
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::CallOutcome,
    service::{
        self, CallPage, OutboxPage, OutboxQuery, OutcomeRequest, ReminderMessage, ReminderView,
        UnreachablePage,
    },
};
use crate::{
    auth::Staff,
    error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody},
    paging::HubPageQuery,
    state::AppState,
};

/// People with a loan open who agreed to no way of being reminded that lendhub has a detail for:
/// the sweep sends them nothing, so staff ask them when they next come in.
#[utoipa::path(get, path = "/reminders/cannot-contact", tag = "reminders", params(HubPageQuery),
    responses((status = 200, body = UnreachablePage), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn cannot_contact(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<HubPageQuery>,
) -> Result<Json<UnreachablePage>, AppError> {
    Ok(Json(
        service::cannot_contact(
            &app.db.read,
            &staff,
            query.hub_id,
            query.cursor.as_deref(),
            query.limit,
        )
        .await?,
    ))
}

/// Borrowers to phone: those without email (or who asked for a call) whose loans need a
/// reminder, the soonest due first.
#[utoipa::path(get, path = "/reminders/call-list", tag = "reminders", params(HubPageQuery),
    responses((status = 200, body = CallPage), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn call_list(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<HubPageQuery>,
) -> Result<Json<CallPage>, AppError> {
    Ok(Json(
        service::call_list(
            &app.db.read,
            &staff,
            query.hub_id,
            query.cursor.as_deref(),
            query.limit,
        )
        .await?,
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OutcomeView {
    pub id: i32,
    pub outcome: CallOutcome,
}

/// What came of a call; the call leaves the list.
#[utoipa::path(post, path = "/reminders/{id}/outcome", tag = "reminders", params(("id" = i32, Path)), request_body = OutcomeRequest,
    responses((status = 200, body = OutcomeView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn outcome(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<OutcomeRequest>,
) -> Result<Json<OutcomeView>, AppError> {
    let outcome = service::record_outcome(&app.db, &staff, id, &request, Utc::now()).await?;
    Ok(Json(OutcomeView { id, outcome }))
}

/// The outbox, newest first, 100 at a time unless `limit` says fewer (admins): by status,
/// searched, paged both ways with the total.
#[utoipa::path(get, path = "/reminders", tag = "reminders", params(OutboxQuery),
    responses((status = 200, body = OutboxPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<OutboxQuery>,
) -> Result<Json<OutboxPage>, AppError> {
    Ok(Json(service::outbox(&app.db.read, &staff, &query).await?))
}

/// One message of the outbox whole, with its text (admins).
#[utoipa::path(get, path = "/reminders/{id}", tag = "reminders", params(("id" = i32, Path)),
    responses((status = 200, body = ReminderMessage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn message(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<ReminderMessage>, AppError> {
    Ok(Json(service::message(&app.db.read, &staff, id).await?))
}

/// Puts a failed email back in the queue (admins).
#[utoipa::path(post, path = "/reminders/{id}/retry", tag = "reminders", params(("id" = i32, Path)),
    responses((status = 200, body = ReminderView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn retry(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<ReminderView>, AppError> {
    Ok(Json(service::retry(&app.db, &staff, id, Utc::now()).await?))
}

/// This feature's calls of the JSON API, with their OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(call_list))
        .routes(routes!(cannot_contact))
        .routes(routes!(outcome))
        .routes(routes!(list))
        .routes(routes!(message))
        .routes(routes!(retry))
}
