//! The sharing agreements' pages: the list, proposing one, and one agreement with accepting and
//! ending it (admins; coordinators read them).

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form, Router,
    extract::{Query, State},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use chrono::{Months, Utc};
use serde::Deserialize;

use crate::{
    auth::{Action, Staff},
    dates::{long_date, today},
    error::{ApiPath, AppError},
    organisations,
    sharing::{
        model::{LawfulBasis, Purpose, SharedData, SharingAgreementRequest, Status},
        service::{self, SharingAgreementPage, SharingAgreementQuery, SharingAgreementView},
    },
    state::AppState,
    web::{
        Nav,
        form::{Choice, Field, FormData, FormPage},
    },
};

#[derive(Template, WebTemplate)]
#[template(path = "sharing/list.html")]
pub struct ListPage {
    nav: Nav,
    list: SharingAgreementPage,
    organisation_id: i32,
    can_propose: bool,
    /// Whether the scheme has another organisation to make an agreement with.
    has_partners: bool,
    next_page: Option<String>,
}

impl ListPage {
    fn count(&self) -> String {
        crate::words::count(self.list.total, "sharing agreement", "sharing agreements")
    }

    fn partner<'a>(&self, agreement: &'a SharingAgreementView) -> &'a str {
        agreement.partner_name(self.organisation_id)
    }

    fn dates(agreement: &SharingAgreementView) -> String {
        format!(
            "{} to {}",
            long_date(agreement.starts_on),
            long_date(agreement.ends_on)
        )
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
}

pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Result<ListPage, AppError> {
    let list = service::list(
        &app.db,
        &staff,
        &SharingAgreementQuery {
            cursor: query.cursor,
            limit: Some(50),
        },
        Utc::now(),
    )
    .await?;
    let next_page = list.next_cursor.as_ref().map(|c| format!("/sharing?cursor={c}"));
    Ok(ListPage {
        // Admins come from Settings; coordinators have the menu's own link.
        nav: Nav::new(
            &staff,
            if staff.can(Action::ManageStaff) {
                "settings"
            } else {
                "sharing"
            },
        ),
        list,
        organisation_id: staff.organisation_id(),
        can_propose: staff.can(Action::ManageSharing),
        has_partners: !partners(&app, &staff).await?.is_empty(),
        next_page,
    })
}

/// The scheme's other organisations, which an agreement may be made with.
async fn partners(app: &AppState, staff: &Staff) -> Result<Vec<Choice>, AppError> {
    Ok(organisations::service::all(&app.db.read)
        .await?
        .into_iter()
        .filter(|o| o.id != staff.organisation_id())
        .map(|o| Choice::new(o.id.to_string(), o.name, false))
        .collect())
}

async fn form(app: &AppState, staff: &Staff) -> Result<FormPage, AppError> {
    let others = partners(app, staff).await?;
    let purposes = Purpose::ALL
        .iter()
        .map(|p| Choice::new(p.as_str(), p.label(), false))
        .collect();
    let data = SharedData::ALL
        .iter()
        .map(|d| Choice::new(d.as_str(), d.label(), false))
        .collect();
    let bases = LawfulBasis::ALL
        .iter()
        .map(|b| Choice::new(b.as_str(), b.label(), false))
        .collect();
    let starts = today(Utc::now());
    let ends = starts.checked_add_months(Months::new(12)).unwrap_or(starts);
    Ok(FormPage::new(
        Nav::new(staff, "settings"),
        "Propose a sharing agreement",
        "/sharing/new",
        "Propose the agreement",
    )
    .back("/sharing")
    .intro("Nothing is shared until the other organisation's admin accepts it, and then only between its dates, only the data you tick, and only for people who agreed to their details being shared with the scheme's partners. Either side can end it at any time.")
    .field(Field::select("with_organisation_id", "Share with", others))
    .field(Field::radios("purpose", "What is it for?", purposes))
    .field(
        Field::checkboxes("data", "What may be shared?", data)
            .hint("Names come with what helps each person take part (large print, access needs)."),
    )
    .field(Field::date("starts_on", "Starts on").value(starts.format("%Y-%m-%d").to_string()))
    .field(
        Field::date("ends_on", "Ends on")
            .hint("At most five years after it starts.")
            .value(ends.format("%Y-%m-%d").to_string()),
    )
    .field(
        Field::radios("lawful_basis", "Lawful basis for sharing", bases)
            .hint("As your data-protection officer recorded it (UK GDPR article 6)."),
    ))
}

pub async fn new(State(app): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    staff.require(Action::ManageSharing)?;
    // With no partner yet there is no one to propose to: the list says how one is added.
    if partners(&app, &staff).await?.is_empty() {
        return Ok(list(State(app), staff, Query(ListQuery { cursor: None }))
            .await?
            .into_response());
    }
    Ok(form(&app, &staff).await?.into_response())
}

pub async fn propose(
    State(app): State<AppState>,
    staff: Staff,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    staff.require(Action::ManageSharing)?;
    let page = form(&app, &staff).await?;
    let request = SharingAgreementRequest {
        with_organisation_id: data.text("with_organisation_id").and_then(|t| t.parse().ok()),
        purpose: data.text("purpose"),
        data: Some(data.all("data")),
        starts_on: data.text("starts_on"),
        ends_on: data.text("ends_on"),
        lawful_basis: data.text("lawful_basis"),
    };
    if let Err(errors) = request.parse(today(Utc::now())) {
        let errors = errors
            .into_iter()
            .map(|mut e| {
                if e.field.starts_with("data[") {
                    e.field = "data".into();
                }
                e
            })
            .collect();
        return Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            page.with_submission(&data, errors),
        )
            .into_response());
    }
    match service::propose(&app.db, &staff, &request, Utc::now()).await {
        Ok(agreement) => Ok(crate::web::done(
            &format!("/sharing/{}", agreement.id),
            &format!(
                "Proposed to {}. Nothing is shared until their admin accepts it.",
                agreement.with_organisation_name
            ),
        )),
        Err(err) => page.refused(&data, err),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "sharing/show.html")]
pub struct ShowPage {
    nav: Nav,
    agreement: SharingAgreementView,
    organisation_id: i32,
    can_manage: bool,
}

impl ShowPage {
    fn partner(&self) -> &str {
        self.agreement.partner_name(self.organisation_id)
    }

    // Askama hands a template's values by reference.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    fn day(date: &chrono::NaiveDate) -> String {
        long_date(*date)
    }

    fn ended(&self) -> bool {
        self.agreement.status == Status::Ended
    }

    fn shares_names_now(&self) -> bool {
        self.agreement.status == Status::InForce && self.agreement.data.contains(&SharedData::Names)
    }
}

pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<ShowPage, AppError> {
    let agreement = service::get(&app.db.read, &staff, id, Utc::now()).await?;
    Ok(ShowPage {
        nav: Nav::new(&staff, "settings"),
        agreement,
        organisation_id: staff.organisation_id(),
        can_manage: staff.can(Action::ManageSharing),
    })
}

pub async fn accept(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    let agreement = service::accept(&app.db, &staff, id, Utc::now()).await?;
    let message = if agreement.status == Status::InForce {
        "Accepted. The agreement is in force.".to_owned()
    } else {
        format!("Accepted. Sharing starts on {}.", long_date(agreement.starts_on))
    };
    Ok(crate::web::done(&format!("/sharing/{id}"), &message))
}

pub async fn end(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    service::end(&app.db, &staff, id, Utc::now()).await?;
    Ok(crate::web::done(
        &format!("/sharing/{id}"),
        "Ended. Nothing more is shared under it, from now.",
    ))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sharing", get(list))
        .route("/sharing/new", get(new).post(propose))
        .route("/sharing/{id}", get(show))
        .route("/sharing/{id}/accept", post(accept))
        .route("/sharing/{id}/end", post(end))
}
