//! The borrower pages: find, add, see and change a borrower.

mod editing;
mod list;
mod show;

pub use editing::*;
pub use list::*;
pub use show::*;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

/// This feature's web pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/borrowers", get(list).post(create))
        .route("/borrowers/new", get(new))
        .route("/borrowers/{id}", get(show).post(update))
        .route("/borrowers/{id}/edit", get(edit))
        .route("/borrowers/{id}/consents", post(save_consents))
}
