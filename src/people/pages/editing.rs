//! Adding a borrower (with their consent, and back to the device being issued when that is what
//! sent us here) and changing a borrower's details.

use axum::{
    Form,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use chrono::Utc;
use serde::Deserialize;

use crate::people::{
    model::{BARRIERS, BorrowerRequest, ConsentRequest, ConsentsRequest, Purpose},
    service,
};
use crate::{
    auth::{Action, Staff},
    error::{ApiPath, AppError},
    state::AppState,
    web::{
        Nav,
        form::{Choice, Field, FormData, FormPage},
    },
};

/// The borrower form, for adding (with consent) or changing.
fn borrower_form(
    staff: &Staff,
    title: &str,
    action: String,
    request: &BorrowerRequest,
    adding: bool,
) -> FormPage {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let barriers = request.barriers.clone().unwrap_or_default();
    let mut page = FormPage::new(
        Nav::new(staff, "borrowers"),
        title,
        action,
        if adding {
            "Add the borrower"
        } else {
            "Save changes"
        },
    )
    .intro("We keep only what the scheme needs. Give at least one way to reach them: email, phone or post.")
    .field(
        Field::text("name", "Full name")
            .value(text(&request.name))
            .input("text", "name"),
    )
    .field(
        Field::text("phone", "Phone number (optional)")
            .value(text(&request.phone))
            .input("tel", "tel"),
    )
    .field(
        Field::text("email", "Email address (optional)")
            .value(text(&request.email))
            .input("email", "email"),
    )
    .field(Field::textarea("address", "Postal address (optional)").value(text(&request.address)))
    .field(
        Field::text("postcode", "Postcode (optional)")
            .value(text(&request.postcode))
            .input("text", "postal-code"),
    )
    .field(Field::checkbox(
        "prefers_phone",
        "They would rather be phoned than emailed",
        request.prefers_phone.unwrap_or(false),
    ))
    .field(Field::checkboxes(
        "barriers",
        "What stops them getting online? (optional)",
        BARRIERS
            .iter()
            .map(|(value, label)| Choice::new(*value, *label, barriers.iter().any(|b| b == value)))
            .collect(),
    ))
    .field(Field::checkbox(
        "large_print",
        "They need large print",
        request.large_print.unwrap_or(false),
    ))
    .field(
        Field::text("preferred_language", "Preferred language (optional)")
            .value(text(&request.preferred_language)),
    )
    .field(
        Field::textarea("accessibility_needs", "Other accessibility needs (optional)")
            .value(text(&request.accessibility_needs)),
    )
    .field(
        Field::text("referral_source", "Who referred them? (optional)").value(text(&request.referral_source)),
    );
    if adding {
        page = page.field(
            Field::checkbox(
                "consent",
                "They agree that we keep and use these details to run their loan and training",
                false,
            )
            .hint("Read them the privacy notice first. We cannot lend without their agreement."),
        );
    }
    page
}

fn request_from(data: &FormData) -> BorrowerRequest {
    BorrowerRequest {
        name: data.text("name"),
        email: data.text("email"),
        phone: data.text("phone"),
        address: data.text("address"),
        postcode: data.text("postcode"),
        barriers: Some(data.all("barriers")),
        consent: Some(ConsentRequest {
            data_processing: Some(data.ticked("consent")),
            ..ConsentRequest::default()
        }),
        large_print: Some(data.ticked("large_print")),
        preferred_language: data.text("preferred_language"),
        accessibility_needs: data.text("accessibility_needs"),
        referral_source: data.text("referral_source"),
        resident_of_organisation_id: None,
        prefers_phone: Some(data.ticked("prefers_phone")),
    }
}

#[derive(Debug, Deserialize)]
pub struct NewQuery {
    /// The device being issued, to go back to once the borrower is added.
    for_device: Option<String>,
}

fn new_action(for_device: Option<&str>) -> String {
    match for_device {
        Some(tag) => format!("/borrowers?for_device={}", crate::web::urlencode(tag)),
        None => "/borrowers".to_owned(),
    }
}

pub async fn new(staff: Staff, Query(query): Query<NewQuery>) -> Result<Response, AppError> {
    staff.require(Action::ManageBorrowers)?;
    let page = borrower_form(
        &staff,
        "Add a borrower",
        new_action(query.for_device.as_deref()),
        &BorrowerRequest::default(),
        true,
    );
    Ok(page.into_response())
}

pub async fn create(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<NewQuery>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    staff.require(Action::ManageBorrowers)?;
    let request = request_from(&data);
    let page = || {
        borrower_form(
            &staff,
            "Add a borrower",
            new_action(query.for_device.as_deref()),
            &request,
            true,
        )
    };
    let details = match request.parse_new() {
        Ok(details) => details,
        Err(errors) => {
            let errors = errors.into_iter().map(|mut e| {
                if e.field == "consent.data_processing" {
                    e.field = "consent".into();
                }
                e
            });
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page().with_submission(&data, errors.collect()),
            )
                .into_response());
        }
    };
    let consents = request.consent.clone().unwrap_or_default().for_new(&details);
    let borrower = service::create(&app.db, &staff, details, consents, Utc::now()).await?;
    let next = match query.for_device {
        Some(tag) => format!(
            "/devices/{}/issue/details?borrower_id={}",
            crate::web::urlencode(&tag),
            borrower.id
        ),
        None => format!("/borrowers/{}", borrower.id),
    };
    Ok(Redirect::to(&next).into_response())
}

pub async fn edit(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    staff.require(Action::ManageBorrowers)?;
    let borrower = service::open(&app.db, &staff, id, Utc::now()).await?;
    let page = borrower_form(
        &staff,
        &format!("Change {}'s details", borrower.name),
        format!("/borrowers/{id}"),
        &borrower.as_request(),
        false,
    );
    Ok(page.into_response())
}

pub async fn update(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let borrower = service::get(&app.db.read, &staff, id).await?;
    let request = request_from(&data);
    match request.details() {
        Ok(details) => {
            service::update(&app.db, &staff, id, details, Utc::now()).await?;
            Ok(Redirect::to(&format!("/borrowers/{id}")).into_response())
        }
        Err(errors) => {
            let page = borrower_form(
                &staff,
                &format!("Change {}'s details", borrower.name),
                format!("/borrowers/{id}"),
                &request,
                false,
            );
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page.with_submission(&data, errors),
            )
                .into_response())
        }
    }
}

/// The consent form on a borrower's page: every purpose is on it, so one left unticked is
/// withdrawn.
pub async fn save_consents(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let ticked = |purpose: Purpose| Some(data.ticked(purpose.as_str()));
    let request = ConsentsRequest {
        loan: ticked(Purpose::Loan),
        email_reminders: ticked(Purpose::EmailReminders),
        phone_reminders: ticked(Purpose::PhoneReminders),
        post: ticked(Purpose::Post),
        follow_up: ticked(Purpose::FollowUp),
        share_with_partners: ticked(Purpose::ShareWithPartners),
        how: data.text("how"),
    };
    service::set_consents(&app.db, &staff, id, &request, Utc::now()).await?;
    Ok(crate::web::done(
        &format!("/borrowers/{id}#consent"),
        "Their consent is saved.",
    ))
}
