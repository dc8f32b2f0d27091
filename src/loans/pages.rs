//! The counter's pages: issuing in small steps (who, how long, check your answers), the loan page,
//! and the forms for return, checks, extension, loss, repair and retirement.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::routing::{get, post};
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use chrono::Utc;
use serde::Deserialize;

use super::{
    model::{DISPOSAL_METHODS, WIPE_METHODS},
    service::{
        self, ChecksRequest, CloseRepairRequest, ExtendRequest, IssueRequest, NotesRequest, RepairRequest,
        RetireRequest, ReturnRequest,
    },
    views::{self, LoanView, OverdueView},
};
use crate::dates::today;
use crate::dates::{london_time, long_date};
use crate::{
    agreements::{self, service::AgreementView},
    auth::{Action, Staff},
    devices::{self, model::Condition, service::DeviceView},
    error::{ApiPath, AppError, FieldError},
    people::{self, service::BorrowerView},
    state::AppState,
    web::{
        Nav,
        form::{Choice, Field, FormData, FormPage},
        urlencode,
    },
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

/// Shows a form again with the problems, or passes on an error that is not about a field.

#[derive(Template, WebTemplate)]
#[template(path = "loans/choose_borrower.html")]
pub struct ChooseBorrowerPage {
    nav: Nav,
    device: DeviceView,
    q: String,
    error: Option<String>,
    borrowers: Vec<BorrowerView>,
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

/// Issue, step 1: who is borrowing it.
pub async fn choose_borrower(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    let device = devices::service::get(&app.db.read, &staff, &tag).await?;
    let q = query.q.unwrap_or_default();
    let (borrowers, error) = if q.trim().is_empty() {
        (Vec::new(), None)
    } else {
        match people::service::search(&app.db.read, &staff, Some(&q)).await {
            Ok(found) => (found, None),
            Err(AppError::Invalid(e)) => (Vec::new(), Some(e.message)),
            Err(other) => return Err(other),
        }
    };
    Ok(ChooseBorrowerPage {
        nav: Nav::new(&staff, "devices"),
        device,
        q,
        error,
        borrowers,
    }
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct IssueQuery {
    borrower_id: Option<i32>,
    due_on: Option<String>,
    #[serde(default)]
    accessories: Option<String>,
}

fn details_form(
    staff: &Staff,
    device: &DeviceView,
    borrower: &BorrowerView,
    due_on: &str,
    accessories: &[String],
) -> FormPage {
    let choices = device
        .accessories
        .iter()
        .map(|a| Choice::new(a.clone(), a.clone(), accessories.contains(a)))
        .collect();
    FormPage::new(
        Nav::new(staff, "devices"),
        format!("Lend to {}", borrower.name),
        format!("/devices/{}/issue/check", device.asset_tag),
        "Continue",
    )
    .caption(caption(device))
    .back(format!("/devices/{}/issue", device.asset_tag))
    .field(Field::hidden("borrower_id", borrower.id.to_string()))
    .field(
        Field::date("due_on", "Date it is due back")
            .value(due_on)
            .hint("For example 12 March 2027. The usual loan for this kind of device is filled in."),
    )
    .field(
        Field::checkboxes("accessories", "Accessories handed over", choices)
            .hint("Untick anything not handed over."),
    )
}

/// Issue, step 2: how long, and what goes with it.
pub async fn issue_details(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
    Query(query): Query<IssueQuery>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    let device = devices::service::get(&app.db.read, &staff, &tag).await?;
    let borrower_id = query
        .borrower_id
        .ok_or_else(|| AppError::invalid("borrower_id", "choose who the device is lent to"))?;
    let borrower = people::service::get(&app.db.read, &staff, borrower_id).await?;
    let due_on = query.due_on.unwrap_or_else(|| {
        (today(Utc::now()) + chrono::Duration::days(app.config.loan_days(device.kind))).to_string()
    });
    let accessories = query.accessories.map_or_else(
        || device.accessories.clone(),
        |a| a.split(',').map(str::to_owned).collect(),
    );
    Ok(details_form(&staff, &device, &borrower, &due_on, &accessories).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "loans/check.html")]
pub struct CheckPage {
    nav: Nav,
    device: DeviceView,
    borrower: BorrowerView,
    due_on: String,
    due_on_text: String,
    accessories: Vec<String>,
    change_link: String,
}

/// Issue, step 3: check your answers before the loan is made.
pub async fn issue_check(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    let device = devices::service::get(&app.db.read, &staff, &tag).await?;
    let borrower_id = data
        .text("borrower_id")
        .and_then(|b| b.parse().ok())
        .ok_or_else(|| AppError::invalid("borrower_id", "choose who the device is lent to"))?;
    let borrower = people::service::get(&app.db.read, &staff, borrower_id).await?;
    let accessories = data.all("accessories");
    let due_text = data.text("due_on");
    match super::model::parse_due_on("due_on", due_text.as_deref(), today(Utc::now())) {
        Ok(due_on) => {
            let change_link = format!(
                "/devices/{}/issue/details?borrower_id={}&due_on={}&accessories={}",
                device.asset_tag,
                borrower.id,
                due_on,
                urlencode(&accessories.join(","))
            );
            Ok(CheckPage {
                nav: Nav::new(&staff, "devices"),
                due_on: due_on.to_string(),
                due_on_text: long_date(due_on),
                device,
                borrower,
                accessories,
                change_link,
            }
            .into_response())
        }
        Err(error) => {
            let page = details_form(&staff, &device, &borrower, "", &accessories);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page.with_submission(&data, vec![error]),
            )
                .into_response())
        }
    }
}

/// Issue, the last step: the loan is made and its page follows.
pub async fn issue(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let request = IssueRequest {
        asset_tag: Some(tag),
        borrower_id: data.text("borrower_id").and_then(|b| b.parse().ok()),
        due_on: data.text("due_on"),
        hub_id: None,
        accessories: Some(data.all("accessories")),
    };
    let loan = service::issue(&app.db, &staff, &request, Utc::now()).await?;
    Ok(Redirect::to(&format!("/loans/{}", loan.id)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "loans/show.html")]
pub struct LoanPage {
    nav: Nav,
    loan: LoanView,
    device: DeviceView,
    borrower: BorrowerView,
    issued_at: String,
    due_on: String,
    returned_at: Option<String>,
    extensions: Vec<(String, String, String)>,
    agreement: AgreementView,
    agreement_at: String,
    course: Option<crate::training::service::CourseView>,
    courses: Vec<crate::training::service::CourseView>,
}

impl LoanPage {
    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes loop items by reference
    fn is_course(&self, id: &i32) -> bool {
        self.course.as_ref().is_some_and(|c| c.id == *id)
    }
}

pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<LoanPage, AppError> {
    let loan = views::loan(&app.db.read, &staff, id).await?;
    let device = devices::service::get(&app.db.read, &staff, &loan.asset_tag).await?;
    let borrower = people::service::get(&app.db.read, &staff, loan.borrower_id).await?;
    let extensions = loan
        .extensions
        .iter()
        .map(|e| {
            (
                long_date(e.from_due_on),
                long_date(e.to_due_on),
                e.reason.clone().unwrap_or_default(),
            )
        })
        .collect();
    let agreement = agreements::service::status(&app.db, &staff, &app.config.agreement_terms, id).await?;
    let course = crate::training::service::course_of_loan(&app.db.read, &staff, loan.course_id).await?;
    let courses = crate::training::service::courses(&app.db.read, &staff).await?;
    Ok(LoanPage {
        nav: Nav::new(&staff, "devices"),
        agreement_at: agreement.accepted_at.map(london_time).unwrap_or_default(),
        course,
        courses,
        agreement,
        issued_at: london_time(loan.issued_at),
        due_on: long_date(loan.due_on),
        returned_at: loan.returned_at.map(london_time),
        extensions,
        loan,
        device,
        borrower,
    })
}

async fn loan_and_device(app: &AppState, staff: &Staff, id: i32) -> Result<(LoanView, DeviceView), AppError> {
    let loan = views::loan(&app.db.read, staff, id).await?;
    let device = devices::service::get(&app.db.read, staff, &loan.asset_tag).await?;
    Ok((loan, device))
}

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
    let (loan, device) = loan_and_device(&app, &staff, id).await?;
    Ok(return_form(&staff, &loan, &device).into_response())
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
    match service::return_device(&app.db, &staff, id, &request, Utc::now()).await {
        Ok(loan) => Ok(Redirect::to(&format!("/devices/{}", loan.asset_tag)).into_response()),
        Err(err) => {
            let (loan, device) = loan_and_device(&app, &staff, id).await?;
            return_form(&staff, &loan, &device).refused(&data, err)
        }
    }
}

fn checks_form(staff: &Staff, device: &DeviceView) -> FormPage {
    let methods = std::iter::once(Choice::new("", "Choose how it was wiped", false))
        .chain(
            WIPE_METHODS
                .iter()
                .map(|(value, label)| Choice::new(*value, *label, false)),
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
    let device = devices::service::get(&app.db.read, &staff, &tag).await?;
    Ok(checks_form(&staff, &device).into_response())
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
    match service::record_checks(&app.db, &staff, &tag, &request, Utc::now()).await {
        Ok(device) => Ok(Redirect::to(&format!("/devices/{}", device.asset_tag)).into_response()),
        Err(err) => {
            let device = devices::service::get(&app.db.read, &staff, &tag).await?;
            checks_form(&staff, &device).refused(&data, err)
        }
    }
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
    let (loan, device) = loan_and_device(&app, &staff, id).await?;
    Ok(extend_form(&staff, &loan, &device).into_response())
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
    match service::extend(&app.db, &staff, id, &request, Utc::now()).await {
        Ok(loan) => Ok(Redirect::to(&format!("/loans/{}", loan.id)).into_response()),
        Err(err) => {
            let (loan, device) = loan_and_device(&app, &staff, id).await?;
            extend_form(&staff, &loan, &device).refused(&data, err)
        }
    }
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
    Ok(Redirect::to(&format!("/devices/{}", loan.asset_tag)).into_response())
}

pub async fn found(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
) -> Result<Response, AppError> {
    let device = service::found(&app.db, &staff, &tag, &NotesRequest::default(), Utc::now()).await?;
    Ok(Redirect::to(&format!("/devices/{}", device.asset_tag)).into_response())
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
    let device = devices::service::get(&app.db.read, &staff, &tag).await?;
    Ok(repair_form(&staff, &device).into_response())
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
    match service::open_repair(&app.db, &staff, &request, Utc::now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/devices/{}", tag.to_uppercase())).into_response()),
        Err(err) => {
            let device = devices::service::get(&app.db.read, &staff, &tag).await?;
            repair_form(&staff, &device).refused(&data, err)
        }
    }
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
    let device = devices::service::get(&app.db.read, &staff, &tag).await?;
    Ok(retire_form(&staff, &device).into_response())
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
    match service::retire(&app.db, &staff, &tag, &request, Utc::now()).await {
        Ok(device) => Ok(Redirect::to(&format!("/devices/{}", device.asset_tag)).into_response()),
        Err(err) => {
            let device = devices::service::get(&app.db.read, &staff, &tag).await?;
            retire_form(&staff, &device).refused(&data, err)
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "loans/overdue.html")]
pub struct OverduePage {
    nav: Nav,
    items: Vec<OverdueView>,
}

impl OverduePage {
    fn due(item: &OverdueView) -> String {
        long_date(item.loan.due_on)
    }
}

pub async fn overdue(State(app): State<AppState>, staff: Staff) -> Result<OverduePage, AppError> {
    let items = views::overdue(&app.db.read, &staff, Utc::now()).await?;
    Ok(OverduePage {
        nav: Nav::new(&staff, "overdue"),
        items,
    })
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
        .route("/loans/overdue", get(overdue))
        .route("/loans/{id}", get(show))
        .route("/loans/{id}/return", get(return_page).post(return_device))
        .route("/loans/{id}/extend", get(extend_page).post(extend))
        .route("/loans/{id}/lost", get(lost_page).post(lost))
}
