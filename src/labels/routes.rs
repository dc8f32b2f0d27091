//! The labels calls of the JSON API: a sheet for many devices, one label for one device.

use axum::{
    extract::{Path, Query, State},
    response::Response,
};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::Layout,
    service::{self, LabelRequest, LabelRun},
};
use crate::{
    auth::Staff,
    devices::model::AssetTag,
    error::{ApiJson, AppError, ErrorBody},
    state::AppState,
    web::pdf_response,
};

/// Labels for many devices, on the chosen sheet or roll.
#[utoipa::path(post, path = "/labels", tag = "labels", request_body = LabelRequest,
    responses((status = 200, content_type = "application/pdf", description = "the labels"), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn create(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<LabelRequest>,
) -> Result<Response, AppError> {
    let run = request.parse()?;
    let bytes = service::pdf(
        &app.db.read,
        &staff,
        &app.config.public_url,
        app.config.label_found_line.as_deref(),
        &run,
    )
    .await?;
    Ok(pdf_response(bytes, "labels.pdf", "inline"))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OneLabel {
    /// The layout; `thermal-62x29` when absent.
    #[param(value_type = Option<crate::labels::model::Layout>)]
    pub layout: Option<String>,
}

/// One label for one device.
#[utoipa::path(get, path = "/devices/{asset_tag}/label.pdf", tag = "labels", params(("asset_tag" = String, Path, description = "the device's asset tag, e.g. TCH-00042"), OneLabel),
    responses((status = 200, content_type = "application/pdf", description = "one label"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn one(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
    Query(query): Query<OneLabel>,
) -> Result<Response, AppError> {
    let device = crate::devices::service::get(&app.db.read, &staff, &tag).await?;
    let layout = query
        .layout
        .as_deref()
        .map_or(Ok(Layout::Thermal62x29), Layout::parse)?;
    let run = LabelRun {
        tags: vec![AssetTag::parse("asset_tag", &device.asset_tag)?],
        layout,
        start_position: 1,
        copies: 1,
    };
    let bytes = service::pdf(
        &app.db.read,
        &staff,
        &app.config.public_url,
        app.config.label_found_line.as_deref(),
        &run,
    )
    .await?;
    Ok(pdf_response(
        bytes,
        &format!("{}-label.pdf", device.asset_tag),
        "inline",
    ))
}

/// This feature's calls of the JSON API, with their OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create)).routes(routes!(one))
}
