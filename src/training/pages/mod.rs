//! Training pages: the session list (today's first), adding courses and sessions, and each
//! session's page with its register, enrolments, confidence scores and devices used; a learner's
//! page for their trainer.

mod learner;
mod lending;
mod partners;
mod register;
mod schedule;
mod skills;
mod term;

pub use learner::*;
pub use lending::*;
pub use partners::*;
pub use register::*;
pub use schedule::*;
pub use skills::*;
pub use term::*;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

/// This feature's web pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/training", get(list))
        .route("/training/calendar-feed", post(new_feed))
        .route("/training/courses/new", get(new_course))
        .route("/training/courses", get(courses).post(create_course))
        .route("/training/sessions/new", get(new_session))
        .route("/training/sessions", post(create_session))
        .route("/training/sessions/{id}", get(show))
        .route(
            "/training/sessions/{id}/edit",
            get(edit_session).post(update_session),
        )
        .route(
            "/training/sessions/{id}/cancel",
            get(confirm_cancel).post(cancel_session),
        )
        .route(
            "/training/sessions/{id}/enrolments/{borrower_id}/remove",
            post(unenrol),
        )
        .route("/training/sessions/{id}/register", post(mark))
        .route(
            "/training/sessions/{id}/register/everyone",
            post(mark_everyone_present),
        )
        .route("/training/sessions/{id}/enrolments", post(enrol))
        .route("/training/sessions/{id}/partners", get(partners_learners))
        .route(
            "/training/sessions/{id}/partners/{borrower_id}/lend",
            get(lend_page).post(lend),
        )
        .route("/training/sessions/{id}/devices", post(add_device))
        .route(
            "/training/sessions/{id}/skills/{borrower_id}",
            get(skills_page).post(save_skills),
        )
        .route("/training/learners/{id}", get(learner))
        .route("/loans/{id}/course", post(link_loan))
}
