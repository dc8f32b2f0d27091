//! The questionnaire a person opens from the email: no account, no navigation, one question at a
//! time down the page in plain words, every question but the first optional, and a "thank you"
//! that repeats nothing they said. It names no one: the link is all it knows.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::Utc;

use super::{questions, request_of};
use crate::{
    error::AppError,
    follow_ups::service::{self, Questionnaire},
    state::AppState,
    web::{
        Nav,
        form::{FormData, FormPage},
    },
};

#[derive(Template, WebTemplate)]
#[template(path = "follow_ups/thanks.html")]
pub struct ThanksPage {
    nav: Nav,
    organisation: String,
    /// They had answered before this visit.
    before: bool,
}

fn form(key: &str, questionnaire: &Questionnaire) -> FormPage {
    let device = questionnaire.device.in_sentence();
    let page = FormPage::new(
        Nav::signed_out(),
        format!("How has your {device} helped you?"),
        format!("/f/{key}"),
        "Send my answers",
    )
    .intro(format!(
        "{} would like to know how it has gone. There are five short questions; only the first needs an answer. You do not need to sign in.",
        questionnaire.organisation
    ));
    questions(page, device, true)
}

fn thanks(questionnaire: Questionnaire, before: bool) -> Response {
    ThanksPage {
        nav: Nav::signed_out(),
        organisation: questionnaire.organisation,
        before,
    }
    .into_response()
}

pub async fn show(State(app): State<AppState>, Path(key): Path<String>) -> Result<Response, AppError> {
    let questionnaire = service::questionnaire(&app.db, &key, Utc::now()).await?;
    if questionnaire.answered {
        return Ok(thanks(questionnaire, true));
    }
    Ok(form(&key, &questionnaire).into_response())
}

pub async fn submit(
    State(app): State<AppState>,
    Path(key): Path<String>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let questionnaire = service::questionnaire(&app.db, &key, Utc::now()).await?;
    if questionnaire.answered {
        return Ok(thanks(questionnaire, true));
    }
    let request = request_of(&data);
    if let Err(errors) = request.parse() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            form(&key, &questionnaire).with_submission(&data, errors),
        )
            .into_response());
    }
    match service::answer_by_key(&app.db, &key, &request, Utc::now()).await {
        Ok(()) => Ok(thanks(questionnaire, false)),
        Err(AppError::Conflict { .. }) => Ok(thanks(questionnaire, true)),
        Err(err) => Err(err),
    }
}
