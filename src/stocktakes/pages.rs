//! The stocktake pages: the list with a form to start one, and one stocktake, with a box a
//! handheld scanner types into while it is open and the result with its actions once closed.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form, Router,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use chrono::Utc;
use serde::Deserialize;

use super::{
    model::StocktakeView,
    service::{self, StartRequest, StocktakeList, TagRequest},
};
use crate::{
    auth::{Action, Staff},
    dates::london_time,
    error::{ApiPath, AppError},
    hubs::service::HubView,
    state::AppState,
    web::{ConfirmPage, FormErrors, Nav, confirmed, done, form::FormData},
};

const PAGE: u64 = 25;

#[derive(Template, WebTemplate)]
#[template(path = "stocktakes/list.html")]
pub struct ListPage {
    nav: Nav,
    list: StocktakeList,
    hubs: Vec<HubView>,
    errors: FormErrors,
    next_page: Option<String>,
}

impl ListPage {
    fn when(at: &chrono::DateTime<Utc>) -> String {
        london_time(*at)
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    before: Option<i32>,
}

async fn list_page(
    app: &AppState,
    staff: &Staff,
    before: Option<i32>,
    errors: FormErrors,
) -> Result<ListPage, AppError> {
    let list = service::list(&app.db.read, staff, before, PAGE).await?;
    Ok(ListPage {
        nav: Nav::new(staff, "hubs"),
        next_page: list.next_cursor.map(|c| format!("/stocktakes?before={c}")),
        hubs: crate::hubs::service::list(&app.db.read, staff).await?,
        list,
        errors,
    })
}

pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Result<ListPage, AppError> {
    list_page(&app, &staff, query.before, FormErrors::default()).await
}

/// The start form sends the hub as text: "" when none was chosen.
#[derive(Debug, Deserialize)]
pub struct StartForm {
    hub_id: Option<String>,
}

pub async fn start(
    State(app): State<AppState>,
    staff: Staff,
    Form(form): Form<StartForm>,
) -> Result<Response, AppError> {
    let request = StartRequest {
        hub_id: form.hub_id.as_deref().and_then(|h| h.trim().parse().ok()),
    };
    match service::start(&app.db, &staff, &request, Utc::now()).await {
        Ok(stocktake) => Ok(done(
            &format!("/stocktakes/{}", stocktake.id),
            &format!(
                "Stocktake of {} started: scan each device's label",
                stocktake.hub_name
            ),
        )),
        Err(AppError::Invalid(field)) => {
            let page = list_page(&app, &staff, None, vec![field].into()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "stocktakes/show.html")]
pub struct ShowPage {
    nav: Nav,
    stocktake: StocktakeView,
    errors: FormErrors,
    asset_tag: String,
}

impl ShowPage {
    fn when(at: &chrono::DateTime<Utc>) -> String {
        london_time(*at)
    }
}

async fn show_page(
    app: &AppState,
    staff: &Staff,
    id: i32,
    errors: FormErrors,
    asset_tag: String,
) -> Result<ShowPage, AppError> {
    Ok(ShowPage {
        nav: Nav::new(staff, "hubs"),
        stocktake: service::view(&app.db.read, staff, id).await?,
        errors,
        asset_tag,
    })
}

pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<ShowPage, AppError> {
    show_page(&app, &staff, id, FormErrors::default(), String::new()).await
}

/// A tag from the scan box or an action button.
#[derive(Debug, Deserialize)]
pub struct TagForm {
    asset_tag: Option<String>,
}

pub async fn scan(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(form): Form<TagForm>,
) -> Result<Response, AppError> {
    let request = TagRequest {
        asset_tag: form.asset_tag.clone(),
    };
    match service::scan(&app.db, &staff, id, &request, Utc::now()).await {
        Ok(scan) => {
            let message = match (&scan.reason, scan.already_scanned) {
                (_, true) => format!("{} was already counted", scan.asset_tag),
                (None, false) => format!("{} found: {}", scan.asset_tag, scan.make_model),
                (Some(reason), false) => format!("{} should not be here. {reason}", scan.asset_tag),
            };
            Ok(done(&format!("/stocktakes/{id}#scan"), &message))
        }
        Err(AppError::Invalid(field)) => {
            let page = show_page(
                &app,
                &staff,
                id,
                vec![field].into(),
                form.asset_tag.unwrap_or_default(),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other),
    }
}

pub async fn close(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(form): Form<FormData>,
) -> Result<Response, AppError> {
    if !confirmed(&form) {
        let stocktake = service::view(&app.db.read, &staff, id).await?;
        let missing = stocktake.missing.len();
        let message = if missing == 0 {
            "Every device that should be on the shelf was scanned.".to_owned()
        } else {
            format!(
                "{} not scanned yet will be listed as missing. Scan anything still on the shelf first.",
                crate::words::count(u64::try_from(missing).unwrap_or(u64::MAX), "device", "devices")
            )
        };
        return Ok(ConfirmPage {
            nav: Nav::new(&staff, "hubs"),
            title: format!("Close the stocktake of {}?", stocktake.hub_name),
            message,
            action: format!("/stocktakes/{id}/close"),
            fields: Vec::new(),
            button: "Yes, close it".into(),
            back: format!("/stocktakes/{id}"),
            destructive: false,
        }
        .into_response());
    }
    let result = service::close(&app.db, &staff, id, Utc::now()).await?;
    Ok(done(
        &format!("/stocktakes/{id}"),
        &format!(
            "Stocktake closed: {} found, {} missing, {} should not have been there",
            result.found.len(),
            result.missing.len(),
            result.unexpected.len()
        ),
    ))
}

pub async fn report_missing(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(form): Form<FormData>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    let tag = form.text("asset_tag");
    if !confirmed(&form) {
        let shown = tag.clone().unwrap_or_default().to_uppercase();
        return Ok(ConfirmPage {
            nav: Nav::new(&staff, "hubs"),
            title: format!("Report {shown} lost?"),
            message: "It was not found at this stocktake. It will be marked lost; if it turns up, find it and record it found.".into(),
            action: format!("/stocktakes/{id}/report-missing"),
            fields: vec![("asset_tag".into(), tag.unwrap_or_default())],
            button: "Yes, report it lost".into(),
            back: format!("/stocktakes/{id}"),
            destructive: true,
        }
        .into_response());
    }
    let request = TagRequest { asset_tag: tag };
    let device = service::report_missing(&app.db, &staff, id, &request, Utc::now()).await?;
    Ok(done(
        &format!("/stocktakes/{id}"),
        &format!(
            "{} reported missing: it is lost until someone finds it",
            device.asset_tag
        ),
    ))
}

pub async fn move_here(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(form): Form<TagForm>,
) -> Result<Response, AppError> {
    let request = TagRequest {
        asset_tag: form.asset_tag,
    };
    let device = service::move_here(&app.db, &staff, id, &request, Utc::now()).await?;
    Ok(done(
        &format!("/stocktakes/{id}"),
        &format!("{} now belongs to this hub", device.asset_tag),
    ))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/stocktakes", get(list).post(start))
        .route("/stocktakes/{id}", get(show))
        .route("/stocktakes/{id}/scans", post(scan))
        .route("/stocktakes/{id}/close", post(close))
        .route("/stocktakes/{id}/report-missing", post(report_missing))
        .route("/stocktakes/{id}/move-here", post(move_here))
}
