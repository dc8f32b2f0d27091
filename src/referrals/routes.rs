//! The referral and referral-link calls of the JSON API.

use axum::{Json, extract::State, http::StatusCode};
use chrono::Utc;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::{ReferralRequest, ReferralStatus},
    service::{
        self, AcceptReferralRequest, Accepted, DeclineReferralRequest, ReferralLinkPage, ReferralLinkRequest,
        ReferralLinkView, ReferralPage, ReferralQuery, ReferralView,
    },
};
use crate::{
    auth::{Staff, extract::MaybeStaff},
    error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody},
    state::AppState,
};

/// `POST /referrals?key=`: a referral link's key instead of a token.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeyQuery {
    /// The key of a referral link (the last part of its address).
    pub key: Option<String>,
}

/// What the one who referred is told: that it arrived. Staff read the rest under `/referrals`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReferralCreated {
    pub id: i32,
    pub status: ReferralStatus,
}

#[utoipa::path(post, path = "/referrals", tag = "referrals", params(KeyQuery), request_body = ReferralRequest,
    responses((status = 201, body = ReferralCreated), (status = 404, body = ErrorBody, description = "an unknown or revoked key"),
        (status = 429, body = ErrorBody, description = "the link sent too many referrals in the last hour")),
    security(("bearer" = []), ()))]
pub async fn refer(
    State(app): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    ApiQuery(query): ApiQuery<KeyQuery>,
    ApiJson(request): ApiJson<ReferralRequest>,
) -> Result<(StatusCode, Json<ReferralCreated>), AppError> {
    let now = Utc::now();
    let view = match (query.key.as_deref().filter(|k| !k.is_empty()), staff) {
        (Some(key), _) => {
            let link = service::link_for_key(&app.db, key).await?;
            service::refer_by_link(&app.db, &link, &request, now).await?
        }
        (None, Some(staff)) => service::refer(&app.db, &staff, &request, now).await?,
        (None, None) => return Err(AppError::Unauthenticated),
    };
    Ok((
        StatusCode::CREATED,
        Json(ReferralCreated {
            id: view.id,
            status: view.status,
        }),
    ))
}

#[utoipa::path(get, path = "/referrals", tag = "referrals", params(ReferralQuery),
    responses((status = 200, body = ReferralPage)), security(("bearer" = [])))]
pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<ReferralQuery>,
) -> Result<Json<ReferralPage>, AppError> {
    Ok(Json(service::list(&app.db, &staff, &query).await?))
}

#[utoipa::path(get, path = "/referrals/{id}", tag = "referrals", params(("id" = i32, Path)),
    responses((status = 200, body = ReferralView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<ReferralView>, AppError> {
    Ok(Json(service::get(&app.db, &staff, id).await?))
}

#[utoipa::path(post, path = "/referrals/{id}/accept", tag = "referrals", params(("id" = i32, Path)), request_body = AcceptReferralRequest,
    responses((status = 200, body = Accepted), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "already_decided")),
    security(("bearer" = [])))]
pub async fn accept(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<AcceptReferralRequest>,
) -> Result<Json<Accepted>, AppError> {
    Ok(Json(
        service::accept(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

#[utoipa::path(post, path = "/referrals/{id}/decline", tag = "referrals", params(("id" = i32, Path)), request_body = DeclineReferralRequest,
    responses((status = 200, body = ReferralView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "already_decided")),
    security(("bearer" = [])))]
pub async fn decline(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<DeclineReferralRequest>,
) -> Result<Json<ReferralView>, AppError> {
    Ok(Json(
        service::decline(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

/// `GET /referral-links`: newest first.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkQuery {
    /// The `next_cursor` of the page before.
    pub before: Option<i32>,
    /// 1 to 200; 50 when absent.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[utoipa::path(post, path = "/referral-links", tag = "referrals", request_body = ReferralLinkRequest,
    responses((status = 201, body = ReferralLinkView)), security(("bearer" = [])))]
pub async fn create_link(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<ReferralLinkRequest>,
) -> Result<(StatusCode, Json<ReferralLinkView>), AppError> {
    let view = service::create_link(&app.db, &staff, &request, &app.config.public_url, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(get, path = "/referral-links", tag = "referrals", params(LinkQuery),
    responses((status = 200, body = ReferralLinkPage)), security(("bearer" = [])))]
pub async fn links(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<LinkQuery>,
) -> Result<Json<ReferralLinkPage>, AppError> {
    let limit = crate::paging::page_size(query.limit, 50, 200)?;
    Ok(Json(service::links(&app.db, &staff, query.before, limit).await?))
}

#[utoipa::path(post, path = "/referral-links/{id}/revoke", tag = "referrals", params(("id" = i32, Path)),
    responses((status = 200, body = ReferralLinkView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn revoke_link(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<ReferralLinkView>, AppError> {
    Ok(Json(service::revoke_link(&app.db, &staff, id, Utc::now()).await?))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(refer, list))
        .routes(routes!(show))
        .routes(routes!(accept))
        .routes(routes!(decline))
        .routes(routes!(create_link, links))
        .routes(routes!(revoke_link))
}
