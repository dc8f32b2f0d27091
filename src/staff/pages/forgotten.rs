//! "Forgot your password?" from the sign-in page: one answer whatever the address, and a plain
//! "ask your admin" where lendhub cannot send email.

use axum::{
    Form,
    extract::State,
    response::{IntoResponse, Response},
};
use chrono::Utc;

use crate::{
    auth::extract::ClientAddress,
    error::AppError,
    staff::recovery::{self, Asked},
    state::AppState,
    web::{
        Nav, done,
        form::{Field, FormData, FormPage},
    },
};

fn form() -> FormPage {
    FormPage::new(
        Nav::signed_out(),
        "Forgot your password?",
        "/password/forgot".to_owned(),
        "Send me a link",
    )
    .back("/login")
    .intro("Type the email address you sign in with. If it has an account, we email it a link to choose a new password.")
    .field(Field::text("email", "Email address").input("email", "username"))
}

pub async fn page() -> FormPage {
    form()
}

pub async fn ask(
    State(app): State<AppState>,
    ClientAddress(address): ClientAddress,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let email = data.get("email").unwrap_or_default();
    match recovery::forgotten(&app.db, &app.config, email, &address, Utc::now()).await {
        Ok(Asked::Emailed) => Ok(done(
            "/login",
            "If there is an account for that address, we have emailed it a link to choose a new password. The link works for a day. Nothing arrived? Ask your admin for a link.",
        )),
        Ok(Asked::AskAnAdmin) => Ok(done(
            "/login",
            "lendhub cannot send email here: ask your admin to make you a link to choose a new password.",
        )),
        Err(err) => form().refused(&data, err).map(IntoResponse::into_response),
    }
}
