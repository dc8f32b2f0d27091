//! The hubs calls of the JSON API and the hubs page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::routing::get;
use axum::{
    Form, Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use chrono::Utc;
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service::{self, HubRequest, HubView};
use crate::{
    auth::Staff,
    error::{ApiJson, AppError, ErrorBody},
    state::AppState,
    web::{FormErrors, Nav},
};

#[utoipa::path(post, path = "/hubs", tag = "hubs", request_body = HubRequest,
    responses((status = 201, body = HubView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn create(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<HubRequest>,
) -> Result<(StatusCode, Json<HubView>), AppError> {
    let hub = service::create(&app.db, &staff, &request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(hub)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HubList {
    pub items: Vec<HubView>,
}

#[utoipa::path(get, path = "/hubs", tag = "hubs", responses((status = 200, body = HubList)), security(("bearer" = [])))]
pub async fn list(State(app): State<AppState>, staff: Staff) -> Result<Json<HubList>, AppError> {
    Ok(Json(HubList {
        items: service::list(&app.db.read, &staff).await?,
    }))
}

#[derive(Template, WebTemplate)]
#[template(path = "hubs/list.html")]
pub struct HubsPage {
    nav: Nav,
    hubs: Vec<HubView>,
    errors: FormErrors,
    name: String,
    address: String,
    opening_hours: String,
    phone: String,
}

pub async fn page(State(app): State<AppState>, staff: Staff) -> Result<HubsPage, AppError> {
    let hubs = service::list(&app.db.read, &staff).await?;
    Ok(HubsPage {
        nav: Nav::new(&staff, "hubs"),
        hubs,
        errors: FormErrors::default(),
        name: String::new(),
        address: String::new(),
        opening_hours: String::new(),
        phone: String::new(),
    })
}

pub async fn add(
    State(app): State<AppState>,
    staff: Staff,
    Form(form): Form<HubRequest>,
) -> Result<Response, AppError> {
    match service::create(&app.db, &staff, &form, Utc::now()).await {
        Ok(_) => Ok(Redirect::to("/hubs").into_response()),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let status = err.status();
            let error = match err {
                AppError::Invalid(field) => field,
                other => crate::error::FieldError::new("name", other.to_string()),
            };
            let page = HubsPage {
                nav: Nav::new(&staff, "hubs"),
                hubs: service::list(&app.db.read, &staff).await?,
                errors: vec![error].into(),
                name: form.name.unwrap_or_default(),
                address: form.address.unwrap_or_default(),
                opening_hours: form.opening_hours.unwrap_or_default(),
                phone: form.phone.unwrap_or_default(),
            };
            Ok((status, page).into_response())
        }
        Err(other) => Err(other),
    }
}

/// This feature's calls of the JSON API, with their OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create, list))
}

/// This feature's web pages.
pub fn pages() -> Router<AppState> {
    Router::new().route("/hubs", get(page).post(add))
}
