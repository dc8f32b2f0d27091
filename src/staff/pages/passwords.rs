//! Passwords: a reset link an admin makes for someone, the page a link opens to choose a
//! password (never sent back into the page), and changing one's own.

use axum::{
    Form,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use chrono::Utc;

use super::LinkPage;
use crate::staff::service;
use crate::{
    auth::{Staff, model::Credential},
    error::{ApiPath, AppError},
    state::AppState,
    web::{
        Nav, done,
        form::{Field, FormData, FormPage},
    },
};

async fn reset_form(app: &AppState, staff: &Staff, id: i32) -> Result<FormPage, AppError> {
    let member = service::get(&app.db.read, staff, id, Utc::now()).await?;
    Ok(FormPage::new(
        Nav::new(staff, "staff"),
        format!("Reset {}'s password", member.name),
        format!("/staff/{id}/reset"),
        "Make a reset link",
    )
    .back("/staff")
    .intro("You get a link to give them. It works once, for a day, and lets them choose a new password. Earlier links stop working."))
}

pub(super) async fn reset_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<FormPage, AppError> {
    reset_form(&app, &staff, id).await
}

pub(super) async fn reset(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    let member = service::get(&app.db.read, &staff, id, Utc::now()).await?;
    match service::reset_link_for(&app.db, &staff, id, &app.config.public_url, Utc::now()).await {
        Ok(link) => Ok(LinkPage {
            nav: Nav::new(&staff, "staff"),
            title: "Reset link ready".to_owned(),
            name: member.name,
            link,
            invitation: false,
            email: member.email,
            emailing: service::Emailing::Off,
        }
        .into_response()),
        Err(err) => reset_form(&app, &staff, id)
            .await?
            .refused(&FormData::default(), err),
    }
}

fn choose_form(secret: &str, name: &str, invitation: bool) -> FormPage {
    let title = if invitation {
        format!("Welcome to lendhub, {name}")
    } else {
        format!("Choose a new password, {name}")
    };
    FormPage::new(
        Nav::signed_out(),
        title,
        format!("/password/{secret}"),
        "Save password",
    )
    .intro("Choose a password of at least 12 characters. A few words you will remember make a good one.")
    .field(Field::text("password", "Password").input("password", "new-password"))
    .field(Field::text("confirm", "Type the password again").input("password", "new-password"))
}

pub(super) async fn choose_page(
    State(app): State<AppState>,
    Path(secret): Path<String>,
) -> Result<FormPage, AppError> {
    let holder = service::holder(&app.db.read, &secret, Utc::now()).await?;
    Ok(choose_form(&secret, &holder.name, holder.invitation))
}

pub(super) async fn choose(
    State(app): State<AppState>,
    Path(secret): Path<String>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let password = data.get("password").unwrap_or_default();
    let confirm = data.get("confirm").unwrap_or_default();
    match service::choose_password(&app.db, &secret, password, confirm, Utc::now()).await {
        Ok(holder) => Ok(done(
            "/login",
            &format!(
                "Password saved. Sign in with {} and your new password.",
                holder.email
            ),
        )),
        Err(err @ AppError::Invalid(_)) => {
            let holder = service::holder(&app.db.read, &secret, Utc::now()).await?;
            // Passwords are never sent back into the page.
            choose_form(&secret, &holder.name, holder.invitation).refused(&FormData::default(), err)
        }
        Err(other) => Err(other),
    }
}

fn own_form(staff: &Staff) -> FormPage {
    FormPage::new(
        Nav::new(staff, ""),
        "Change your password",
        "/account/password",
        "Change password",
    )
    .field(Field::text("current_password", "Your current password").input("password", "current-password"))
    .field(
        Field::text("new_password", "New password")
            .input("password", "new-password")
            .hint("At least 12 characters."),
    )
    .field(Field::text("confirm", "Type the new password again").input("password", "new-password"))
}

pub(super) async fn own_page(staff: Staff) -> FormPage {
    own_form(&staff)
}

pub(super) async fn change_own(
    State(app): State<AppState>,
    staff: Staff,
    credential: Credential,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let field = |name| data.get(name).unwrap_or_default();
    match service::change_password(
        &app.db,
        &staff,
        &credential,
        field("current_password"),
        field("new_password"),
        field("confirm"),
        Utc::now(),
    )
    .await
    {
        Ok(()) => Ok(done("/", "Your password is changed")),
        Err(err) => own_form(&staff).refused(&FormData::default(), err),
    }
}
