//! The borrowers calls of the JSON API.

use axum::{Json, extract::State, http::StatusCode};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::{BorrowerRequest, ConsentsRequest},
    service::{self, AccessLogView, BorrowerPage, BorrowerQuery, BorrowerView, ConsentsView},
};
use crate::{
    auth::Staff,
    error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody},
    loans::views::{self, LoanView},
    state::AppState,
};

#[utoipa::path(post, path = "/borrowers", tag = "borrowers", request_body = BorrowerRequest,
    responses((status = 201, body = BorrowerView), (status = 422, body = ErrorBody, description = "no consent, no way to reach them, or another field wrong")),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn create(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<BorrowerRequest>,
) -> Result<(StatusCode, Json<BorrowerView>), AppError> {
    let borrower = service::create_from_request(&app.db, &staff, &request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(borrower)))
}

/// A borrower with their loans, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BorrowerWithLoans {
    #[serde(flatten)]
    pub borrower: BorrowerView,
    pub loans: Vec<LoanView>,
    /// Devices partner organisations lent them, where a sharing agreement in force names loans.
    pub partner_loans: Vec<crate::loans::service::PartnerLoan>,
}

#[utoipa::path(get, path = "/borrowers/{id}", tag = "borrowers", params(("id" = i32, Path)), responses((status = 200, body = BorrowerWithLoans), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<BorrowerWithLoans>, AppError> {
    let borrower = service::open(&app.db, &staff, id, Utc::now()).await?;
    let (loans, partner_loans) = if staff.can(crate::auth::Action::ViewLoans) {
        (
            views::of_borrower(&app.db.read, &staff, id).await?,
            crate::loans::service::partner_loans(&app.db, &staff, id, Utc::now()).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(Json(BorrowerWithLoans {
        borrower,
        loans,
        partner_loans,
    }))
}

/// Changes a borrower's details: a JSON merge patch; `null` clears a field.
#[utoipa::path(patch, path = "/borrowers/{id}", tag = "borrowers", params(("id" = i32, Path)), request_body = BorrowerRequest,
    responses((status = 200, body = BorrowerView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`anonymised`: the record was anonymised and cannot be changed back")),
    security(("bearer" = [])))]
pub async fn update(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(patch): ApiJson<Value>,
) -> Result<Json<BorrowerView>, AppError> {
    let current = service::get(&app.db.read, &staff, id).await?;
    let request: BorrowerRequest = crate::error::merge_into(&current.as_request(), &patch)?;
    let details = request.details().map_err(service::first_error)?;
    Ok(Json(
        service::update(&app.db, &staff, id, details, Utc::now()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// 3 or more characters of a name, email, phone number or postcode
    pub q: Option<String>,
}

/// Borrowers by name (or who borrowed last), a page at a time with the total; or a search.
#[utoipa::path(get, path = "/borrowers", tag = "borrowers", params(BorrowerQuery), responses((status = 200, body = BorrowerPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn search(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<BorrowerQuery>,
) -> Result<Json<BorrowerPage>, AppError> {
    Ok(Json(service::list(&app.db.read, &staff, &query).await?))
}

/// What the borrower agreed to now, for each purpose, and every change (newest first).
#[utoipa::path(get, path = "/borrowers/{id}/consents", tag = "borrowers", params(("id" = i32, Path)),
    responses((status = 200, body = ConsentsView)), security(("bearer" = [])))]
pub async fn consents(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<ConsentsView>, AppError> {
    Ok(Json(service::consents(&app.db.read, &staff, id).await?))
}

/// Gives or withdraws consent for the purposes named (`true` or `false`); the others keep their
/// answer. Each change is kept with who recorded it, when and `how`.
#[utoipa::path(put, path = "/borrowers/{id}/consents", tag = "borrowers", params(("id" = i32, Path)),
    request_body = ConsentsRequest, responses((status = 200, body = ConsentsView)), security(("bearer" = [])))]
pub async fn set_consents(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<ConsentsRequest>,
) -> Result<Json<ConsentsView>, AppError> {
    Ok(Json(
        service::set_consents(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

/// Who has looked at the borrower's record, agreements and export, newest first (admins).
#[utoipa::path(get, path = "/borrowers/{id}/access-log", tag = "borrowers", params(("id" = i32, Path)),
    responses((status = 200, body = AccessLogView)), security(("bearer" = [])))]
pub async fn access_log(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<AccessLogView>, AppError> {
    Ok(Json(service::access_log(&app.db.read, &staff, id).await?))
}

/// This feature's calls of the JSON API, with their OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, search))
        .routes(routes!(show, update))
        .routes(routes!(consents, set_consents))
        .routes(routes!(access_log))
}
