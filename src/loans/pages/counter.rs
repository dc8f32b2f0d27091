//! Issuing at the counter in small steps (who, how long, check your answers), and the overdue
//! list.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde::Deserialize;

use super::caption;
use crate::dates::long_date;
use crate::dates::today;
use crate::loans::{
    service::{self, IssueRequest},
    views::{self, LoanView, OverdueView},
};
use crate::{
    auth::{Action, Staff},
    devices::{self, service::DeviceView},
    error::{ApiQuery, AppError},
    hubs::{self, service::HubView},
    people::{self, service::BorrowerView},
    state::AppState,
    web::{
        HubPageFilter, Nav,
        form::{Choice, Field, FormData, FormPage},
        next_page, urlencode,
    },
};

#[derive(Template, WebTemplate)]
#[template(path = "loans/choose_borrower.html")]
pub struct ChooseBorrowerPage {
    nav: Nav,
    device: DeviceView,
    q: String,
    error: Option<String>,
    borrowers: Vec<BorrowerView>,
    /// What the borrowers found already have.
    open_loans: Vec<LoanView>,
}

impl ChooseBorrowerPage {
    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes loop items by reference
    fn loans_of(&self, borrower_id: &i32) -> Vec<&LoanView> {
        self.open_loans
            .iter()
            .filter(|l| l.borrower_id == *borrower_id)
            .collect()
    }

    fn due(loan: &LoanView) -> String {
        long_date(loan.due_on)
    }
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
    let ids: Vec<i32> = borrowers.iter().map(|b| b.id).collect();
    let open_loans = views::open_loans_of(&app.db.read, &staff, &ids).await?;
    Ok(ChooseBorrowerPage {
        nav: Nav::new(&staff, "devices"),
        device,
        q,
        error,
        borrowers,
        open_loans,
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
    let form = details_fields(staff, device, borrower, due_on, choices);
    let asked = people::service::to_ask_at_counter(borrower);
    if asked.is_empty() {
        return form;
    }
    // Never ticked for them: each is their answer, asked out loud.
    let consents = asked
        .iter()
        .map(|purpose| Choice::new(purpose.as_str(), purpose.label(), false))
        .collect();
    form.field(
        Field::checkboxes("consents", "What they agree to", consents).hint(format!(
            "{} has not agreed to these yet. Read each one out and tick only what they agree to; \
             they must agree to the first to borrow. It is recorded as given in person.",
            borrower.name
        )),
    )
}

fn details_fields(
    staff: &Staff,
    device: &DeviceView,
    borrower: &BorrowerView,
    due_on: &str,
    choices: Vec<Choice>,
) -> FormPage {
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
    let due_on = query
        .due_on
        .unwrap_or_else(|| service::default_due_on(&app.config, device.kind, Utc::now()).to_string());
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
    /// What they agree to now, at the counter.
    consents: Vec<crate::people::model::Purpose>,
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
    let checked = crate::loans::model::parse_due_on("due_on", due_text.as_deref(), today(Utc::now()))
        .and_then(|due_on| {
            people::service::counter_answers(&borrower, &data.all("consents")).map(|c| (due_on, c))
        });
    match checked {
        Ok((due_on, consents)) => {
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
                consents,
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

/// Issue, the last step: the loan is made and its agreement follows, to be signed.
pub async fn issue(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let borrower_id = data.text("borrower_id").and_then(|b| b.parse().ok());
    if let Some(id) = borrower_id {
        // What they agreed to at the counter is recorded first: the loan needs it.
        let borrower = people::service::get(&app.db.read, &staff, id).await?;
        let agreed = people::service::counter_answers(&borrower, &data.all("consents"))?;
        people::service::agree_at_counter(&app.db, &staff, &borrower, &agreed, Utc::now()).await?;
    }
    let request = IssueRequest {
        asset_tag: Some(tag),
        borrower_id,
        due_on: data.text("due_on"),
        hub_id: None,
        accessories: Some(data.all("accessories")),
    };
    let loan = service::issue(&app.db, &staff, &request, Utc::now()).await?;
    // Lending is not done until the agreement is signed: straight on to it.
    Ok(crate::web::done(
        &format!("/loans/{}/agreement", loan.id),
        &format!(
            "{} lent to {}, due back on {}. Now the agreement: read it together and sign it below, or print it to sign on paper.",
            loan.asset_tag,
            loan.borrower_name,
            crate::dates::long_date(loan.due_on)
        ),
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "loans/overdue.html")]
pub struct OverduePage {
    nav: Nav,
    hubs: Vec<HubView>,
    hub_id: Option<i32>,
    items: Vec<OverdueView>,
    /// The address of the next page, when there is one.
    next_page: Option<String>,
    /// Whether this is the first page (the count of a later page is not the whole list).
    first: bool,
}

impl OverduePage {
    fn due(item: &OverdueView) -> String {
        long_date(item.loan.due_on)
    }

    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes loop items by reference
    fn selected(&self, id: &i32) -> bool {
        self.hub_id == Some(*id)
    }
}

pub async fn overdue(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(filter): ApiQuery<HubPageFilter>,
) -> Result<OverduePage, AppError> {
    let hub_id = filter.hub_id();
    let page = views::overdue(
        &app.db.read,
        &staff,
        Utc::now(),
        hub_id,
        filter.cursor.as_deref(),
        None,
    )
    .await?;
    Ok(OverduePage {
        nav: Nav::new(&staff, "loans"),
        hubs: hubs::service::list(&app.db.read, &staff).await?,
        hub_id,
        items: page.items,
        next_page: page
            .next_cursor
            .map(|cursor| next_page("/loans/overdue", hub_id, &cursor)),
        first: filter.cursor.is_none(),
    })
}
