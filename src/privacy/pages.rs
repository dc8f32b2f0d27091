//! The "Download everything we hold" button's address on a borrower's page.

use axum::{Router, routing::get};

use crate::state::AppState;

/// This feature's web pages: the same download as the API, for a signed-in browser.
pub fn router() -> Router<AppState> {
    Router::new().route("/borrowers/{id}/export", get(super::routes::export))
}
