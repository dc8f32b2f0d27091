//! The gift calls of the JSON API: a loan that ends as a gift, a device given directly, and the
//! gift letter.

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::Response,
};
use chrono::Utc;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::loans::service::{self, GiftLoanRequest, GiftRequest, GiftView};
use crate::{
    auth::Staff,
    error::{ApiJson, ApiPath, AppError, ErrorBody},
    state::AppState,
    web::pdf_response,
};

#[utoipa::path(post, path = "/loans/{id}/gift", tag = "gifts", params(("id" = i32, Path)), request_body = GiftLoanRequest,
    responses((status = 201, body = GiftView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "loan_not_open or invalid_transition")),
    security(("bearer" = [])))]
pub async fn gift_loan(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<GiftLoanRequest>,
) -> Result<(StatusCode, Json<GiftView>), AppError> {
    let gift = service::gift_loan(&app.db, &staff, id, &request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(gift)))
}

#[utoipa::path(post, path = "/gifts", tag = "gifts", request_body = GiftRequest,
    responses((status = 201, body = GiftView),
        (status = 409, body = ErrorBody, description = "invalid_transition, held or reserved")),
    security(("bearer" = [])))]
pub async fn gift_device(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<GiftRequest>,
) -> Result<(StatusCode, Json<GiftView>), AppError> {
    let gift = service::gift_device(&app.db, &staff, &request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(gift)))
}

#[utoipa::path(get, path = "/gifts/{id}", tag = "gifts", params(("id" = i32, Path)),
    responses((status = 200, body = GiftView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<GiftView>, AppError> {
    Ok(Json(service::gift(&app.db, &staff, id).await?))
}

/// The gift letter to print and hand over, drawn from the gift as it is.
#[utoipa::path(get, path = "/gifts/{id}/letter.pdf", tag = "gifts", params(("id" = i32, Path)),
    responses((status = 200, content_type = "application/pdf", description = "the gift letter"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn letter(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    let (bytes, asset_tag) = service::gift_letter(&app.db, &staff, id, Utc::now()).await?;
    let mut response = pdf_response(bytes, &format!("gift-letter-{asset_tag}.pdf"), "inline");
    // It carries a person's name: no shared caches.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(gift_loan))
        .routes(routes!(gift_device))
        .routes(routes!(show))
        .routes(routes!(letter))
}
