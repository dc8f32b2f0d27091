//! A learner's page for their trainer: name, what helps them take part, confidence by skills area
//! and the sessions they came to. Staff who may see borrowers get a link to the whole record.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::training::service::{self, LearnerTraining};
use crate::{
    auth::{Action, Staff},
    error::{ApiPath, AppError},
    state::AppState,
    web::Nav,
};

#[derive(Template, WebTemplate)]
#[template(path = "training/learner.html")]
pub struct LearnerPage {
    nav: Nav,
    training: LearnerTraining,
    can_see_record: bool,
}

pub async fn learner(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<LearnerPage, AppError> {
    let training = service::learner_with_partners(&app.db, &staff, id, chrono::Utc::now()).await?;
    Ok(LearnerPage {
        nav: Nav::new(&staff, "training"),
        can_see_record: staff.role().allows(Action::ViewBorrowers),
        training,
    })
}
