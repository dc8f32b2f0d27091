//! Adding and editing a device: the form as typed (money in pounds, the SIM as four fields), read
//! into a request, and drawn again with every problem beside its field.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde::Deserialize;

use crate::devices::{
    model::{Condition, DeviceKind, DeviceRequest, DeviceStatus, SimRequest},
    service::{self, DeviceView},
};
use crate::money::parse_pounds;
use crate::{
    auth::{Action, Staff},
    error::{AppError, FieldError},
    hubs::{self, service::HubView},
    state::AppState,
    web::{FormErrors, Nav},
};

/// What the add and edit forms send. Money is typed in pounds; the SIM is four fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeviceForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    make: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    serial_number: String,
    #[serde(default)]
    imei: String,
    #[serde(default)]
    condition: String,
    #[serde(default)]
    hub_id: String,
    #[serde(default)]
    accessories: String,
    #[serde(default)]
    funding_source: String,
    #[serde(default)]
    purchased_on: String,
    #[serde(default)]
    purchase_cost: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    sim_iccid: String,
    #[serde(default)]
    sim_network: String,
    #[serde(default)]
    sim_allowance_gb: String,
    #[serde(default)]
    sim_plan_ends_on: String,
}

fn some(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

impl DeviceForm {
    fn from_view(device: &DeviceView) -> Self {
        let sim = device.sim.as_ref();
        Self {
            kind: device.kind.as_str().to_owned(),
            make: device.make.clone(),
            model: device.model.clone(),
            serial_number: device.serial_number.clone().unwrap_or_default(),
            imei: device.imei.clone().unwrap_or_default(),
            condition: device.condition.as_str().to_owned(),
            hub_id: device.hub_id.to_string(),
            accessories: device.accessories.join(", "),
            funding_source: device.funding_source.clone().unwrap_or_default(),
            purchased_on: device.purchased_on.map(|d| d.to_string()).unwrap_or_default(),
            purchase_cost: device
                .purchase_cost_pence
                .map(|p| format!("{}.{:02}", p / 100, p % 100))
                .unwrap_or_default(),
            notes: device.notes.clone().unwrap_or_default(),
            sim_iccid: sim.map(|s| s.iccid.clone()).unwrap_or_default(),
            sim_network: sim.map(|s| s.network.clone()).unwrap_or_default(),
            sim_allowance_gb: sim
                .and_then(|s| s.allowance_gb)
                .map(|g| g.to_string())
                .unwrap_or_default(),
            sim_plan_ends_on: sim
                .and_then(|s| s.plan_ends_on)
                .map(|d| d.to_string())
                .unwrap_or_default(),
        }
    }

    /// The request the form stands for, or the problems only the form can have (numbers that are
    /// not numbers).
    fn to_request(&self) -> Result<DeviceRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let hub_id = some(&self.hub_id).and_then(|h| h.parse().ok());
        let purchase_cost_pence = some(&self.purchase_cost).and_then(|text| {
            parse_pounds(&text).or_else(|| {
                errors.push(FieldError::new(
                    "purchase_cost_pence",
                    "enter the cost in pounds, like 249.99",
                ));
                None
            })
        });
        let allowance_gb = some(&self.sim_allowance_gb).and_then(|text| {
            text.parse().ok().or_else(|| {
                errors.push(FieldError::new(
                    "sim.allowance_gb",
                    "enter the allowance as a whole number of GB",
                ));
                None
            })
        });
        let has_sim = [
            &self.sim_iccid,
            &self.sim_network,
            &self.sim_allowance_gb,
            &self.sim_plan_ends_on,
        ]
        .iter()
        .any(|f| !f.trim().is_empty());
        let request = DeviceRequest {
            kind: some(&self.kind),
            make: some(&self.make),
            model: some(&self.model),
            hub_id,
            serial_number: some(&self.serial_number),
            imei: some(&self.imei),
            asset_tag: None,
            condition: some(&self.condition),
            accessories: Some(self.accessories.split(',').map(str::to_owned).collect()),
            funding_source: some(&self.funding_source),
            purchased_on: some(&self.purchased_on),
            purchase_cost_pence,
            notes: some(&self.notes),
            sim: has_sim.then(|| SimRequest {
                iccid: some(&self.sim_iccid),
                network: some(&self.sim_network),
                allowance_gb,
                plan_ends_on: some(&self.sim_plan_ends_on),
            }),
        };
        if errors.is_empty() {
            Ok(request)
        } else {
            Err(errors)
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "devices/form.html")]
pub struct DeviceFormPage {
    nav: Nav,
    /// `None` when adding.
    asset_tag: Option<String>,
    /// Whether the kind may be chosen: when adding, and while the device is available.
    kind_editable: bool,
    form: DeviceForm,
    errors: FormErrors,
    hubs: Vec<HubView>,
    kinds: &'static [DeviceKind],
    conditions: &'static [Condition],
}

async fn form_page(
    app: &AppState,
    staff: &Staff,
    asset_tag: Option<String>,
    kind_editable: bool,
    form: DeviceForm,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = DeviceFormPage {
        nav: Nav::new(staff, "devices"),
        asset_tag,
        kind_editable,
        form,
        errors: errors.into(),
        hubs: hubs::service::list(&app.db.read, staff).await?,
        kinds: DeviceKind::ALL,
        conditions: Condition::ALL,
    };
    Ok((status, page).into_response())
}

pub async fn new(State(app): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    staff.require(Action::ManageDevices)?;
    let form = DeviceForm {
        condition: "good".into(),
        ..DeviceForm::default()
    };
    form_page(&app, &staff, None, true, form, Vec::new()).await
}

/// Splits a service error into the form's field errors, or passes it on.
fn field_errors(err: AppError) -> Result<Vec<FieldError>, AppError> {
    match err {
        AppError::Invalid(error) => Ok(vec![error]),
        AppError::Conflict { message, .. } => Ok(vec![FieldError::new("model", message)]),
        other => Err(other),
    }
}

pub async fn create(
    State(app): State<AppState>,
    staff: Staff,
    Form(form): Form<DeviceForm>,
) -> Result<Response, AppError> {
    staff.require(Action::ManageDevices)?;
    let parsed = form.to_request().and_then(|request| request.parse());
    let errors = match parsed {
        Ok(device) => match service::create(&app.db, &staff, device, Utc::now()).await {
            Ok(device) => {
                return Ok(crate::web::done(
                    &format!("/devices/{}", device.asset_tag),
                    &format!("{} added. Print its label from this page.", device.asset_tag),
                ));
            }
            Err(err) => field_errors(err)?,
        },
        Err(errors) => errors,
    };
    form_page(&app, &staff, None, true, form, errors).await
}

pub async fn edit(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
) -> Result<Response, AppError> {
    staff.require(Action::ManageDevices)?;
    let device = service::get(&app.db.read, &staff, &tag).await?;
    form_page(
        &app,
        &staff,
        Some(device.asset_tag.clone()),
        device.status == DeviceStatus::Available,
        DeviceForm::from_view(&device),
        Vec::new(),
    )
    .await
}

pub async fn update(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
    Form(mut form): Form<DeviceForm>,
) -> Result<Response, AppError> {
    staff.require(Action::ManageDevices)?;
    let device = service::get(&app.db.read, &staff, &tag).await?;
    // The kind is on the form only while the device is available.
    let kind = DeviceKind::parse(&form.kind).unwrap_or(device.kind);
    kind.as_str().clone_into(&mut form.kind);
    let details = form.to_request().and_then(|request| request.details(Some(kind)));
    let errors = match details {
        Ok(details) => match service::update(&app.db, &staff, &tag, Some(kind), details, Utc::now()).await {
            Ok(device) => {
                return Ok(crate::web::done(
                    &format!("/devices/{}", device.asset_tag),
                    &format!("Changes to {} saved.", device.asset_tag),
                ));
            }
            Err(err) => field_errors(err)?,
        },
        Err(errors) => errors,
    };
    let kind_editable = device.status == DeviceStatus::Available;
    form_page(&app, &staff, Some(device.asset_tag), kind_editable, form, errors).await
}
