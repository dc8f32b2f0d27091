//! The forms that move a device on after it is lent: return, checks, extension, loss and found,
//! repair and retirement. Each is a GET that draws the form and a POST that makes the change or
//! draws the form again with its problems.

use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use chrono::Utc;

use super::{answer, caption, conditions, device_form, loan_and_device, loan_form};
use crate::dates::long_date;
use crate::loans::{
    model::{DISPOSAL_METHODS, wipe_methods_for},
    service::{
        self, ChecksRequest, CloseRepairRequest, ExtendRequest, NotesRequest, RepairRequest, RetireRequest,
        ReturnRequest,
    },
    views::LoanView,
};
use crate::{
    auth::{Action, Staff},
    devices::service::DeviceView,
    error::{ApiPath, AppError, FieldError},
    state::AppState,
    web::{
        Nav,
        form::{Choice, Field, FormData, FormPage},
    },
};

fn return_form(staff: &Staff, loan: &LoanView, device: &DeviceView) -> FormPage {
    let accessories = loan
        .accessories_issued
        .iter()
        .map(|a| Choice::new(a.clone(), a.clone(), true))
        .collect();
    FormPage::new(
        Nav::new(staff, "devices"),
        "Take the device back",
        format!("/loans/{}/return", loan.id),
        "Record the return",
    )
    .caption(caption(device))
    .back(format!("/loans/{}", loan.id))
    .intro(format!(
        "Lent to {}. It will wait for its data wipe and checks before it is lent again.",
        loan.borrower_name
    ))
    .field(Field::radios(
        "condition",
        "What condition is it in?",
        conditions(Some(device.condition)),
    ))
    .field(
        Field::checkboxes("accessories_returned", "Accessories brought back", accessories)
            .hint("Untick anything that is missing."),
    )
    .field(Field::textarea("notes", "Notes (optional)"))
}

pub async fn return_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    Ok(loan_form(&app, &staff, id, return_form).await?.into_response())
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
    };
    let result = service::return_device(&app.db, &staff, id, &request, Utc::now()).await;
    answer(
        &data,
        result,
        |loan| {
            (
                format!("/devices/{}", loan.asset_tag),
                format!(
                    "{} taken back from {}. Check it and wipe it before it is lent again.",
                    loan.asset_tag, loan.borrower_name
                ),
            )
        },
        async || loan_form(&app, &staff, id, return_form).await,
    )
    .await
}

fn checks_form(staff: &Staff, device: &DeviceView) -> FormPage {
    let methods = std::iter::once(Choice::new("", "Choose how it was wiped", false))
        .chain(
            wipe_methods_for(device.kind)
                .into_iter()
                .map(|(value, label)| Choice::new(value, label, false)),
        )
        .collect();
    FormPage::new(Nav::new(staff, "devices"), "Record the checks", format!("/devices/{}/checks", device.asset_tag), "Record the checks")
        .caption(caption(device))
        .back(format!("/devices/{}", device.asset_tag))
        .intro("A device is lent again only once the last borrower's data is wiped. Found a fault? Send it for repair instead.")
        .field(Field::checkbox("wiped", "The data on it has been wiped", false))
        .field(Field::select("wipe_method", "How was it wiped?", methods))
        .field(Field::radios("complete", "Are all its accessories there?", vec![Choice::new("true", "Yes", false), Choice::new("false", "No, something is missing", false)]))
        .field(Field::radios("condition", "What condition is it in?", conditions(None)).value(device.condition.as_str()))
        .field(Field::textarea("notes", "Notes (optional)"))
}

pub async fn checks_page(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    Ok(device_form(&app, &staff, &tag, checks_form)
        .await?
        .into_response())
}

pub async fn checks(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let request = ChecksRequest {
        wiped: Some(data.ticked("wiped")),
        wipe_method: data.text("wipe_method"),
        complete: data.text("complete").map(|c| c == "true"),
        condition: data.text("condition"),
        notes: data.text("notes"),
    };
    let result = service::record_checks(&app.db, &staff, &tag, &request, Utc::now()).await;
    answer(
        &data,
        result,
        |device| {
            (
                format!("/devices/{}", device.asset_tag),
                format!("{} is checked and ready to lend.", device.asset_tag),
            )
        },
        async || device_form(&app, &staff, &tag, checks_form).await,
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

fn repair_form(staff: &Staff, device: &DeviceView) -> FormPage {
    FormPage::new(
        Nav::new(staff, "devices"),
        "Send for repair",
        format!("/devices/{}/repair", device.asset_tag),
        "Send for repair",
    )
    .caption(caption(device))
    .back(format!("/devices/{}", device.asset_tag))
    .field(Field::textarea("fault", "What is wrong with it?"))
    .field(Field::text("repairer", "Who is repairing it? (optional)"))
}

pub async fn repair_page(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    Ok(device_form(&app, &staff, &tag, repair_form)
        .await?
        .into_response())
}

pub async fn open_repair(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let request = RepairRequest {
        asset_tag: Some(tag.clone()),
        fault: data.text("fault"),
        repairer: data.text("repairer"),
    };
    let result = service::open_repair(&app.db, &staff, &request, Utc::now()).await;
    answer(
        &data,
        result,
        |_| {
            let tag = tag.to_uppercase();
            (format!("/devices/{tag}"), format!("{tag} is in for repair."))
        },
        async || device_form(&app, &staff, &tag, repair_form).await,
    )
    .await
}

fn disposal_choices() -> Vec<Choice> {
    std::iter::once(Choice::new("", "Choose how", false))
        .chain(
            DISPOSAL_METHODS
                .iter()
                .map(|(value, label)| Choice::new(*value, *label, false)),
        )
        .collect()
}

fn close_repair_form(staff: &Staff, id: i32, device: &DeviceView) -> FormPage {
    FormPage::new(
        Nav::new(staff, "devices"),
        "Close the repair",
        format!("/repairs/{id}/close"),
        "Close the repair",
    )
    .caption(caption(device))
    .back(format!("/devices/{}", device.asset_tag))
    .field(Field::radios(
        "outcome",
        "What was the outcome?",
        vec![
            Choice::new("fixed", "Fixed: it can be lent again", false),
            Choice::new("unrepairable", "Cannot be repaired: retire it", false),
        ],
    ))
    .field(Field::text("cost", "Cost in pounds (optional)").hint("For example 45.00"))
    .field(Field::select(
        "disposal_method",
        "If it cannot be repaired: how will it be disposed of?",
        disposal_choices(),
    ))
    .field(Field::text(
        "wipe_certificate",
        "Data-wipe certificate reference (optional)",
    ))
    .field(Field::textarea("notes", "Notes (optional)"))
}

pub async fn close_repair_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    staff.require(Action::ManageRepairs)?;
    let device = service::repair_device(&app.db.read, &staff, id).await?;
    Ok(close_repair_form(&staff, id, &device).into_response())
}

pub async fn close_repair(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let device = service::repair_device(&app.db.read, &staff, id).await?;
    let cost = match data.text("cost").map(|c| crate::money::parse_pounds(&c)) {
        Some(None) => {
            let error = FieldError::new("cost", "enter the cost in pounds, like 45.00");
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                close_repair_form(&staff, id, &device).with_submission(&data, vec![error]),
            )
                .into_response());
        }
        Some(Some(pence)) => Some(pence),
        None => None,
    };
    let request = CloseRepairRequest {
        outcome: data.text("outcome"),
        cost_pence: cost,
        notes: data.text("notes"),
        disposal_method: data.text("disposal_method"),
        wipe_certificate: data.text("wipe_certificate"),
    };
    match service::close_repair(&app.db, &staff, id, &request, Utc::now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/devices/{}", device.asset_tag)).into_response()),
        Err(err) => close_repair_form(&staff, id, &device).refused(&data, err),
    }
}

fn retire_form(staff: &Staff, device: &DeviceView) -> FormPage {
    FormPage::new(
        Nav::new(staff, "devices"),
        "Retire the device",
        format!("/devices/{}/retire", device.asset_tag),
        "Retire it",
    )
    .caption(caption(device))
    .back(format!("/devices/{}", device.asset_tag))
    .warning("A retired device cannot be lent again.")
    .field(Field::select(
        "disposal_method",
        "How will it be disposed of?",
        disposal_choices(),
    ))
    .field(Field::text(
        "wipe_certificate",
        "Data-wipe certificate reference (optional)",
    ))
    .field(Field::textarea("notes", "Notes (optional)"))
}

pub async fn retire_page(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
) -> Result<Response, AppError> {
    staff.require(Action::ManageRepairs)?;
    Ok(device_form(&app, &staff, &tag, retire_form)
        .await?
        .into_response())
}

pub async fn retire(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let request = RetireRequest {
        disposal_method: data.text("disposal_method"),
        wipe_certificate: data.text("wipe_certificate"),
        notes: data.text("notes"),
    };
    let result = service::retire(&app.db, &staff, &tag, &request, Utc::now()).await;
    answer(
        &data,
        result,
        |device| {
            (
                format!("/devices/{}", device.asset_tag),
                format!("{} is retired.", device.asset_tag),
            )
        },
        async || device_form(&app, &staff, &tag, retire_form).await,
    )
    .await
}
