//! `/join/{key}`: a partner organisation's first admin makes their account with the link the
//! lead handed them. Signed out; the key is never logged.

use axum::{
    Form,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use chrono::Utc;

use crate::{
    error::AppError,
    organisations::service::{self, JoinRequest},
    state::AppState,
    web::{
        Nav, done,
        form::{Field, FormData, FormPage},
    },
};

fn form(key: &str, organisation: &str) -> FormPage {
    FormPage::new(
        Nav::signed_out(),
        format!("Set up {organisation} on lendhub"),
        format!("/join/{key}"),
        "Make my account",
    )
    .intro("You will be its first admin: you add its hubs, devices and colleagues. Choose a password of at least 12 characters; a few words you will remember make a good one.")
    .field(Field::text("name", "Your name").input("text", "name"))
    .field(Field::text("email", "Your email").input("email", "email"))
    .field(Field::text("password", "Password").input("password", "new-password"))
    .field(Field::text("confirm", "Type the password again").input("password", "new-password"))
}

pub async fn page(State(app): State<AppState>, Path(key): Path<String>) -> Result<Response, AppError> {
    let organisation = service::invited_to(&app.db, &key, Utc::now()).await?;
    Ok(form(&key, &organisation).into_response())
}

pub async fn join(
    State(app): State<AppState>,
    Path(key): Path<String>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let organisation = service::invited_to(&app.db, &key, Utc::now()).await?;
    let request = JoinRequest {
        name: data.text("name"),
        email: data.text("email"),
        password: data.get("password").map(str::to_owned),
        confirm: data.get("confirm").map(str::to_owned),
    };
    // Passwords are never sent back into the page.
    let kept = FormData(
        data.0
            .into_iter()
            .filter(|(k, _)| k == "name" || k == "email")
            .collect(),
    );
    if let Err(errors) = request.check() {
        return Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            form(&key, &organisation).with_submission(&kept, errors),
        )
            .into_response());
    }
    match service::join(&app.db, &key, &request, Utc::now()).await {
        Ok(email) => Ok(done(
            "/login",
            &format!("Your account is ready. Sign in with {email} and your password."),
        )),
        Err(err) => form(&key, &organisation).refused(&kept, err),
    }
}
