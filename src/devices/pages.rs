//! The device pages: the list with its search box, a device's page, and the add and edit forms.

use axum::Router;
use axum::routing::get;
use std::{collections::HashMap, fmt::Write};

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use chrono::Utc;
use serde::Deserialize;

use super::{
    model::{AssetTag, Condition, DeviceKind, DeviceRequest, DeviceStatus, SimRequest},
    service::{self, DeviceView, ListParams},
};
use crate::audit::AuditAction;
use crate::{
    auth::{Action, Staff},
    error::{AppError, FieldError},
    hubs::{self, service::HubView},
    loans::views::{self, LoanView, RepairView},
    state::AppState,
    web::{FormErrors, Nav, urlencode},
};
use crate::{
    dates::{london_time, long_date},
    money::{parse_pounds, pounds},
};

/// A row of the device list, ready to print.
pub struct DeviceRow {
    pub device: DeviceView,
    pub hub_name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "devices/list.html")]
pub struct ListPage {
    nav: Nav,
    rows: Vec<DeviceRow>,
    hubs: Vec<HubView>,
    params: ListParams,
    errors: FormErrors,
    next_page: Option<String>,
    statuses: &'static [DeviceStatus],
    kinds: &'static [DeviceKind],
}

impl ListPage {
    fn selected(value: Option<&String>, option: &str) -> bool {
        value.is_some_and(|v| v == option)
    }
}

fn hub_names(hubs: &[HubView]) -> HashMap<i32, String> {
    hubs.iter().map(|h| (h.id, h.name.clone())).collect()
}

/// The device list. A search that is exactly an asset tag goes straight to that device.
pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    Query(params): Query<ListParams>,
) -> Result<Response, AppError> {
    if let Some(q) = params.q.as_deref()
        && let Ok(tag) = AssetTag::parse("q", q)
        && service::get(&app.db.read, &staff, tag.as_str()).await.is_ok()
    {
        return Ok(Redirect::to(&format!("/devices/{tag}")).into_response());
    }
    let hubs = hubs::service::list(&app.db.read, &staff).await?;
    let (rows, next_page, errors, status) = match params.parse() {
        Ok((filter, limit)) => {
            let page = service::list(&app.db.read, &staff, &filter, limit).await?;
            let names = hub_names(&hubs);
            let rows = page
                .items
                .into_iter()
                .map(|device| DeviceRow {
                    hub_name: names.get(&device.hub_id).cloned().unwrap_or_default(),
                    device,
                })
                .collect();
            let next_page = page.next_cursor.map(|cursor| next_page_link(&params, &cursor));
            (rows, next_page, FormErrors::default(), StatusCode::OK)
        }
        Err(error) => (
            Vec::new(),
            None,
            vec![error].into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    let page = ListPage {
        nav: Nav::new(&staff, "devices"),
        rows,
        hubs,
        params,
        errors,
        next_page,
        statuses: DeviceStatus::ALL,
        kinds: DeviceKind::ALL,
    };
    Ok((status, page).into_response())
}

fn next_page_link(params: &ListParams, cursor: &str) -> String {
    let pairs = [
        ("q", &params.q),
        ("status", &params.status),
        ("kind", &params.kind),
        ("hub_id", &params.hub_id),
    ];
    let mut link = format!("/devices?cursor={}", urlencode(cursor));
    for (key, value) in pairs {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            let _ = write!(link, "&{key}={}", urlencode(value));
        }
    }
    link
}

/// One line of a device's history.
pub struct HistoryEntry {
    pub when: String,
    pub summary: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "devices/show.html")]
pub struct ShowPage {
    nav: Nav,
    device: DeviceView,
    hub_name: String,
    purchased_on: Option<String>,
    cost: Option<String>,
    plan_ends_on: Option<String>,
    history: Vec<HistoryEntry>,
    current_loan: Option<LoanView>,
    due_on: String,
    loans: Vec<LoanView>,
    repairs: Vec<RepairView>,
    sessions: Vec<crate::training::service::SessionView>,
}

impl ShowPage {
    fn open_repair(&self) -> Option<&RepairView> {
        self.repairs.iter().find(|r| r.closed_at.is_none())
    }

    fn loan_due(loan: &LoanView) -> String {
        long_date(loan.due_on)
    }
}

/// A device's page: its details, status and history. `/d/{tag}` (the QR code) leads here too.
pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
) -> Result<Response, AppError> {
    let device = service::get(&app.db.read, &staff, &tag).await?;
    if device.asset_tag != tag {
        return Ok(Redirect::to(&format!("/devices/{}", device.asset_tag)).into_response());
    }
    let hubs = hubs::service::list(&app.db.read, &staff).await?;
    let history = service::events(&app.db.read, &staff, &tag)
        .await?
        .into_iter()
        .map(|event| HistoryEntry {
            when: london_time(event.at),
            summary: describe(&event, &hubs),
        })
        .collect();
    let current_loan = views::current_loan_if_allowed(&app.db.read, &staff, device.id).await?;
    let loans = if staff.can(Action::ViewLoans) {
        views::of_device(&app.db.read, &staff, device.id).await?
    } else {
        Vec::new()
    };
    let repairs = views::repairs_of_device(&app.db.read, &staff, device.id).await?;
    let sessions = if staff.can(Action::ViewTraining) {
        crate::training::service::device_sessions(&app.db.read, &staff, &device.asset_tag).await?
    } else {
        Vec::new()
    };
    Ok(ShowPage {
        sessions,
        nav: Nav::new(&staff, "devices"),
        due_on: current_loan
            .as_ref()
            .map(|l| long_date(l.due_on))
            .unwrap_or_default(),
        current_loan,
        loans,
        repairs,
        hub_name: hub_names(&hubs).remove(&device.hub_id).unwrap_or_default(),
        purchased_on: device.purchased_on.map(long_date),
        cost: device.purchase_cost_pence.map(pounds),
        plan_ends_on: device.sim.as_ref().and_then(|s| s.plan_ends_on).map(long_date),
        device,
        history,
    }
    .into_response())
}

/// An audit event in a sentence.
fn describe(event: &service::EventView, hubs: &[HubView]) -> String {
    let actor = &event.actor;
    match event.action {
        AuditAction::DeviceAdded => format!("Added by {actor}"),
        AuditAction::Issued => format!("Lent out by {actor}"),
        AuditAction::Returned => format!("Taken back by {actor}"),
        AuditAction::ChecksRecorded => format!("Data wiped and checked by {actor}"),
        AuditAction::ReportedLost => format!("Reported lost by {actor}"),
        AuditAction::Found => format!("Found again, recorded by {actor}"),
        AuditAction::RepairOpened => format!("Sent for repair by {actor}"),
        AuditAction::RepairClosed => format!("Repair closed by {actor}"),
        AuditAction::Retired => format!("Retired by {actor}"),
        AuditAction::DeviceUpdated => {
            let fields: Vec<String> = event.details["changes"]
                .as_object()
                .map(|changes| changes.keys().map(|k| k.replace('_', " ")).collect())
                .unwrap_or_default();
            let hub_moved = event.details["changes"]["hub_id"]["to"].as_i64().and_then(|id| {
                hubs.iter()
                    .find(|h| i64::from(h.id) == id)
                    .map(|h| format!(" (now at {})", h.name))
            });
            format!(
                "{} changed by {}{}",
                capitalised_list(&fields),
                event.actor,
                hub_moved.unwrap_or_default()
            )
        }
        // Events about other things, should one ever be filed under a device.
        other @ (AuditAction::OrganisationCreated
        | AuditAction::StaffCreated
        | AuditAction::HubAdded
        | AuditAction::BorrowerAdded
        | AuditAction::BorrowerUpdated
        | AuditAction::Extended
        | AuditAction::AgreementSigned
        | AuditAction::ReminderCall
        | AuditAction::ReminderLettersPosted
        | AuditAction::ReminderRetried
        | AuditAction::CourseAdded
        | AuditAction::CourseLinked
        | AuditAction::SessionAdded
        | AuditAction::SessionDevicesAdded
        | AuditAction::Enrolled
        | AuditAction::AttendanceRecorded
        | AuditAction::SkillsRecorded
        | AuditAction::CalendarFeedCreated) => format!("{} by {actor}", other.label()),
    }
}

fn capitalised_list(fields: &[String]) -> String {
    let text = match fields {
        [] => "Details".to_owned(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

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
    form_page(&app, &staff, None, form, Vec::new()).await
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
    let parsed = form.to_request().and_then(|request| request.parse());
    let errors = match parsed {
        Ok(device) => match service::create(&app.db, &staff, device, Utc::now()).await {
            Ok(device) => return Ok(Redirect::to(&format!("/devices/{}", device.asset_tag)).into_response()),
            Err(err) => field_errors(err)?,
        },
        Err(errors) => errors,
    };
    form_page(&app, &staff, None, form, errors).await
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
    let device = service::get(&app.db.read, &staff, &tag).await?;
    device.kind.as_str().clone_into(&mut form.kind);
    let details = form
        .to_request()
        .and_then(|request| request.details(Some(device.kind)));
    let errors = match details {
        Ok(details) => match service::update(&app.db, &staff, &tag, details, Utc::now()).await {
            Ok(device) => return Ok(Redirect::to(&format!("/devices/{}", device.asset_tag)).into_response()),
            Err(err) => field_errors(err)?,
        },
        Err(errors) => errors,
    };
    form_page(&app, &staff, Some(device.asset_tag), form, errors).await
}

/// `/d/{tag}`: the address in every QR label.
pub async fn scanned(Path(tag): Path<String>) -> Redirect {
    Redirect::to(&format!("/devices/{}", urlencode(&tag.to_uppercase())))
}

/// This feature's web pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/devices", get(list).post(create))
        .route("/devices/new", get(new))
        .route("/devices/{tag}", get(show).post(update))
        .route("/devices/{tag}/edit", get(edit))
        .route("/d/{tag}", get(scanned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_lists_read_as_sentences() {
        assert_eq!(capitalised_list(&["make".into()]), "Make");
        assert_eq!(
            capitalised_list(&["make".into(), "model".into(), "notes".into()]),
            "Make, model and notes"
        );
    }
}
