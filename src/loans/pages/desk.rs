//! The forms that move a device on after it is lent: return, checks, extension, loss and found.
//! Each is a GET that draws the form and a POST that makes the change or draws the form again
//! with its problems.

use axum::{
    Form,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use chrono::Utc;

use super::{answer, caption, conditions, loan_and_device, loan_form};
use crate::dates::long_date;
use crate::loans::{
    model::wipe_methods_for,
    service::{self, ChecksRequest, ExtendRequest, NotesRequest, ReturnRequest, Returnable},
    views::LoanView,
};
use crate::{
    auth::{Action, Staff},
    devices::service::DeviceView,
    error::{ApiPath, AppError},
    hubs::service::HubView,
    state::AppState,
    web::{
        Nav,
        form::{Choice, Field, FormData, FormPage},
    },
};

fn return_form(staff: &Staff, loan: &Returnable, hubs: &[HubView]) -> FormPage {
    let accessories = loan
        .accessories_issued
        .iter()
        .map(|a| Choice::new(a.clone(), a.clone(), true))
        .collect();
    let intro = match (&loan.borrower_name, &loan.lent_from) {
        (Some(name), _) => {
            format!("Lent to {name}. It will wait for its data wipe and checks before it is lent again.")
        }
        (None, from) => format!(
            "Lent from {}. Taken back here, it belongs to this hub from now on, and waits for its data wipe and checks.",
            from.as_deref().unwrap_or("another hub")
        ),
    };
    let mut form = FormPage::new(
        Nav::new(staff, "devices"),
        "Take the device back",
        format!("/loans/{}/return", loan.loan_id),
        "Record the return",
    )
    .caption(format!("{}: {}", loan.asset_tag, loan.device))
    .intro(intro);
    if loan.borrower_name.is_some() {
        form = form.back(format!("/loans/{}", loan.loan_id));
    }
    if loan.lent_from.is_some() && hubs.len() > 1 {
        let choices = hubs
            .iter()
            .map(|h| Choice::new(h.id.to_string(), h.name.clone(), false))
            .collect();
        form = form.field(Field::select("hub_id", "Which hub is it at now?", choices));
    }
    form.field(Field::radios(
        "condition",
        "What condition is it in?",
        conditions(Some(loan.condition)),
    ))
    .field(
        Field::checkboxes("accessories_returned", "Accessories brought back", accessories)
            .hint("Untick anything that is missing."),
    )
    .field(Field::textarea("notes", "Notes (optional)"))
}

async fn return_form_of(app: &AppState, staff: &Staff, id: i32) -> Result<FormPage, AppError> {
    let loan = service::returnable(&app.db.read, staff, id).await?;
    let hubs = crate::hubs::service::list(&app.db.read, staff).await?;
    Ok(return_form(staff, &loan, &hubs))
}

pub async fn return_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    Ok(return_form_of(&app, &staff, id).await?.into_response())
}

pub async fn return_device(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let request = ReturnRequest {
        condition: data.text("condition"),
        accessories_returned: Some(data.all("accessories_returned")),
        notes: data.text("notes"),
        hub_id: data.text("hub_id").and_then(|h| h.parse().ok()),
    };
    let result = service::return_device(&app.db, &staff, id, &request, Utc::now()).await;
    answer(
        &data,
        result,
        |returned| {
            let from = returned
                .borrower_name()
                .map(|name| format!(" from {name}"))
                .unwrap_or_default();
            (
                format!("/devices/{}", returned.asset_tag()),
                format!(
                    "{} taken back{from}. Check it and wipe it before it is lent again.",
                    returned.asset_tag()
                ),
            )
        },
        async || return_form_of(&app, &staff, id).await,
    )
    .await
}

fn checks_form(staff: &Staff, device: &DeviceView, missing: &[String]) -> FormPage {
    let methods = std::iter::once(Choice::new("", "Choose how it was wiped", false))
        .chain(
            wipe_methods_for(device.kind)
                .into_iter()
                .map(|(value, label)| Choice::new(value, label, false)),
        )
        .collect();
    let complete = if missing.is_empty() { "true" } else { "false" };
    let mut form = FormPage::new(Nav::new(staff, "devices"), "Record the checks", format!("/devices/{}/checks", device.asset_tag), "Record the checks")
        .caption(caption(device))
        .back(format!("/devices/{}", device.asset_tag))
        .intro("A device is lent again only once the last borrower's data is wiped. Found a fault? Send it for repair instead.")
        .field(Field::checkbox("wiped", "The data on it has been wiped", false))
        .field(Field::select("wipe_method", "How was it wiped?", methods))
        .field(Field::radios("complete", "Are all its accessories there?", vec![Choice::new("true", "Yes", false), Choice::new("false", "No, something is missing", false)]).value(complete));
    if !device.accessories.is_empty() {
        let choices = device
            .accessories
            .iter()
            .map(|a| Choice::new(a.as_str(), a.as_str(), missing.contains(a)))
            .collect();
        let hint = if missing.is_empty() {
            "If something is missing, tick it: it comes off the device's list.".to_owned()
        } else {
            format!(
                "Not brought back at the return: {}. Untick anything that has turned up.",
                missing.join(", ")
            )
        };
        form = form.field(Field::checkboxes("missing", "Which accessories are missing?", choices).hint(hint));
    }
    form.field(
        Field::radios("condition", "What condition is it in?", conditions(None))
            .value(device.condition.as_str()),
    )
    .field(Field::textarea("notes", "Notes (optional)"))
}

async fn checks_form_of(app: &AppState, staff: &Staff, tag: &str) -> Result<FormPage, AppError> {
    let device = crate::devices::service::get(&app.db.read, staff, tag).await?;
    let missing = service::missing_at_last_return(&app.db.read, staff, &device).await?;
    Ok(checks_form(staff, &device, &missing))
}

pub async fn checks_page(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
) -> Result<Response, AppError> {
    Ok(checks_form_of(&app, &staff, &tag).await?.into_response())
}

pub async fn checks(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let complete = data.text("complete").map(|c| c == "true");
    let request = ChecksRequest {
        wiped: Some(data.ticked("wiped")),
        wipe_method: data.text("wipe_method"),
        complete,
        missing: (complete == Some(false)).then(|| data.all("missing")),
        condition: data.text("condition"),
        notes: data.text("notes"),
    };
    let missing = request.missing.clone().unwrap_or_default();
    let result =
        service::record_checks(&app.db, &staff, &tag, &request, app.config.hold_days, Utc::now()).await;
    answer(
        &data,
        result,
        |device| {
            let without = if missing.is_empty() {
                String::new()
            } else {
                format!(", without its {}", crate::words::and_list(&missing))
            };
            (
                format!("/devices/{}", device.asset_tag),
                format!("{} is checked and ready to lend{without}.", device.asset_tag),
            )
        },
        async || checks_form_of(&app, &staff, &tag).await,
    )
    .await
}

fn extend_form(staff: &Staff, loan: &LoanView, device: &DeviceView) -> FormPage {
    FormPage::new(
        Nav::new(staff, "devices"),
        "Extend the loan",
        format!("/loans/{}/extend", loan.id),
        "Extend the loan",
    )
    .caption(caption(device))
    .back(format!("/loans/{}", loan.id))
    .intro(format!("It is due back on {}.", long_date(loan.due_on)))
    .field(Field::date("due_on", "New date it is due back"))
    .field(Field::textarea("reason", "Reason (optional)"))
}

pub async fn extend_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    Ok(loan_form(&app, &staff, id, extend_form).await?.into_response())
}

pub async fn extend(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let request = ExtendRequest {
        due_on: data.text("due_on"),
        reason: data.text("reason"),
    };
    let result = service::extend(&app.db, &staff, id, &request, Utc::now()).await;
    answer(
        &data,
        result,
        |loan| {
            (
                format!("/loans/{}", loan.id),
                format!(
                    "{} is now due back on {}.",
                    loan.asset_tag,
                    crate::dates::long_date(loan.due_on)
                ),
            )
        },
        async || loan_form(&app, &staff, id, extend_form).await,
    )
    .await
}

pub async fn lost_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    let (loan, device) = loan_and_device(&app, &staff, id).await?;
    let page = FormPage::new(
        Nav::new(&staff, "devices"),
        "Report the device lost",
        format!("/loans/{id}/lost"),
        "Report it lost",
    )
    .caption(caption(&device))
    .back(format!("/loans/{id}"))
    .intro(format!(
        "Lent to {}. If it turns up, record it as found from its page.",
        loan.borrower_name
    ))
    .field(Field::textarea("notes", "What happened (optional)"));
    Ok(page.into_response())
}

pub async fn lost(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let loan = service::report_lost(
        &app.db,
        &staff,
        id,
        &NotesRequest {
            notes: data.text("notes"),
        },
        Utc::now(),
    )
    .await?;
    Ok(crate::web::done(
        &format!("/devices/{}", loan.asset_tag),
        &format!("{} is reported lost.", loan.asset_tag),
    ))
}

pub async fn found(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
) -> Result<Response, AppError> {
    let device = service::found(&app.db, &staff, &tag, &NotesRequest::default(), Utc::now()).await?;
    Ok(crate::web::done(
        &format!("/devices/{}", device.asset_tag),
        &format!(
            "{} is found. Check it and wipe it before it is lent again.",
            device.asset_tag
        ),
    ))
}
