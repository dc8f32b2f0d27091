//! The settings page: the organisation's name and how people reach it (admins change them; the
//! rest of the staff see them).

use axum::{
    Form, Router,
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::Utc;

use super::service::{self, OrganisationRequest, OrganisationView};
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
}

async fn page(State(app): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    staff.require(Action::ManageStaff)?;
    let current = service::get(&app.db.read, &staff).await?;
    Ok(settings_form(&staff, &current).into_response())
}

async fn save(
    State(app): State<AppState>,
    staff: Staff,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let request = OrganisationRequest {
        name: data.text("name"),
        phone: data.text("phone"),
        email: data.text("email"),
        address: data.text("address"),
    };
    match service::update(&app.db, &staff, &request, Utc::now()).await {
        Ok(_) => Ok(done("/settings", "The organisation's details are saved.")),
        Err(err) => {
            let current = service::get(&app.db.read, &staff).await?;
            settings_form(&staff, &current).refused(&data, err)
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/settings", get(page).post(save))
}
