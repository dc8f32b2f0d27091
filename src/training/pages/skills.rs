//! A learner's confidence scores at a session: one form per learner, from 1 (not at all) to 5
//! (very) in each skills area, reached from the register.

use axum::{
    Form,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use chrono::Utc;

use crate::training::{
    model::SkillsArea,
    service::{self, LearnerView, ScoreRecord, SessionDetail, SkillsRequest},
};
use crate::{
    auth::{Action, Staff},
    error::{ApiPath, AppError, FieldError},
    state::AppState,
    web::{
        Nav,
        form::{Choice, Field, FormData, FormPage},
    },
};

fn skills_form(staff: &Staff, detail: &SessionDetail, learner: &LearnerView) -> FormPage {
    let id = detail.session.id;
    let mut page = FormPage::new(
        Nav::new(staff, "training"),
        format!("How confident is {}?", learner.name),
        format!("/training/sessions/{id}/skills/{}", learner.borrower_id),
        "Save the scores",
    )
    .caption(format!("{}, {}", detail.session.course_title, detail.session.when()))
    .back(format!("/training/sessions/{id}#learner-{}", learner.borrower_id))
    .intro("Ask the learner how confident they feel in each area, from 1 (not at all) to 5 (very). Leave out any you did not cover.");
    for area in SkillsArea::ALL {
        let current = learner
            .scores
            .get(area.as_str())
            .map(ToString::to_string)
            .unwrap_or_default();
        let choices = (1..=5)
            .map(|n| {
                let label = match n {
                    1 => "1 – not at all confident".to_owned(),
                    5 => "5 – very confident".to_owned(),
                    n => n.to_string(),
                };
                Choice::new(n.to_string(), label, false)
            })
            .collect();
        page = page.field(Field::radios(area.as_str(), area.label(), choices).value(current));
    }
    page
}

async fn learner_of(
    app: &AppState,
    staff: &Staff,
    id: i32,
    borrower_id: i32,
) -> Result<(SessionDetail, LearnerView), AppError> {
    let detail = service::session(&app.db, staff, id).await?;
    let learner = detail
        .enrolments
        .iter()
        .find(|l| l.borrower_id == borrower_id)
        .cloned()
        .ok_or_else(|| {
            AppError::NotFound(format!("borrower {borrower_id} is not enrolled in this session"))
        })?;
    Ok((detail, learner))
}

pub async fn skills_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath((id, borrower_id)): ApiPath<(i32, i32)>,
) -> Result<Response, AppError> {
    staff.require(Action::Train)?;
    let (detail, learner) = learner_of(&app, &staff, id, borrower_id).await?;
    Ok(skills_form(&staff, &detail, &learner).into_response())
}

pub async fn save_skills(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath((id, borrower_id)): ApiPath<(i32, i32)>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let scores: Vec<ScoreRecord> = SkillsArea::ALL
        .iter()
        .filter_map(|area| {
            data.text(area.as_str()).map(|score| ScoreRecord {
                borrower_id: Some(borrower_id),
                area: Some(area.as_str().to_owned()),
                // Not a number: no score, which the service refuses with the field named.
                score: score.trim().parse().ok(),
            })
        })
        .collect();
    let result = service::record_skills(
        &app.db,
        &staff,
        id,
        &SkillsRequest { scores: Some(scores) },
        Utc::now(),
    )
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/training/sessions/{id}#learner-{borrower_id}")).into_response()),
        Err(AppError::Invalid(error)) => {
            let (detail, learner) = learner_of(&app, &staff, id, borrower_id).await?;
            let field = if error.field == "scores" {
                SkillsArea::Communicating.as_str().to_owned()
            } else {
                error.field.clone()
            };
            let message = if error.field == "scores" {
                "choose a score for at least one area".to_owned()
            } else {
                error.message
            };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                skills_form(&staff, &detail, &learner)
                    .with_submission(&data, vec![FieldError::new(field, message)]),
            )
                .into_response())
        }
        Err(other) => Err(other),
    }
}
