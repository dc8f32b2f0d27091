//! The counter's pages: issuing in small steps (who, how long, check your answers), the loan page
//! and the overdue list, and the forms for return, checks, extension, loss, repair and retirement.

mod counter;
mod desk;
mod gifts;
mod list;
mod repairs;
mod show;

pub use counter::*;
pub use desk::*;
pub use gifts::*;
pub use list::list;
pub use repairs::*;
pub use show::*;

use axum::Router;
use axum::response::Response;
use axum::routing::{get, post};

use super::views::{self, LoanView};
use crate::{
    auth::Staff,
    devices::{self, model::Condition, service::DeviceView},
    error::AppError,
    state::AppState,
    web::form::{Choice, FormData, FormPage},
};

fn caption(device: &DeviceView) -> String {
    format!("{}: {} {}", device.asset_tag, device.make, device.model)
}

fn conditions(selected: Option<Condition>) -> Vec<Choice> {
    Condition::ALL
        .iter()
        .map(|c| Choice::new(c.as_str(), c.label(), Some(*c) == selected))
        .collect()
}

async fn loan_and_device(app: &AppState, staff: &Staff, id: i32) -> Result<(LoanView, DeviceView), AppError> {
    let loan = views::loan(&app.db.read, staff, id).await?;
    let device = devices::service::get(&app.db.read, staff, &loan.asset_tag).await?;
    Ok((loan, device))
}

/// A form about a loan, drawn from the loan as it is now.
async fn loan_form(
    app: &AppState,
    staff: &Staff,
    id: i32,
    build: fn(&Staff, &LoanView, &DeviceView) -> FormPage,
) -> Result<FormPage, AppError> {
    let (loan, device) = loan_and_device(app, staff, id).await?;
    Ok(build(staff, &loan, &device))
}

/// A form about a device, drawn from the device as it is now.
async fn device_form(
    app: &AppState,
    staff: &Staff,
    tag: &str,
    build: fn(&Staff, &DeviceView) -> FormPage,
) -> Result<FormPage, AppError> {
    let device = devices::service::get(&app.db.read, staff, tag).await?;
    Ok(build(staff, &device))
}

/// After a form is posted: on to the page `next` names, with its message saying what was done,
/// when the change was made; else the form again, drawn afresh, with what was typed and the
/// problems.
async fn answer<T>(
    data: &FormData,
    result: Result<T, AppError>,
    next: impl FnOnce(T) -> (String, String),
    form: impl AsyncFnOnce() -> Result<FormPage, AppError>,
) -> Result<Response, AppError> {
    match result {
        Ok(changed) => {
            let (to, message) = next(changed);
            Ok(crate::web::done(&to, &message))
        }
        Err(err) => form().await?.refused(data, err),
    }
}

/// This feature's web pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/devices/{tag}/issue", get(choose_borrower).post(issue))
        .route("/devices/{tag}/issue/details", get(issue_details))
        .route("/devices/{tag}/issue/check", post(issue_check))
        .route("/devices/{tag}/checks", get(checks_page).post(checks))
        .route("/devices/{tag}/found", post(found))
        .route("/devices/{tag}/repair", get(repair_page).post(open_repair))
        .route("/devices/{tag}/retire", get(retire_page).post(retire))
        .route("/repairs/{id}/close", get(close_repair_page).post(close_repair))
        .route("/loans", get(list))
        .route("/loans/overdue", get(overdue))
        .route("/loans/{id}", get(show))
        .route("/loans/{id}/return", get(return_page).post(return_device))
        .route("/loans/{id}/extend", get(extend_page).post(extend))
        .route("/loans/{id}/lost", get(lost_page).post(lost))
        .route("/loans/{id}/gift", get(gift_loan_page).post(gift_loan))
        .route("/gifts/new", get(new_gift).post(gift_device))
        .route("/gifts/{id}", get(show_gift))
        .route("/gifts/{id}/letter.pdf", get(super::routes::gifts::letter))
}
