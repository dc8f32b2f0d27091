//! The hubs calls of the JSON API and the hubs page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::routing::get;
use axum::{
    Form, Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service::{self, HubRequest, HubView};
use crate::{
    auth::{Action, Staff},
    error::{ApiJson, ApiPath, AppError, ErrorBody},
    state::AppState,
    web::{FormErrors, Nav, done},
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
        Ok(hub) => Ok(done("/hubs", &format!("{} added", hub.name))),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let page = HubsPage {
                nav: Nav::new(&staff, "hubs"),
                hubs: service::list(&app.db.read, &staff).await?,
                errors: vec![field_of(&err)].into(),
                name: form.name.unwrap_or_default(),
                address: form.address.unwrap_or_default(),
                opening_hours: form.opening_hours.unwrap_or_default(),
                phone: form.phone.unwrap_or_default(),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other),
    }
}

#[utoipa::path(get, path = "/hubs/{id}", tag = "hubs", params(("id" = i32, Path, description = "the hub's id")),
    responses((status = 200, body = HubView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<HubView>, AppError> {
    Ok(Json(service::find(&app.db.read, &staff, id).await?))
}

/// Changes a hub's name, address, opening hours or phone: a field left out keeps its value, an
/// empty one is cleared.
#[utoipa::path(patch, path = "/hubs/{id}", tag = "hubs", params(("id" = i32, Path, description = "the hub's id")), request_body = HubRequest,
    responses((status = 200, body = HubView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn update(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<HubRequest>,
) -> Result<Json<HubView>, AppError> {
    Ok(Json(
        service::update(&app.db, &staff, id, &request, Utc::now()).await?,
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "hubs/edit.html")]
pub struct HubEditPage {
    nav: Nav,
    hub: HubView,
    errors: FormErrors,
    name: String,
    address: String,
    opening_hours: String,
    phone: String,
}

pub async fn edit_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<HubEditPage, AppError> {
    staff.require(Action::ManageHubs)?;
    let hub = service::find(&app.db.read, &staff, id).await?;
    Ok(HubEditPage {
        nav: Nav::new(&staff, "hubs"),
        errors: FormErrors::default(),
        name: hub.name.clone(),
        address: hub.address.clone().unwrap_or_default(),
        opening_hours: hub.opening_hours.clone().unwrap_or_default(),
        phone: hub.phone.clone().unwrap_or_default(),
        hub,
    })
}

pub async fn save(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(form): Form<HubRequest>,
) -> Result<Response, AppError> {
    match service::update(&app.db, &staff, id, &form, Utc::now()).await {
        Ok(hub) => Ok(done("/hubs", &format!("{} saved", hub.name))),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let page = HubEditPage {
                nav: Nav::new(&staff, "hubs"),
                hub: service::find(&app.db.read, &staff, id).await?,
                errors: vec![field_of(&err)].into(),
                name: form.name.unwrap_or_default(),
                address: form.address.unwrap_or_default(),
                opening_hours: form.opening_hours.unwrap_or_default(),
                phone: form.phone.unwrap_or_default(),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other),
    }
}

/// The field a refused hub form is marked on: a duplicate name is the name's. The form comes
/// back with it as every refused form does, 422.
fn field_of(err: &AppError) -> crate::error::FieldError {
    match err {
        AppError::Invalid(field) => field.clone(),
        other => crate::error::FieldError::new("name", other.to_string()),
    }
}

/// This feature's calls of the JSON API, with their OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(show, update))
}

/// This feature's web pages.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/hubs", get(page).post(add))
        .route("/hubs/{id}", get(edit_page).post(save))
}
