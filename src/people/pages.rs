//! The borrower pages: find, add, see and change a borrower.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::routing::get;
use axum::{
    Form,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use chrono::Utc;
use serde::Deserialize;

use super::{
    model::{BARRIERS, BorrowerRequest, ConsentRequest, barrier_label},
    service::{self, BorrowerView},
};
use crate::dates::{london_time, long_date};
use crate::{
    auth::{Action, Staff},
    error::{ApiPath, AppError},
    loans::views::{self, LoanView},
    state::AppState,
    web::{
        Nav,
        form::{Choice, Field, FormData, FormPage},
    },
};

#[derive(Template, WebTemplate)]
#[template(path = "people/list.html")]
pub struct ListPage {
    nav: Nav,
    q: String,
    /// `last_loan` when sorted by who borrowed last; else by name.
    sort: String,
    error: Option<String>,
    borrowers: Vec<BorrowerView>,
    total: u64,
    next_page: Option<String>,
}

impl ListPage {
    fn heading(&self) -> String {
        if self.q.is_empty() {
            let order = if self.sort == "last_loan" {
                "who borrowed most recently first"
            } else {
                "by name"
            };
            format!(
                "{}, {order}",
                crate::words::count(self.total, "borrower", "borrowers")
            )
        } else {
            format!(
                "{} matching \u{201c}{}\u{201d}",
                crate::words::count(self.total, "borrower", "borrowers"),
                self.q
            )
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    sort: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let q = query.q.unwrap_or_default();
    let sort = query.sort.filter(|s| s == "last_loan").unwrap_or_default();
    let asked = service::BorrowerQuery {
        q: Some(q.clone()),
        sort: Some(sort.clone()),
        cursor: query.cursor,
        limit: None,
    };
    let (page, error, status) = match service::list(&app.db.read, &staff, &asked).await {
        Ok(page) => (Some(page), None, StatusCode::OK),
        Err(AppError::Invalid(e)) => (None, Some(e.message), StatusCode::UNPROCESSABLE_ENTITY),
        Err(other) => return Err(other),
    };
    let (borrowers, total, next) = page.map_or((Vec::new(), 0, None), |p| (p.items, p.total, p.next_cursor));
    let next_page = next.map(|cursor| {
        let sort = if sort.is_empty() {
            String::new()
        } else {
            format!("sort={sort}&")
        };
        format!("/borrowers?{sort}cursor={cursor}")
    });
    Ok((
        status,
        ListPage {
            nav: Nav::new(&staff, "borrowers"),
            q,
            sort,
            error,
            borrowers,
            total,
            next_page,
        },
    )
        .into_response())
}

/// The borrower form, for adding (with consent) or changing.
fn borrower_form(
    staff: &Staff,
    title: &str,
    action: String,
    request: &BorrowerRequest,
    adding: bool,
) -> FormPage {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let barriers = request.barriers.clone().unwrap_or_default();
    let mut page = FormPage::new(
        Nav::new(staff, "borrowers"),
        title,
        action,
        if adding {
            "Add the borrower"
        } else {
            "Save changes"
        },
    )
    .intro("We keep only what the scheme needs. Give at least one way to reach them: email, phone or post.")
    .field(
        Field::text("name", "Full name")
            .value(text(&request.name))
            .input("text", "name"),
    )
    .field(
        Field::text("phone", "Phone number (optional)")
            .value(text(&request.phone))
            .input("tel", "tel"),
    )
    .field(
        Field::text("email", "Email address (optional)")
            .value(text(&request.email))
            .input("email", "email"),
    )
    .field(Field::textarea("address", "Postal address (optional)").value(text(&request.address)))
    .field(
        Field::text("postcode", "Postcode (optional)")
            .value(text(&request.postcode))
            .input("text", "postal-code"),
    )
    .field(Field::checkbox(
        "prefers_phone",
        "They would rather be phoned than emailed",
        request.prefers_phone.unwrap_or(false),
    ))
    .field(Field::checkboxes(
        "barriers",
        "What stops them getting online? (optional)",
        BARRIERS
            .iter()
            .map(|(value, label)| Choice::new(*value, *label, barriers.iter().any(|b| b == value)))
            .collect(),
    ))
    .field(Field::checkbox(
        "large_print",
        "They need large print",
        request.large_print.unwrap_or(false),
    ))
    .field(
        Field::text("preferred_language", "Preferred language (optional)")
            .value(text(&request.preferred_language)),
    )
    .field(
        Field::textarea("accessibility_needs", "Other accessibility needs (optional)")
            .value(text(&request.accessibility_needs)),
    )
    .field(
        Field::text("referral_source", "Who referred them? (optional)").value(text(&request.referral_source)),
    );
    if adding {
        page = page.field(
            Field::checkbox(
                "consent",
                "They agree that we keep and use these details to run their loan and training",
                false,
            )
            .hint("Read them the privacy notice first. We cannot lend without their agreement."),
        );
    }
    page
}

fn request_from(data: &FormData) -> BorrowerRequest {
    BorrowerRequest {
        name: data.text("name"),
        email: data.text("email"),
        phone: data.text("phone"),
        address: data.text("address"),
        postcode: data.text("postcode"),
        barriers: Some(data.all("barriers")),
        consent: Some(ConsentRequest {
            data_processing: Some(data.ticked("consent")),
        }),
        large_print: Some(data.ticked("large_print")),
        preferred_language: data.text("preferred_language"),
        accessibility_needs: data.text("accessibility_needs"),
        referral_source: data.text("referral_source"),
        resident_of_organisation_id: None,
        prefers_phone: Some(data.ticked("prefers_phone")),
    }
}

#[derive(Debug, Deserialize)]
pub struct NewQuery {
    /// The device being issued, to go back to once the borrower is added.
    for_device: Option<String>,
}

fn new_action(for_device: Option<&str>) -> String {
    match for_device {
        Some(tag) => format!("/borrowers?for_device={}", crate::web::urlencode(tag)),
        None => "/borrowers".to_owned(),
    }
}

pub async fn new(staff: Staff, Query(query): Query<NewQuery>) -> Result<Response, AppError> {
    staff.require(Action::ManageBorrowers)?;
    let page = borrower_form(
        &staff,
        "Add a borrower",
        new_action(query.for_device.as_deref()),
        &BorrowerRequest::default(),
        true,
    );
    Ok(page.into_response())
}

pub async fn create(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<NewQuery>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    staff.require(Action::ManageBorrowers)?;
    let request = request_from(&data);
    let page = || {
        borrower_form(
            &staff,
            "Add a borrower",
            new_action(query.for_device.as_deref()),
            &request,
            true,
        )
    };
    let details = match request.parse_new() {
        Ok(details) => details,
        Err(errors) => {
            let errors = errors.into_iter().map(|mut e| {
                if e.field == "consent.data_processing" {
                    e.field = "consent".into();
                }
                e
            });
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page().with_submission(&data, errors.collect()),
            )
                .into_response());
        }
    };
    let borrower = service::create(&app.db, &staff, details, Utc::now()).await?;
    let next = match query.for_device {
        Some(tag) => format!(
            "/devices/{}/issue/details?borrower_id={}",
            crate::web::urlencode(&tag),
            borrower.id
        ),
        None => format!("/borrowers/{}", borrower.id),
    };
    Ok(Redirect::to(&next).into_response())
}

pub async fn edit(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    staff.require(Action::ManageBorrowers)?;
    let borrower = service::get(&app.db.read, &staff, id).await?;
    let page = borrower_form(
        &staff,
        &format!("Change {}'s details", borrower.name),
        format!("/borrowers/{id}"),
        &borrower.as_request(),
        false,
    );
    Ok(page.into_response())
}

pub async fn update(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let borrower = service::get(&app.db.read, &staff, id).await?;
    let request = request_from(&data);
    match request.details() {
        Ok(details) => {
            service::update(&app.db, &staff, id, details, Utc::now()).await?;
            Ok(Redirect::to(&format!("/borrowers/{id}")).into_response())
        }
        Err(errors) => {
            let page = borrower_form(
                &staff,
                &format!("Change {}'s details", borrower.name),
                format!("/borrowers/{id}"),
                &request,
                false,
            );
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page.with_submission(&data, errors),
            )
                .into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "people/show.html")]
pub struct ShowPage {
    nav: Nav,
    borrower: BorrowerView,
    barriers: Vec<String>,
    consent_at: String,
    loans: Vec<LoanView>,
    training: Option<crate::training::service::LearnerTraining>,
    courses: std::collections::HashMap<i32, String>,
    calls: Vec<crate::reminders::service::CallRecord>,
}

impl ShowPage {
    /// The course the loan goes with; blank when it goes with none.
    fn course_of(&self, loan: &LoanView) -> String {
        loan.course_id
            .and_then(|id| self.courses.get(&id).cloned())
            .unwrap_or_default()
    }

    fn date(loan: &LoanView) -> String {
        long_date(loan.due_on)
    }

    /// How reminders reach them, as the reminder sweep decides it.
    fn reminders(&self) -> &'static str {
        use crate::reminders::model::Channel;
        let b = &self.borrower;
        let has = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
        if !has(&b.email) && !has(&b.phone) && !has(&b.address) {
            return "None can reach them: add an email address, a phone number or a postal address";
        }
        match crate::reminders::service::channel_for(
            b.email.as_deref(),
            b.phone.as_deref(),
            b.address.as_deref(),
            b.prefers_phone,
        ) {
            Channel::Email => "By email",
            Channel::Call => "By a phone call from staff",
            Channel::Letter => "By a letter in the post",
        }
    }
}

pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<ShowPage, AppError> {
    let borrower = service::get(&app.db.read, &staff, id).await?;
    let loans = if staff.can(Action::ViewLoans) {
        views::of_borrower(&app.db.read, &staff, id).await?
    } else {
        Vec::new()
    };
    let training = if staff.can(Action::ViewTraining) {
        Some(crate::training::service::learner(&app.db.read, &staff, id).await?)
    } else {
        None
    };
    let courses = if staff.can(Action::ViewTraining) {
        crate::training::service::courses(&app.db.read, &staff)
            .await?
            .into_iter()
            .map(|c| (c.id, c.title))
            .collect()
    } else {
        std::collections::HashMap::new()
    };
    let loan_ids: Vec<i32> = loans.iter().map(|l| l.id).collect();
    let calls = if staff.can(Action::ViewLoans) {
        crate::reminders::service::call_history(&app.db.read, &staff, &loan_ids).await?
    } else {
        Vec::new()
    };
    Ok(ShowPage {
        nav: Nav::new(&staff, "borrowers"),
        calls,
        training,
        courses,
        barriers: borrower
            .barriers
            .iter()
            .map(|b| barrier_label(b).to_owned())
            .collect(),
        consent_at: london_time(borrower.consent.recorded_at),
        borrower,
        loans,
    })
}

/// This feature's web pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/borrowers", get(list).post(create))
        .route("/borrowers/new", get(new))
        .route("/borrowers/{id}", get(show).post(update))
        .route("/borrowers/{id}/edit", get(edit))
}
