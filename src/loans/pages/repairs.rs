//! The forms for repairs and retirement: send a device for repair, close the repair, retire it.
//! Each is a GET that draws the form and a POST that makes the change or draws the form again
//! with its problems.

use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use chrono::Utc;

use super::{answer, caption, device_form};
use crate::loans::{
    model::DISPOSAL_METHODS,
    service::{self, CloseRepairRequest, RepairRequest, RetireRequest},
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
