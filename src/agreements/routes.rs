//! The agreement calls of the JSON API. The PDF is also what the pages link to: the same handler
//! answers a signed-in browser.

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, header},
    response::Response,
};
use chrono::Utc;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service::{self, AcceptRequest, AgreementView, PaperRequest};
use crate::{
    auth::Staff,
    error::{ApiJson, ApiPath, AppError, ErrorBody},
    state::AppState,
    web::pdf_response,
};

/// Whether the loan's agreement is signed, how, and the SHA-256 of the stored PDF.
#[utoipa::path(get, path = "/loans/{id}/agreement", tag = "agreements", params(("id" = i32, Path)),
    responses((status = 200, body = AgreementView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<AgreementView>, AppError> {
    Ok(Json(
        service::status(&app.db, &staff, &app.config.agreement_terms, id).await?,
    ))
}

/// The agreement: once signed, exactly the stored bytes (their SHA-256 is the `ETag`); before,
/// drawn from the loan as it is now, with a signature block to sign on paper.
#[utoipa::path(get, path = "/loans/{id}/agreement.pdf", tag = "agreements", params(("id" = i32, Path)),
    responses((status = 200, content_type = "application/pdf", description = "the agreement"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn pdf(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    let agreement = service::pdf(&app.db, &staff, &app.config.agreement_terms, id).await?;
    let name = match agreement.sha256 {
        Some(_) => format!("agreement-{}-loan-{id}-signed.pdf", agreement.asset_tag),
        None => format!("agreement-{}-loan-{id}.pdf", agreement.asset_tag),
    };
    let mut response = pdf_response(agreement.bytes, &name, "inline");
    let headers = response.headers_mut();
    // It carries a borrower's name: no shared caches.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Some(sha) = agreement.sha256
        && let Ok(etag) = HeaderValue::from_str(&format!("\"{sha}\""))
    {
        headers.insert(header::ETAG, etag);
    }
    Ok(response)
}

/// The borrower accepts at the counter, with their typed name (and a drawn signature if they
/// made one). The stored PDF never changes after.
#[utoipa::path(post, path = "/loans/{id}/agreement/accept", tag = "agreements", params(("id" = i32, Path)), request_body = AcceptRequest,
    responses((status = 200, body = AgreementView), (status = 409, body = ErrorBody, description = "agreement_already_signed, loan_not_open or terms_changed"), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn accept(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<AcceptRequest>,
) -> Result<Json<AgreementView>, AppError> {
    Ok(Json(
        service::accept(
            &app.db,
            &staff,
            &app.config.agreement_terms,
            id,
            &request,
            Utc::now(),
        )
        .await?,
    ))
}

/// Staff record that the borrower signed a printed copy (kept at the hub).
#[utoipa::path(post, path = "/loans/{id}/agreement/paper", tag = "agreements", params(("id" = i32, Path)), request_body = PaperRequest,
    responses((status = 200, body = AgreementView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn paper(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<PaperRequest>,
) -> Result<Json<AgreementView>, AppError> {
    Ok(Json(
        service::record_paper(
            &app.db,
            &staff,
            &app.config.agreement_terms,
            id,
            &request,
            Utc::now(),
        )
        .await?,
    ))
}

/// This feature's calls of the JSON API, with their OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show))
        .routes(routes!(pdf))
        .routes(routes!(accept))
        .routes(routes!(paper))
}
