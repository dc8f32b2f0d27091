//! SIMs in the browser: the list (available, given, data ended), adding one from its packet, and
//! giving one to a person from their page by scanning or typing its ICCID.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form, Router,
    extract::{Query, State},
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::Utc;
use serde::Deserialize;

use super::{
    model::{NewSimRequest, SimStatus},
    service::{self, SimPage, SimQuery, SimView},
};
use crate::{
    auth::{Action, Staff},
    dates::long_date,
    error::AppError,
    state::AppState,
    web::{
        Nav, done,
        form::{Choice, Field, FormData, FormPage},
    },
};

#[derive(Template, WebTemplate)]
#[template(path = "sims/list.html")]
pub struct ListPage {
    nav: Nav,
    list: SimPage,
    status: String,
    can_add: bool,
    next_page: Option<String>,
}

impl ListPage {
    fn statuses(&self) -> Vec<(&'static str, &'static str, bool)> {
        [
            ("", "All"),
            ("available", "Available"),
            ("given", "Given"),
            ("expired", "Data ended"),
        ]
        .into_iter()
        .map(|(value, label)| (value, label, self.status == value))
        .collect()
    }

    fn ends(sim: &SimView) -> String {
        long_date(sim.expires_on)
    }

    fn count(&self) -> String {
        crate::words::count(self.list.total, "SIM", "SIMs")
    }

    fn is_given(sim: &SimView) -> bool {
        sim.status == SimStatus::Given
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Result<ListPage, AppError> {
    let status = query.status.unwrap_or_default();
    let list = service::list(
        &app.db,
        &staff,
        &SimQuery {
            status: Some(status.clone()),
            cursor: query.cursor,
            limit: Some(50),
            borrower_id: None,
        },
        Utc::now(),
    )
    .await?;
    let next_page = list
        .next_cursor
        .as_ref()
        .map(|c| format!("/sims?status={status}&cursor={c}"));
    Ok(ListPage {
        nav: Nav::new(&staff, "devices"),
        can_add: staff.can(Action::ManageDevices),
        list,
        status,
        next_page,
    })
}

async fn add_form(app: &AppState, staff: &Staff) -> Result<FormPage, AppError> {
    staff.require(Action::ManageDevices)?;
    let hubs = crate::hubs::service::list(&app.db.read, staff).await?;
    let mut hub_choices = vec![Choice::new("", "Every hub", false)];
    hub_choices.extend(
        hubs.iter()
            .map(|h| Choice::new(h.id.to_string(), h.name.clone(), false)),
    );
    Ok(FormPage::new(
        Nav::new(staff, "devices"),
        "Add a SIM",
        "/sims/new",
        "Add the SIM",
    )
    .back("/sims")
    .intro("From its packet: the number printed on the SIM, its network, its data and when the data ends.")
    .field(
        Field::text("iccid", "ICCID")
            .hint("The 18 to 22 digits printed on the SIM.")
            .input("text", "off"),
    )
    .field(Field::text("network", "Network").input("text", "off"))
    .field(Field::text("allowance_gb", "Data each month, in GB").input("text", "off"))
    .field(Field::date("expires_on", "The last day it has data"))
    .field(
        Field::text("batch", "Batch (optional)")
            .hint("As the supplier names it, for example National Databank, December.")
            .input("text", "off"),
    )
    .field(Field::select("hub_id", "Kept at", hub_choices)))
}

pub async fn new(State(app): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    Ok(add_form(&app, &staff).await?.into_response())
}

pub async fn add(
    State(app): State<AppState>,
    staff: Staff,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let page = add_form(&app, &staff).await?;
    let allowance = data.text("allowance_gb");
    let Ok(allowance_gb) = allowance.as_deref().map(str::parse::<i32>).transpose() else {
        return page.refused(
            &data,
            AppError::invalid("allowance_gb", "enter the data each month in GB, as a number"),
        );
    };
    let request = NewSimRequest {
        iccid: data.text("iccid"),
        network: data.text("network"),
        allowance_gb,
        expires_on: data.text("expires_on"),
        batch: data.text("batch"),
        hub_id: data.text("hub_id").and_then(|h| h.parse().ok()),
    };
    match service::add(&app.db, &staff, &request, Utc::now()).await {
        Ok(sim) => Ok(done(
            "/sims/new",
            &format!("Added the {} SIM ending {}", sim.network, last_digits(&sim.iccid)),
        )),
        Err(err) => page.refused(&data, err),
    }
}

fn last_digits(iccid: &str) -> &str {
    &iccid[iccid.len().saturating_sub(4)..]
}

async fn give_form(app: &AppState, staff: &Staff, borrower_id: i32) -> Result<FormPage, AppError> {
    staff.require(Action::Lend)?;
    let borrower = crate::people::service::get(&app.db.read, staff, borrower_id).await?;
    Ok(FormPage::new(
        Nav::new(staff, "borrowers"),
        format!("Give {} a SIM with data", borrower.name),
        "/sims/give",
        "Give the SIM",
    )
    .back(format!("/borrowers/{borrower_id}"))
    .intro("For someone with a phone or device but no data. A week before the data ends they are told, as they agreed.")
    .field(Field::hidden("borrower_id", borrower_id.to_string()))
    .field(Field::text("iccid", "The SIM's ICCID").hint("Scan the barcode on its card, or type the digits.").input("text", "off")))
}

#[derive(Debug, Deserialize)]
pub struct GiveQuery {
    borrower_id: Option<i32>,
}

pub async fn give_page(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<GiveQuery>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    let borrower_id = query
        .borrower_id
        .ok_or_else(|| AppError::NotFound("choose a borrower first, then give from their page".into()))?;
    Ok(give_form(&app, &staff, borrower_id).await?.into_response())
}

pub async fn give(
    State(app): State<AppState>,
    staff: Staff,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    let borrower_id = data
        .text("borrower_id")
        .and_then(|b| b.parse().ok())
        .ok_or_else(|| AppError::NotFound("there is no such borrower".into()))?;
    let page = give_form(&app, &staff, borrower_id).await?;
    match service::give_by_iccid(
        &app.db,
        &staff,
        data.text("iccid").as_deref(),
        borrower_id,
        Utc::now(),
    )
    .await
    {
        Ok(sim) => Ok(done(
            &format!("/borrowers/{borrower_id}"),
            &format!(
                "SIM given: {} GB a month on {} until {}",
                sim.allowance_gb,
                sim.network,
                long_date(sim.expires_on)
            ),
        )),
        Err(err) => page.refused(&data, err),
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sims", get(list))
        .route("/sims/new", get(new).post(add))
        .route("/sims/give", get(give_page).post(give))
}
