//! The reminders pages: the call list per hub (record how each call went), reminder letters to
//! print and post, the people no reminder can reach, and the outbox for admins (every message, searched and read whole; failed
//! emails tried again).

mod desk;
mod outbox;
mod unreachable;

pub use desk::*;
pub use outbox::*;
pub use unreachable::*;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

/// This feature's web pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reminders/calls", get(calls))
        .route("/reminders/cannot-contact", get(cannot_contact))
        .route("/reminders/{id}/outcome", post(record_outcome))
        .route("/reminders/letters", get(letters))
        .route("/reminders/letters.pdf", get(letters_pdf))
        .route("/reminders/letters/posted", post(mark_posted))
        .route("/reminders/outbox", get(outbox))
        .route("/reminders/outbox/{id}", get(message))
        .route("/reminders/{id}/retry", post(retry))
}
