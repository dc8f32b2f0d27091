//! The settings page (and, in `partners.rs`, the partner organisations'): the organisation's name, how people reach it, and the referral form's
//! eligibility questions (admins change them; the rest of the staff see them).

use axum::{
    Form, Router,
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::Utc;

mod joining;
mod partners;

use crate::organisations::service::{self, OrganisationRequest, OrganisationView};
use crate::referrals::model::Eligibility;
use crate::{
    auth::{Action, Staff},
    error::AppError,
    state::AppState,
    web::{
        Nav, done,
        form::{Field, FormData, FormPage},
    },
};

fn settings_form(staff: &Staff, current: &OrganisationView) -> FormPage {
    FormPage::new(
        Nav::new(staff, "settings"),
        "Organisation settings",
        "/settings".to_owned(),
        "Save the settings",
    )
    .intro(format!(
        "Labels, loan agreements, reminder letters and emails, and the page a found device's label opens all give these details. Asset tags start {}- (that cannot change: every label printed carries it).",
        current.prefix
    ))
    .field(Field::text("name", "Organisation name").value(current.name.clone()))
    .field(
        Field::text("phone", "Phone number")
            .input("tel", "tel")
            .hint("Printed on labels, for whoever finds a device, and on agreements and letters.")
            .value(current.phone.clone().unwrap_or_default()),
    )
    .field(
        Field::text("email", "Email address")
            .input("email", "email")
            .value(current.email.clone().unwrap_or_default()),
    )
    .field(Field::textarea("address", "Postal address").value(current.address.clone().unwrap_or_default()))
    .field(
        Field::textarea("eligibility", "Eligibility questions on the referral form")
            .hint(
                "One question a line: a key, the question, and what a yes adds to the person's priority on the waiting list, \
                 apart by |, like: low_income | Are they on a low income? | 3. Empty it to go back to the usual four.",
            )
            .value(Eligibility::new(current.eligibility.clone()).unwrap_or_default().to_lines()),
    )
    .field(
        Field::checkbox(
            "publish_lending",
            "List our hubs' device lending in the public directory feed",
            current.publish_lending,
        )
        .hint("The open Open Referral feed a council's directory reads: each hub's name, address and opening hours, and your organisation's phone and email. Nobody's name."),
    )
    .field(Field::checkbox(
        "publish_training",
        "List our training sessions open to book in the public directory feed",
        current.publish_training,
    ))
}

async fn page(State(app): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    staff.require(Action::ManageStaff)?;
    let leads = service::leads(&app.db.read, staff.organisation_id()).await?;
    let current = service::get(&app.db.read, &staff).await?;
    let mut form = settings_form(&staff, &current);
    if leads {
        form = form.related("/organisations", "Partner organisations in the scheme");
    }
    form = form.related("/sharing", "Sharing agreements with partner organisations");
    Ok(form.into_response())
}

async fn save(
    State(app): State<AppState>,
    staff: Staff,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let eligibility = match data.text("eligibility") {
        None => Ok(None),
        Some(lines) => Eligibility::from_lines(&lines).map(|own| Some(own.questions().to_vec())),
    };
    let result = match eligibility {
        Err(err) => Err(err.into()),
        Ok(eligibility) => {
            let request = OrganisationRequest {
                name: data.text("name"),
                phone: data.text("phone"),
                email: data.text("email"),
                address: data.text("address"),
                eligibility,
                publish_lending: Some(data.ticked("publish_lending")),
                publish_training: Some(data.ticked("publish_training")),
            };
            service::update(&app.db, &staff, &request, Utc::now()).await
        }
    };
    match result {
        Ok(_) => Ok(done("/settings", "The organisation's details are saved.")),
        Err(err) => {
            let current = service::get(&app.db.read, &staff).await?;
            settings_form(&staff, &current).refused(&data, err)
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings", get(page).post(save))
        .route("/organisations", get(partners::list))
        .route("/organisations/new", get(partners::new).post(partners::add))
        .route("/join/{key}", get(joining::page).post(joining::join))
        .route(
            "/organisations/{id}/invitation",
            axum::routing::post(partners::reinvite),
        )
}
