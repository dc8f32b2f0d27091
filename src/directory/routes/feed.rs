//! The public Open Referral UK feed of the directory (`/openreferral/...`): read-only, no sign-in,
//! open to any site's scripts (`Access-Control-Allow-Origin: *`), and holding no one's details.
//! It follows the profile's own API description rather than lendhub's, so it is not in
//! `/api/openapi.json`.

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderValue, header},
    routing::get,
};
use serde::Deserialize;
use serde_json::{Value, json};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::{
    directory::{
        model::ImpactArea,
        openreferral::{self, PROFILE_OPENAPI_URL, PROFILE_URL},
        service,
    },
    error::{ApiPath, ApiQuery, AppError},
    state::AppState,
};

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    search: Option<String>,
    page: Option<u64>,
    per_page: Option<u64>,
}

async fn about() -> Json<Value> {
    Json(json!({
        "version": "3.0",
        "profile": PROFILE_URL,
        "openapi_url": PROFILE_OPENAPI_URL,
    }))
}

async fn services(
    State(app): State<AppState>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Value>, AppError> {
    let page = service::feed_services(&app.db, query.search.as_deref(), query.page, query.per_page).await?;
    Ok(Json(page))
}

async fn one_service(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, AppError> {
    service::feed_service(&app.db, &id)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("there is no service with id {id}")))
}

/// A page of a list the feed holds whole (one taxonomy, thirteen terms).
fn paged(all: Vec<Value>, query: &PageQuery) -> Result<Value, AppError> {
    let (page, per_page) = openreferral::page_numbers(query.page, query.per_page)?;
    Ok(openreferral::page_of(all, page, per_page))
}

async fn taxonomies(ApiQuery(query): ApiQuery<PageQuery>) -> Result<Json<Value>, AppError> {
    Ok(Json(paged(vec![openreferral::taxonomy()], &query)?))
}

async fn one_taxonomy(ApiPath(id): ApiPath<String>) -> Result<Json<Value>, AppError> {
    if id == openreferral::taxonomy_id() {
        Ok(Json(openreferral::taxonomy()))
    } else {
        Err(AppError::NotFound(format!("there is no taxonomy with id {id}")))
    }
}

async fn terms(ApiQuery(query): ApiQuery<PageQuery>) -> Result<Json<Value>, AppError> {
    let all = ImpactArea::ALL
        .iter()
        .map(|a| openreferral::taxonomy_term(*a))
        .collect();
    Ok(Json(paged(all, &query)?))
}

async fn one_term(ApiPath(id): ApiPath<String>) -> Result<Json<Value>, AppError> {
    openreferral::area_of_term(&id)
        .map(|a| Json(openreferral::taxonomy_term(a)))
        .ok_or_else(|| AppError::NotFound(format!("there is no taxonomy term with id {id}")))
}

pub fn feed() -> Router<AppState> {
    Router::new()
        .route("/openreferral/", get(about))
        .route("/openreferral", get(about))
        .route("/openreferral/services", get(services))
        .route("/openreferral/services/{id}", get(one_service))
        .route("/openreferral/taxonomies", get(taxonomies))
        .route("/openreferral/taxonomies/{id}", get(one_taxonomy))
        .route("/openreferral/taxonomy_terms", get(terms))
        .route("/openreferral/taxonomy_terms/{id}", get(one_term))
        .layer(SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
        // Public and about no one: a directory may keep a copy for a few minutes.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ))
}
