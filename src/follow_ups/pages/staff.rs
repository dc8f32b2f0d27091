//! The follow-ups staff see: who was asked, who answered, who could not be asked; and the form
//! for answers taken on the phone (the call list links to it).

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Query, State},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde::Deserialize;

use super::{questions, request_of};
use crate::{
    auth::Staff,
    dates::long_date,
    error::{ApiPath, AppError},
    follow_ups::{
        model::{FollowUpStatus, since_words},
        service::{self, FollowUpPage, FollowUpQuery, FollowUpView},
    },
    state::AppState,
    web::{
        Nav, done,
        form::{FormData, FormPage},
    },
};

#[derive(Template, WebTemplate)]
#[template(path = "follow_ups/list.html")]
pub struct ListPage {
    nav: Nav,
    list: FollowUpPage,
    status: String,
    next_page: Option<String>,
}

impl ListPage {
    fn statuses(&self) -> Vec<(&'static str, &'static str, bool)> {
        std::iter::once(("", "All", self.status.is_empty()))
            .chain(
                FollowUpStatus::ALL
                    .iter()
                    .map(|s| (s.as_str(), s.label(), self.status == s.as_str())),
            )
            .collect()
    }

    fn since(item: &FollowUpView) -> String {
        since_words(item.after_days)
    }

    fn day(item: &FollowUpView) -> String {
        long_date(item.due_on)
    }

    fn answers(item: &FollowUpView) -> String {
        match item.still_using {
            None => String::new(),
            Some(using) => {
                let mut words = vec![
                    if using {
                        "Still using it"
                    } else {
                        "No longer using it"
                    }
                    .to_owned(),
                ];
                if let Some(often) = item.how_often {
                    words.push(often.label().to_lowercase());
                }
                if let Some(confidence) = item.confidence {
                    words.push(format!("confidence {confidence} of 5"));
                }
                words.join(", ")
            }
        }
    }

    fn count(&self) -> String {
        crate::words::count(self.list.total, "follow-up", "follow-ups")
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Result<ListPage, AppError> {
    let status = query.status.unwrap_or_default();
    let list = service::list(
        &app.db,
        &staff,
        &FollowUpQuery {
            status: Some(status.clone()),
            cursor: query.cursor,
            limit: Some(50),
            ..FollowUpQuery::default()
        },
    )
    .await?;
    let next_page = list
        .next_cursor
        .as_ref()
        .map(|c| format!("/follow-ups?status={status}&cursor={c}"));
    Ok(ListPage {
        nav: Nav::new(&staff, "borrowers"),
        list,
        status,
        next_page,
    })
}

async fn form(app: &AppState, staff: &Staff, id: i32) -> Result<(FormPage, FollowUpView), AppError> {
    let item = service::get(&app.db, staff, id).await?;
    let page = FormPage::new(
        Nav::new(staff, "reminders"),
        format!("How has it gone for {}?", item.borrower_name),
        format!("/follow-ups/{id}/answers"),
        "Save their answers",
    )
    .back("/reminders/calls")
    .intro(format!(
        "Ask {} these questions on the phone, {} after they got the device, and record what they say. Only the first needs an answer.",
        item.borrower_name,
        since_words(item.after_days)
    ));
    Ok((questions(page, "device", false), item))
}

pub async fn form_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    Ok(form(&app, &staff, id).await?.0.into_response())
}

pub async fn answer(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let (page, item) = form(&app, &staff, id).await?;
    let request = request_of(&data);
    if let Err(errors) = request.parse() {
        return Ok(page.with_submission(&data, errors).into_response());
    }
    match service::answer_by_staff(&app.db, &staff, id, &request, Utc::now()).await {
        Ok(_) => Ok(done(
            "/reminders/calls",
            &format!("Saved how it has gone for {}", item.borrower_name),
        )),
        Err(err) => page.refused(&data, err),
    }
}
