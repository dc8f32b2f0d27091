//! Bookings in the browser: what is booked at each hub, booking devices (for a session, from its
//! page, or for a time), and cancelling a booking.

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

use super::service::{self, ReservationPage, ReservationQuery, ReservationRequest};
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

#[derive(Template, WebTemplate)]
#[template(path = "reservations/list.html")]
pub struct ListPage {
    nav: Nav,
    list: ReservationPage,
    hubs: Vec<HubView>,
    can_book: bool,
    next_page: Option<String>,
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

    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes loop items by reference
    fn devices(kind: &DeviceKind, count: &i32) -> String {
        kind.count(u64::try_from(*count).unwrap_or(0))
    }

    fn count(&self) -> String {
        crate::words::count(self.list.total, "booking", "bookings")
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
}

pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Result<ListPage, AppError> {
    let list = service::list(
        &app.db,
        &staff,
        &ReservationQuery {
            hub_id: None,
            cursor: query.cursor,
            limit: Some(50),
        },
        Utc::now(),
    )
    .await?;
    let next_page = list
        .next_cursor
        .as_ref()
        .map(|c| format!("/reservations?cursor={c}"));
    Ok(ListPage {
        nav: Nav::new(&staff, "training"),
        hubs: crate::hubs::service::list(&app.db.read, &staff).await?,
        can_book: staff.can(Action::Train),
        list,
        next_page,
    })
}

async fn form(app: &AppState, staff: &Staff, session_id: Option<i32>) -> Result<FormPage, AppError> {
    staff.require(Action::Train)?;
    let hubs = crate::hubs::service::list(&app.db.read, staff).await?;
    let mut hub_choices = vec![Choice::new("", "Choose a hub", false)];
    hub_choices.extend(
        hubs.iter()
            .map(|h| Choice::new(h.id.to_string(), h.name.clone(), false)),
    );
    let mut page = FormPage::new(
        Nav::new(staff, "training"),
        "Book devices",
        "/reservations/new",
        "Book them",
    )
    .back("/reservations")
    .intro("Booked devices stay on the shelf: while the booking runs the counter will not lend or give away a device that would leave too few.");
    if let Some(id) = session_id {
        page = page
            .intro("Booked devices stay on the shelf for the session: the counter will not lend or give away a device that would leave too few. The session's hub and times are used unless you change them.")
            .field(Field::hidden("session_id", id.to_string()));
    }
    Ok(page
        .field(Field::radios(
            "kind",
            "Which devices?",
            DeviceKind::ALL
                .iter()
                .map(|k| Choice::new(k.as_str(), k.label(), false))
                .collect(),
        ))
        .field(
            Field::text("count", "How many?")
                .input("text", "off")
                .hint("From 1 to 500."),
        )
        .field(Field::select(
            "hub_id",
            if session_id.is_some() {
                "At which hub? (optional)"
            } else {
                "At which hub?"
            },
            hub_choices,
        ))
        .field(Field::text("starts_at", "From").input("datetime-local", "off"))
        .field(Field::text("ends_at", "Until").input("datetime-local", "off")))
}

#[derive(Debug, Deserialize)]
pub struct NewQuery {
    session_id: Option<i32>,
}

pub async fn new(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<NewQuery>,
) -> Result<Response, AppError> {
    Ok(form(&app, &staff, query.session_id).await?.into_response())
}

pub async fn make(
    State(app): State<AppState>,
    staff: Staff,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let session_id = data.text("session_id").and_then(|s| s.parse().ok());
    let page = form(&app, &staff, session_id).await?;
    let count = data.text("count");
    let Ok(count) = count.as_deref().map(str::parse::<i32>).transpose() else {
        return page.refused(&data, AppError::invalid("count", "enter how many, as a number"));
    };
    let request = ReservationRequest {
        hub_id: data.text("hub_id").and_then(|h| h.parse().ok()),
        kind: data.text("kind"),
        count,
        starts_at: data.text("starts_at"),
        ends_at: data.text("ends_at"),
        session_id,
    };
    match service::make(&app.db, &staff, &request, Utc::now()).await {
        Ok(booked) => Ok(done(
            "/reservations",
            &format!(
                "{} booked from {} to {}",
                booked.kind.count(u64::try_from(booked.count).unwrap_or(0)),
                london_time(booked.starts_at),
                london_time(booked.ends_at)
            ),
        )),
        Err(err) => page.refused(&data, err),
    }
}

pub async fn cancel(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    service::cancel(&app.db, &staff, id, Utc::now()).await?;
    Ok(done(
        "/reservations",
        "Booking cancelled: the devices can be lent again",
    ))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reservations", get(list))
        .route("/reservations/new", get(new).post(make))
        .route("/reservations/{id}/cancel", post(cancel))
}
