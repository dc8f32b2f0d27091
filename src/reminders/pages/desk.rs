//! The staff desk's pages: the call list per hub (record how each call went) and reminder
//! letters to print and post.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::Utc;

use crate::dates::long_date;
use crate::reminders::{
    model::CallOutcome,
    service::{self, CallView, OutcomeRequest, Task},
};
use crate::{
    auth::{Action, Staff},
    error::{ApiPath, ApiQuery, AppError},
    hubs::{self, service::HubView},
    state::AppState,
    web::{FormErrors, HubPageFilter, Nav, form::FormData, next_page, pdf_response},
};

#[derive(Template, WebTemplate)]
#[template(path = "reminders/calls.html")]
pub struct CallsPage {
    nav: Nav,
    hubs: Vec<HubView>,
    hub_id: Option<i32>,
    calls: Vec<CallView>,
    /// The address of the next page of calls, when there is one.
    next_page: Option<String>,
    outcomes: &'static [CallOutcome],
    errors: FormErrors,
    /// The call whose form was refused.
    failed_id: Option<i32>,
}

impl CallsPage {
    fn due(call: &CallView) -> String {
        call.due_on.map(long_date).unwrap_or_default()
    }

    fn hub_name(&self, call: &CallView) -> &str {
        self.hubs
            .iter()
            .find(|h| Some(h.id) == call.hub_id)
            .map_or("", |h| h.name.as_str())
    }

    fn query(&self) -> String {
        self.hub_id.map(|id| format!("?hub_id={id}")).unwrap_or_default()
    }

    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes loop items by reference
    fn selected(&self, id: &i32) -> bool {
        self.hub_id == Some(*id)
    }

    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes loop items by reference
    fn failed(&self, id: &i32) -> bool {
        self.failed_id == Some(*id)
    }

    fn tel(phone: &str) -> String {
        phone.chars().filter(|c| !c.is_whitespace()).collect()
    }
}

async fn calls_page(
    app: &AppState,
    staff: &Staff,
    hub_id: Option<i32>,
    cursor: Option<&str>,
) -> Result<CallsPage, AppError> {
    let page = service::call_list(&app.db.read, staff, hub_id, cursor, None).await?;
    let next_page = page
        .next_cursor
        .map(|cursor| next_page("/reminders/calls", hub_id, &cursor));
    Ok(CallsPage {
        nav: Nav::new(staff, "reminders"),
        hubs: hubs::service::list(&app.db.read, staff).await?,
        hub_id,
        calls: page.items,
        next_page,
        outcomes: CallOutcome::ALL,
        errors: FormErrors::default(),
        failed_id: None,
    })
}

pub async fn calls(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(filter): ApiQuery<HubPageFilter>,
) -> Result<CallsPage, AppError> {
    calls_page(&app, &staff, filter.hub_id(), filter.cursor.as_deref()).await
}

pub async fn record_outcome(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let hub_id: Option<i32> = data.text("hub_id").and_then(|h| h.parse().ok());
    let request = OutcomeRequest {
        outcome: data.text("outcome"),
        notes: data.text("notes"),
    };
    match service::record_outcome(&app.db, &staff, id, &request, Utc::now()).await {
        Ok(_) => {
            let name = data.text("borrower").unwrap_or_default();
            let target = hub_id.map_or_else(
                || "/reminders/calls".to_owned(),
                |id| format!("/reminders/calls?hub_id={id}"),
            );
            Ok(crate::web::done(&target, &format!("Saved the call to {name}.")))
        }
        Err(AppError::Invalid(error)) => {
            let mut page = calls_page(&app, &staff, hub_id, None).await?;
            page.errors = FormErrors(vec![error]);
            page.failed_id = Some(id);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "reminders/letters.html")]
pub struct LettersPage {
    nav: Nav,
    hubs: Vec<HubView>,
    hub_id: Option<i32>,
    letters: Vec<Task>,
}

impl LettersPage {
    fn query(&self) -> String {
        self.hub_id.map(|id| format!("?hub_id={id}")).unwrap_or_default()
    }

    fn due(task: &Task) -> String {
        task.due_on.map(long_date).unwrap_or_default()
    }

    /// The letters downloaded to print: only these can be marked posted.
    fn printed(&self) -> Vec<&Task> {
        self.letters.iter().filter(|t| t.printed_at.is_some()).collect()
    }

    fn mark_button(&self) -> String {
        match self.printed().len() {
            1 => "Mark the printed letter as posted".to_owned(),
            n => format!("Mark the {n} printed letters as posted"),
        }
    }

    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes loop items by reference
    fn selected(&self, id: &i32) -> bool {
        self.hub_id == Some(*id)
    }
}

pub async fn letters(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(filter): ApiQuery<HubPageFilter>,
) -> Result<LettersPage, AppError> {
    let hub_id = filter.hub_id();
    Ok(LettersPage {
        nav: Nav::new(&staff, "reminders"),
        hubs: hubs::service::list(&app.db.read, &staff).await?,
        hub_id,
        letters: service::letters(&app.db.read, &staff, hub_id).await?,
    })
}

pub async fn letters_pdf(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(filter): ApiQuery<HubPageFilter>,
) -> Result<Response, AppError> {
    let bytes = service::letters_pdf(&app.db, &staff, filter.hub_id(), Utc::now()).await?;
    Ok(pdf_response(bytes, "reminder-letters.pdf", "attachment"))
}

pub async fn mark_posted(
    State(app): State<AppState>,
    staff: Staff,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    staff.require(Action::Lend)?;
    let ids: Vec<i32> = data.all("ids").iter().filter_map(|i| i.parse().ok()).collect();
    crate::validate::at_most("ids", &ids, 500)?;
    if !crate::web::confirmed(&data) {
        let n = u64::try_from(ids.len()).unwrap_or(u64::MAX);
        return Ok(crate::web::ConfirmPage {
            nav: Nav::new(&staff, "reminders"),
            title: format!("Mark {} as posted?", crate::words::count(n, "letter", "letters")),
            message: "Only once they are printed, in their envelopes and in the post: they leave the list."
                .into(),
            action: "/reminders/letters/posted".into(),
            fields: ids.iter().map(|id| ("ids".to_owned(), id.to_string())).collect(),
            button: "Yes, they are posted".into(),
            back: "/reminders/letters".into(),
            destructive: false,
        }
        .into_response());
    }
    let posted = service::mark_posted(&app.db, &staff, &ids, Utc::now()).await?;
    let letters = if posted == 1 { "letter" } else { "letters" };
    Ok(crate::web::done(
        "/reminders/letters",
        &format!("{posted} {letters} marked as posted."),
    ))
}
