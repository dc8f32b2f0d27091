//! A person's data in the browser: the "Download everything we hold" button's address, the
//! forms that erase a record or hold it back from retention, and the admins' list of records
//! retention reaches within 30 days.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form, Router,
    extract::State,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use chrono::Utc;

use super::service::{self, DUE_WITHIN_DAYS, DueQuery, DueView, ReasonRequest};
use crate::{
    auth::{Action, Staff},
    dates::{long_date, today},
    error::{ApiPath, ApiQuery, AppError},
    people,
    state::AppState,
    web::{
        Nav, done,
        form::{Field, FormData, FormPage},
    },
};

fn erase_form(staff: &Staff, id: i32, name: &str) -> FormPage {
    FormPage::new(
        Nav::new(staff, "borrowers"),
        format!("Erase {name}'s record"),
        format!("/borrowers/{id}/erase"),
        "Erase the record",
    )
    .back(format!("/borrowers/{id}"))
    .intro(
        "Their name becomes \"Former borrower\" with a number; their contact details, access \
         needs, the notes about them, the words of the reminders sent to them and their signed \
         agreements are deleted. Their loans, attendance and scores stay, without their name, so \
         the scheme's figures do not change.",
    )
    .warning("This cannot be undone.")
    .destructive()
    .field(
        Field::textarea("reason", "Why is it being erased?")
            .hint("For the audit log, e.g. \"asked in person on 3 March\". Do not write their name."),
    )
}

fn hold_form(staff: &Staff, id: i32, name: &str) -> FormPage {
    FormPage::new(
        Nav::new(staff, "borrowers"),
        format!("Hold {name}'s record"),
        format!("/borrowers/{id}/hold"),
        "Hold the record",
    )
    .back(format!("/borrowers/{id}"))
    .intro("Retention will not anonymise a held record until the hold is lifted.")
    .field(
        Field::textarea("reason", "Why is it held?")
            .hint("For example: a complaint or an insurance claim is open. Do not write their name."),
    )
}

async fn named(app: &AppState, staff: &Staff, id: i32) -> Result<String, AppError> {
    staff.require(Action::ManageRetention)?;
    Ok(people::service::get(&app.db.read, staff, id).await?.name)
}

pub async fn erase_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    let name = named(&app, &staff, id).await?;
    Ok(erase_form(&staff, id, &name).into_response())
}

pub async fn erase(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let request = ReasonRequest {
        reason: data.text("reason"),
    };
    match service::erase(&app.db, &staff, id, &request, Utc::now()).await {
        Ok(borrower) => Ok(done(
            &format!("/borrowers/{id}"),
            &format!("The record is erased: it is now {}.", borrower.name),
        )),
        Err(err) => {
            let name = named(&app, &staff, id).await?;
            erase_form(&staff, id, &name).refused(&data, err)
        }
    }
}

pub async fn hold_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    let name = named(&app, &staff, id).await?;
    Ok(hold_form(&staff, id, &name).into_response())
}

pub async fn hold(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let request = ReasonRequest {
        reason: data.text("reason"),
    };
    match service::hold(&app.db, &staff, id, &request, Utc::now()).await {
        Ok(_) => Ok(done(
            &format!("/borrowers/{id}#retention"),
            "The record is held: retention will pass it by until the hold is lifted.",
        )),
        Err(err) => {
            let name = named(&app, &staff, id).await?;
            hold_form(&staff, id, &name).refused(&data, err)
        }
    }
}

pub async fn release(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    service::release(&app.db, &staff, id, Utc::now()).await?;
    Ok(done(
        &format!("/borrowers/{id}#retention"),
        "The hold is lifted: retention reaches the record when it falls due.",
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "privacy/due.html")]
pub struct DuePage {
    nav: Nav,
    items: Vec<DueView>,
    total: u64,
    months: u32,
    days: i64,
    next_page: Option<String>,
}

impl DuePage {
    fn day(at: &chrono::DateTime<Utc>) -> String {
        long_date(today(*at))
    }

    fn count(&self) -> String {
        crate::words::count(self.total, "record", "records")
    }
}

pub async fn due(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<DueQuery>,
) -> Result<DuePage, AppError> {
    let months = app.config.retention_months;
    let page = service::due_soon(&app.db, &staff, months, &query, Utc::now()).await?;
    Ok(DuePage {
        nav: Nav::new(&staff, "borrowers"),
        next_page: page
            .next_cursor
            .map(|cursor| format!("/retention?cursor={cursor}")),
        items: page.items,
        total: page.total,
        months,
        days: DUE_WITHIN_DAYS,
    })
}

/// This feature's web pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/borrowers/{id}/export", get(super::routes::export))
        .route("/borrowers/{id}/erase", get(erase_page).post(erase))
        .route("/borrowers/{id}/hold", get(hold_page).post(hold))
        .route("/borrowers/{id}/hold/lift", post(release))
        .route("/retention", get(due))
}
