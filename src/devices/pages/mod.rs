//! Device pages: the list with its search box (a scanned tag jumps straight to its device), a
//! device's page with its history, and the add and edit forms.

mod form;
mod list;
mod show;

pub use form::*;
pub use list::*;
pub use show::*;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// This feature's web pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/devices", get(list).post(create))
        .route("/devices/new", get(new))
        .route("/devices/{tag}", get(show).post(update))
        .route("/devices/{tag}/edit", get(edit))
        .route("/d/{tag}", get(scanned))
}
