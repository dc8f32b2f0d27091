//! The "Print labels" page: pick devices (ticked on the device list, or all added on a day at a
//! hub), choose the sheet and where on it to start, see which positions will be used, download.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::routing::{get, post};
use axum::{
    Form,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::Utc;

use super::{
    model::{Layout, place},
    service::{self, LabelRequest},
};
use crate::{
    auth::{Action, Staff},
    error::{AppError, FieldError},
    hubs::{self, service::HubView},
    state::AppState,
    web::{FormErrors, Nav, form::FormData, pdf_response},
};

/// One cell of the sheet preview.
pub struct Cell {
    pub position: usize,
    pub tag: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "labels/print.html")]
pub struct PrintPage {
    nav: Nav,
    tags: Vec<String>,
    hubs: Vec<HubView>,
    hub_id: String,
    added_on: String,
    layouts: Vec<(&'static str, &'static str, bool)>,
    start_position: String,
    copies: String,
    /// The first sheet, row by row.
    sheet: Vec<Vec<Cell>>,
    sheets: usize,
    errors: FormErrors,
    /// Set when the QR codes would point at an address only this machine reaches.
    local_url: Option<String>,
}

fn first_sheet(tags: &[String], layout: Layout, start: usize, copies: usize) -> (Vec<Vec<Cell>>, usize) {
    let geometry = layout.geometry();
    let placed = place(tags, &geometry, start, copies);
    let sheets = placed.last().map_or(0, |p| p.page + 1);
    let rows = (0..geometry.rows)
        .map(|row| {
            (0..geometry.columns)
                .map(|column| {
                    let position = row * geometry.columns + column;
                    let tag = placed
                        .iter()
                        .find(|p| p.page == 0 && p.position == position)
                        .map(|p| p.tag.clone());
                    Cell {
                        position: position + 1,
                        tag,
                    }
                })
                .collect()
        })
        .collect();
    (rows, sheets)
}

/// The devices the page is for: the ticked tags, or those added on a day (at a hub).
async fn chosen(
    app: &AppState,
    staff: &Staff,
    data: &FormData,
) -> Result<(Vec<String>, Vec<FieldError>), AppError> {
    let ticked = data.all("tag");
    if !ticked.is_empty() {
        return Ok((ticked.into_iter().map(|t| t.to_uppercase()).collect(), Vec::new()));
    }
    let Some(day) = data.text("added_on") else {
        return Ok((Vec::new(), Vec::new()));
    };
    let Some(day) = crate::dates::parse_date(&day) else {
        return Ok((
            Vec::new(),
            vec![FieldError::new("added_on", crate::dates::DATE_HINT)],
        ));
    };
    // An empty choice is "every hub"; anything else must name one, not fall back to every hub.
    let hub_id = match data.text("hub_id").map(|h| h.parse::<i32>()) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            return Ok((
                Vec::new(),
                vec![FieldError::new("hub_id", "choose a hub from the list")],
            ));
        }
    };
    let tags = service::tags_added_on(&app.db.read, staff, hub_id, day).await?;
    Ok((tags, Vec::new()))
}

async fn page(
    app: &AppState,
    staff: &Staff,
    data: &FormData,
    mut errors: Vec<FieldError>,
) -> Result<PrintPage, AppError> {
    staff.require(Action::ManageDevices)?;
    let (tags, mut choosing) = chosen(app, staff, data).await?;
    errors.append(&mut choosing);
    let (layout, start, copies, mut sheet_errors) = service::preview_sheet(
        data.text("layout").as_deref(),
        data.text("start_position").as_deref(),
        data.text("copies").as_deref(),
    );
    // The download refused these too; it has said so already, once.
    sheet_errors.retain(|e| !errors.iter().any(|f| f.field == e.field));
    errors.append(&mut sheet_errors);
    let (sheet, sheets) = first_sheet(&tags, layout, start, copies);
    let added_on = data
        .text("added_on")
        .unwrap_or_else(|| crate::dates::today(Utc::now()).to_string());
    let public_url = &app.config.public_url;
    let local = [
        "http://127.",
        "https://127.",
        "http://localhost",
        "https://localhost",
        "http://[::1]",
        "http://0.0.0.0",
    ];
    Ok(PrintPage {
        local_url: local
            .iter()
            .any(|l| public_url.starts_with(l))
            .then(|| public_url.clone()),
        nav: Nav::new(staff, "devices"),
        tags,
        hubs: hubs::service::list(&app.db.read, staff).await?,
        hub_id: data.text("hub_id").unwrap_or_default(),
        added_on,
        layouts: Layout::ALL
            .iter()
            .map(|l| (l.as_str(), l.label(), *l == layout))
            .collect(),
        start_position: data.text("start_position").unwrap_or_else(|| "1".into()),
        copies: data.text("copies").unwrap_or_else(|| "1".into()),
        sheet,
        sheets,
        errors: errors.into(),
    })
}

pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    Query(data): Query<FormData>,
) -> Result<PrintPage, AppError> {
    page(&app, &staff, &data, Vec::new()).await
}

/// The download: the PDF, or the page again saying what is wrong.
pub async fn print(
    State(app): State<AppState>,
    staff: Staff,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let request = LabelRequest {
        asset_tags: Some(data.all("tag")),
        layout: data.text("layout"),
        start_position: match data.text("start_position").map(|s| s.parse::<usize>()) {
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => Some(0),
            None => None,
        },
        copies: match data.text("copies").map(|s| s.parse::<usize>()) {
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => Some(0),
            None => None,
        },
    };
    let result = match request.parse() {
        Ok(run) => {
            service::pdf(
                &app.db.read,
                &staff,
                &app.config.public_url,
                app.config.label_found_line.as_deref(),
                &run,
            )
            .await
        }
        Err(error) => Err(error.into()),
    };
    match result {
        Ok(bytes) => {
            let tags = data.all("tag");
            let name = match (tags.first(), tags.last()) {
                (Some(first), Some(last)) if first != last => format!("{first}-to-{last}"),
                (Some(one), _) => one.clone(),
                _ => "devices".to_owned(),
            };
            let layout = data.text("layout").unwrap_or_default();
            let filename = format!("labels-{name}-{layout}.pdf")
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || "-.".contains(*c))
                .collect::<String>();
            Ok(pdf_response(bytes, &filename, "attachment"))
        }
        Err(AppError::Invalid(error)) => {
            let error = if error.field == "asset_tags" {
                FieldError::new("tags", error.message)
            } else {
                error
            };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&app, &staff, &data, vec![error]).await?,
            )
                .into_response())
        }
        Err(other) => Err(other),
    }
}

/// A device's QR code as an image, shown on its page.
pub async fn qr(
    State(app): State<AppState>,
    staff: Staff,
    axum::extract::Path(tag): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    let svg = service::qr_svg(&app.db.read, &staff, &app.config.public_url, &tag).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "image/svg+xml"),
            (axum::http::header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        svg,
    )
        .into_response())
}

/// This feature's web pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/labels", get(show))
        .route("/labels/print", post(print))
        .route("/devices/{tag}/qr.svg", get(qr))
}
