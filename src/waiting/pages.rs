//! The waiting list in the browser: the list in its order with each person's place, wait and
//! any device held for them; adding someone (from their borrower page); holding a device for
//! someone; taking someone off.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form, Router,
    extract::{Query, State},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use chrono::Utc;
use serde::Deserialize;

use super::service::{self, AddRequest, OfferRequest, WaitingPage, WaitingQuery};
use crate::{
    auth::{Action, Staff},
    dates::london_time,
    devices::model::DeviceKind,
    error::{ApiPath, AppError},
    hubs::service::HubView,
    state::AppState,
    web::{
        Nav, done,
        form::{Choice, Field, FormData, FormPage},
    },
};

const PAGE: u64 = 50;

#[derive(Template, WebTemplate)]
#[template(path = "waiting/list.html")]
pub struct ListPage {
    nav: Nav,
    list: WaitingPage,
    hubs: Vec<HubView>,
    hub_id: Option<i32>,
    kind: String,
    next_page: Option<String>,
    hold_days: i64,
}

impl ListPage {
    fn when(at: &chrono::DateTime<Utc>) -> String {
        london_time(*at)
    }

    fn hub_name(&self, id: i32) -> String {
        self.hubs
            .iter()
            .find(|h| h.id == id)
            .map_or_else(|| format!("hub {id}"), |h| h.name.clone())
    }

    fn kinds(&self) -> Vec<(&'static str, &'static str, bool)> {
        std::iter::once(("", "Any kind", self.kind.is_empty()))
            .chain(
                DeviceKind::ALL
                    .iter()
                    .map(|k| (k.as_str(), k.label(), self.kind == k.as_str())),
            )
            .collect()
    }

    fn count(&self) -> String {
        crate::words::count(self.list.total, "person waiting", "people waiting")
    }

    fn is_hub(&self, id: i32) -> bool {
        self.hub_id == Some(id)
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    hub_id: Option<String>,
    kind: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Result<ListPage, AppError> {
    let hub_id = query.hub_id.as_deref().and_then(|h| h.parse().ok());
    let kind = query.kind.unwrap_or_default();
    let list = service::list(
        &app.db,
        &staff,
        &WaitingQuery {
            kind: Some(kind.clone()),
            hub_id,
            cursor: query.cursor,
            limit: Some(PAGE),
        },
        Utc::now(),
    )
    .await?;
    let next_page = list.next_cursor.as_ref().map(|c| {
        let hub = hub_id.map_or_else(String::new, |h| h.to_string());
        format!("/waiting-list?hub_id={hub}&kind={kind}&cursor={c}")
    });
    Ok(ListPage {
        nav: Nav::new(&staff, "borrowers"),
        hubs: crate::hubs::service::list(&app.db.read, &staff).await?,
        list,
        hub_id,
        kind,
        next_page,
        hold_days: app.config.hold_days,
    })
}

async fn add_form(app: &AppState, staff: &Staff, borrower_id: i32) -> Result<FormPage, AppError> {
    let borrower = crate::people::service::get(&app.db.read, staff, borrower_id).await?;
    let hubs = crate::hubs::service::list(&app.db.read, staff).await?;
    let mut hub_choices = vec![Choice::new("", "Choose a hub", false)];
    hub_choices.extend(
        hubs.iter()
            .map(|h| Choice::new(h.id.to_string(), h.name.clone(), false)),
    );
    Ok(FormPage::new(
        Nav::new(staff, "borrowers"),
        format!("Add {} to the waiting list", borrower.name),
        "/waiting-list/new",
        "Add to the waiting list",
    )
    .back(format!("/borrowers/{borrower_id}"))
    .intro("When a device of that kind is free at the hub, it is held for the first person waiting, and they are told.")
    .field(Field::hidden("borrower_id", borrower_id.to_string()))
    .field(Field::radios(
        "kind",
        "What are they waiting for?",
        DeviceKind::ALL.iter().map(|k| Choice::new(k.as_str(), k.label(), false)).collect(),
    ))
    .field(Field::select("hub_id", "Where will they collect it?", hub_choices))
    .field(
        Field::text("priority", "Priority (optional)")
            .hint("0 to 100; higher goes first. Leave it empty for 0. A referral's answers set theirs.")
            .input("text", "off"),
    ))
}

#[derive(Debug, Deserialize)]
pub struct NewQuery {
    borrower_id: Option<i32>,
}

pub async fn new(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<NewQuery>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    let borrower_id = query
        .borrower_id
        .ok_or_else(|| AppError::NotFound("choose a borrower first, then add them from their page".into()))?;
    Ok(add_form(&app, &staff, borrower_id).await?.into_response())
}

pub async fn add(
    State(app): State<AppState>,
    staff: Staff,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    let borrower_id = data
        .text("borrower_id")
        .and_then(|b| b.parse().ok())
        .ok_or_else(|| AppError::NotFound("there is no such borrower".into()))?;
    let priority = data.text("priority");
    let parsed_priority = priority.as_deref().map(str::parse::<i32>);
    let page = add_form(&app, &staff, borrower_id).await?;
    if let Some(Err(_)) = parsed_priority {
        return page.refused(
            &data,
            AppError::invalid("priority", "priority must be a number from 0 to 100"),
        );
    }
    let request = AddRequest {
        borrower_id: Some(borrower_id),
        kind: data.text("kind"),
        hub_id: data.text("hub_id").and_then(|h| h.parse().ok()),
        priority: parsed_priority.and_then(Result::ok),
    };
    match service::add(&app.db, &staff, &request, Utc::now()).await {
        Ok(entry) => Ok(done(
            &format!(
                "/waiting-list?hub_id={}&kind={}",
                entry.hub_id,
                entry.kind.as_str()
            ),
            &format!(
                "{} is waiting for a {}: number {} on the list",
                entry.borrower.name,
                entry.kind.in_sentence(),
                entry.position
            ),
        )),
        Err(err) => page.refused(&data, err),
    }
}

fn offer_form(staff: &Staff, id: i32, name: &str, kind: DeviceKind) -> FormPage {
    FormPage::new(
        Nav::new(staff, "borrowers"),
        format!("Hold a {} for {name}", kind.in_sentence()),
        format!("/waiting-list/{id}/offer"),
        "Hold it for them",
    )
    .back("/waiting-list")
    .intro("The device is kept for them, and refused to anyone else at the counter, until the hold runs out. They are told by email, a call or a letter, as they agreed.")
    .field(
        Field::text("asset_tag", "The device's asset tag")
            .hint(format!("An available {} at their hub: scan its label or type the tag.", kind.in_sentence()))
            .input("text", "off"),
    )
}

pub async fn offer_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    let entry = service::get(&app.db, &staff, id, Utc::now()).await?;
    Ok(offer_form(&staff, id, &entry.borrower.name, entry.kind).into_response())
}

pub async fn offer(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let entry = service::get(&app.db, &staff, id, Utc::now()).await?;
    let request = OfferRequest {
        asset_tag: data.text("asset_tag"),
    };
    match service::offer(&app.db, &staff, id, &request, app.config.hold_days, Utc::now()).await {
        Ok(held) => Ok(done(
            "/waiting-list",
            &format!(
                "{} is held for {} until {}",
                held.held_device.unwrap_or_default(),
                held.borrower.name,
                held.held_until.map(london_time).unwrap_or_default()
            ),
        )),
        Err(err) => offer_form(&staff, id, &entry.borrower.name, entry.kind).refused(&data, err),
    }
}

pub async fn cancel(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    let entry = service::cancel(&app.db, &staff, id, app.config.hold_days, Utc::now()).await?;
    Ok(done(
        "/waiting-list",
        &format!("{} is off the waiting list", entry.borrower.name),
    ))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/waiting-list", get(list))
        .route("/waiting-list/new", get(new).post(add))
        .route("/waiting-list/{id}/offer", get(offer_page).post(offer))
        .route("/waiting-list/{id}/cancel", post(cancel))
}
