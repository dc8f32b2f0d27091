//! The directory in the browser: searching it by words, area of need and place; a service's
//! page; adding and changing the organisation's own; and signposting a borrower to one (the search
//! opened from their page carries their id, and each result offers "Signpost them here").

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

mod signpost;

use super::{
    model::{ImpactArea, LocationRequest, ServiceRequest},
    service::{self, DirectoryQuery, ServicePage, ServiceView},
};
use crate::{
    auth::{Action, Staff},
    error::{ApiPath, AppError, FieldError},
    state::AppState,
    web::{
        Nav, done,
        form::{Choice, Field, FormData, FormPage},
        urlencode,
    },
};

#[derive(Template, WebTemplate)]
#[template(path = "directory/list.html")]
pub struct ListPage {
    nav: Nav,
    list: ServicePage,
    q: String,
    area: String,
    place: String,
    /// Signposting this borrower: `(id, name)`.
    borrower: Option<(i32, String)>,
    can_add: bool,
    next_page: Option<String>,
    /// A search that does not read: `(field, message)`.
    error: Option<(String, String)>,
}

impl ListPage {
    /// Whether the search's problem is about this field.
    fn wrong(&self, field: &str) -> bool {
        self.error.as_ref().is_some_and(|(f, _)| f == field)
    }

    fn areas(&self) -> Vec<(&'static str, &'static str, bool)> {
        std::iter::once(("", "Any area"))
            .chain(ImpactArea::ALL.iter().map(|a| (a.as_str(), a.label())))
            .map(|(value, label)| (value, label, self.area == value))
            .collect()
    }

    fn count(&self) -> String {
        crate::words::count(self.list.total, "service", "services")
    }

    fn area_labels(service: &ServiceView) -> String {
        let labels: Vec<&str> = service.impact_areas.iter().map(|a| a.label()).collect();
        labels.join(", ")
    }

    fn places(service: &ServiceView) -> String {
        let places: Vec<String> = service
            .locations
            .iter()
            .map(|l| match &l.postcode {
                Some(postcode) => format!("{} ({postcode})", l.name),
                None => l.name.clone(),
            })
            .collect();
        places.join("; ")
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    area: Option<String>,
    place: Option<String>,
    cursor: Option<String>,
    borrower_id: Option<i32>,
}

pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    staff.require(Action::ViewDirectory)?;
    let borrower = match query.borrower_id {
        Some(id) => {
            let b = crate::people::service::get(&app.db.read, &staff, id).await?;
            Some((b.id, b.name))
        }
        None => None,
    };
    let search = DirectoryQuery {
        q: query.q.clone(),
        area: query.area.clone(),
        place: query.place.clone(),
        cursor: query.cursor.clone(),
        limit: Some(25),
    };
    let (list, error) = match service::search(&app.db, &staff, &search).await {
        Ok(list) => (list, None),
        Err(AppError::Invalid(e)) => {
            let empty = ServicePage {
                items: Vec::new(),
                total: 0,
                next_cursor: None,
            };
            (empty, Some((e.field, e.message)))
        }
        Err(other) => return Err(other),
    };
    let (q, area, place) = (
        query.q.unwrap_or_default(),
        query.area.unwrap_or_default(),
        query.place.unwrap_or_default(),
    );
    let next_page = list.next_cursor.as_ref().map(|c| {
        let who = borrower
            .as_ref()
            .map(|(id, _)| format!("&borrower_id={id}"))
            .unwrap_or_default();
        format!(
            "/directory?q={}&area={}&place={}&cursor={c}{who}",
            urlencode(&q),
            urlencode(&area),
            urlencode(&place)
        )
    });
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let page = ListPage {
        nav: Nav::new(&staff, "directory"),
        can_add: staff.can(Action::ManageDirectory),
        list,
        q,
        area,
        place,
        borrower,
        next_page,
        error,
    };
    Ok((status, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "directory/show.html")]
pub struct ShowPage {
    nav: Nav,
    service: ServiceView,
    can_change: bool,
}

pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<ShowPage, AppError> {
    let service = service::get(&app.db, &staff, id).await?;
    Ok(ShowPage {
        nav: Nav::new(&staff, "directory"),
        can_change: staff.can(Action::ManageDirectory) && service.organisation_id == staff.organisation_id(),
        service,
    })
}

/// The service form, empty or filled with `existing`.
fn service_form(staff: &Staff, action: String, existing: Option<&ServiceView>) -> FormPage {
    let text = |value: Option<&String>| value.cloned().unwrap_or_default();
    let place = existing.and_then(|s| s.locations.first());
    let areas = ImpactArea::ALL
        .iter()
        .map(|a| {
            let ticked = existing.is_some_and(|s| s.impact_areas.contains(a));
            Choice::new(a.as_str(), a.label(), ticked)
        })
        .collect();
    let (title, button) = match existing {
        Some(s) => (format!("Change {}", s.name), "Save the changes"),
        None => ("Add a service to the directory".to_owned(), "Add the service"),
    };
    let back = existing.map_or_else(|| "/directory".to_owned(), |s| format!("/directory/{}", s.id));
    FormPage::new(Nav::new(staff, "directory"), title, action, button)
        .back(back)
        .intro("A partner's service people can be pointed to. Everything here is public: it is shared with every partner and published in the scheme's open directory feed, so write nothing about any person.")
        .field(Field::text("name", "Name of the service").value(text(existing.map(|s| &s.name))).input("text", "off"))
        .field(Field::textarea("description", "What it offers (optional)").value(text(existing.and_then(|s| s.description.as_ref()))))
        .field(Field::checkboxes("impact_areas", "Areas of need it meets", areas))
        .field(Field::text("provider", "Who runs it (optional)").value(text(existing.and_then(|s| s.provider.as_ref()))).input("text", "organization"))
        .field(Field::text("phone", "Phone (optional)").value(text(existing.and_then(|s| s.phone.as_ref()))).input("tel", "off"))
        .field(Field::text("email", "Email (optional)").value(text(existing.and_then(|s| s.email.as_ref()))).input("email", "off"))
        .field(Field::text("url", "Web page (optional)").hint("Starting https://").value(text(existing.and_then(|s| s.url.as_ref()))).input("url", "off"))
        .field(Field::textarea("referral_notes", "How to refer someone (optional)").hint("Who to call or email, and what they need to know.").value(text(existing.and_then(|s| s.referral_notes.as_ref()))))
        .field(Field::text("opening_times", "Opening times (optional)").hint("As people would say it, like Mondays and Thursdays, 10am to 2pm.").value(text(existing.and_then(|s| s.opening_times.as_ref()))).input("text", "off"))
        .field(Field::text("location_name", "Where it is: the place's name (optional)").hint("Like Maidstone library. Leave empty for a phone or online service.").value(text(place.map(|p| &p.name))).input("text", "off"))
        .field(Field::textarea("location_address", "Its address (optional)").value(text(place.and_then(|p| p.address.as_ref()))))
        .field(Field::text("location_postcode", "Its postcode (optional)").value(text(place.and_then(|p| p.postcode.as_ref()))).input("text", "postal-code"))
}

/// The form read into a request; a service's other places (from the API or an import) are kept.
fn request_of(data: &FormData, existing: Option<&ServiceView>) -> Result<ServiceRequest, FieldError> {
    let mut impact_areas = Vec::new();
    for value in data.all("impact_areas") {
        impact_areas.push(ImpactArea::parse(&value)?);
    }
    let first = LocationRequest {
        name: data.text("location_name"),
        address: data.text("location_address"),
        postcode: data.text("location_postcode"),
    };
    let mut locations: Vec<LocationRequest> = Vec::new();
    if first.name.is_some() || first.address.is_some() || first.postcode.is_some() {
        locations.push(first);
    }
    if let Some(existing) = existing {
        locations.extend(existing.locations.iter().skip(1).map(|l| LocationRequest {
            name: Some(l.name.clone()),
            address: l.address.clone(),
            postcode: l.postcode.clone(),
        }));
    }
    Ok(ServiceRequest {
        name: data.text("name"),
        description: data.text("description"),
        impact_areas,
        provider: data.text("provider"),
        email: data.text("email"),
        phone: data.text("phone"),
        url: data.text("url"),
        referral_notes: data.text("referral_notes"),
        locations,
        opening_times: data.text("opening_times"),
    })
}

/// A place's error named as the form's field (`locations[0].postcode` is `location_postcode`).
fn on_form_field(e: FieldError) -> FieldError {
    match e.field.strip_prefix("locations[0].") {
        Some(part) => FieldError::new(format!("location_{part}"), e.message),
        None => e,
    }
}

fn on_form(err: AppError) -> AppError {
    match err {
        AppError::Invalid(e) => AppError::Invalid(on_form_field(e)),
        other => other,
    }
}

/// The form again with every problem the entry has, each beside its field.
fn all_refused(page: FormPage, data: &FormData, errors: Vec<FieldError>) -> Response {
    let errors = errors.into_iter().map(on_form_field).collect();
    (
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        page.with_submission(data, errors),
    )
        .into_response()
}

pub async fn new(State(_app): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    staff.require(Action::ManageDirectory)?;
    Ok(service_form(&staff, "/directory/new".into(), None).into_response())
}

pub async fn add(
    State(app): State<AppState>,
    staff: Staff,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    staff.require(Action::ManageDirectory)?;
    let page = service_form(&staff, "/directory/new".into(), None);
    let request = match request_of(&data, None) {
        Ok(request) => request,
        Err(e) => return page.refused(&data, e.into()),
    };
    if let Err(errors) = request.parse() {
        return Ok(all_refused(page, &data, errors));
    }
    match service::add(&app.db, &staff, &request, Utc::now()).await {
        Ok(s) => Ok(done(
            &format!("/directory/{}", s.id),
            &format!("{} is in the directory", s.name),
        )),
        Err(err) => page.refused(&data, on_form(err)),
    }
}

async fn own(app: &AppState, staff: &Staff, id: i32) -> Result<ServiceView, AppError> {
    staff.require(Action::ManageDirectory)?;
    let existing = service::get(&app.db, staff, id).await?;
    if existing.organisation_id != staff.organisation_id() {
        return Err(AppError::Forbidden(
            "another organisation lists this service: ask them to change it".into(),
        ));
    }
    Ok(existing)
}

pub async fn edit(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    let existing = own(&app, &staff, id).await?;
    Ok(service_form(&staff, format!("/directory/{id}/edit"), Some(&existing)).into_response())
}

pub async fn change(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let existing = own(&app, &staff, id).await?;
    let page = service_form(&staff, format!("/directory/{id}/edit"), Some(&existing));
    let request = match request_of(&data, Some(&existing)) {
        Ok(request) => request,
        Err(e) => return page.refused(&data, e.into()),
    };
    if let Err(errors) = request.parse() {
        return Ok(all_refused(page, &data, errors));
    }
    match service::update(&app.db, &staff, id, &request, Utc::now()).await {
        Ok(s) => Ok(done(
            &format!("/directory/{id}"),
            &format!("Saved the changes to {}", s.name),
        )),
        Err(err) => page.refused(&data, on_form(err)),
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/directory", get(list))
        .route("/directory/new", get(new).post(add))
        .route("/directory/{id}", get(show))
        .route("/directory/{id}/edit", get(edit).post(change))
        .route(
            "/directory/{id}/signpost",
            get(signpost::signpost_page).post(signpost::signpost),
        )
}
