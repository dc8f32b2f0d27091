//! The referral pages: the public form a partner's link opens, the staff's list and decisions,
//! and the coordinators' links.

use axum::{
    Router,
    routing::{get, post},
};

use crate::state::AppState;

mod links;
mod public;
mod staff;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/r/{key}", get(public::show).post(public::submit))
        .route("/referrals", get(staff::list))
        .route("/referrals/{id}", get(staff::show))
        .route("/referrals/{id}/accept", post(staff::accept))
        .route("/referrals/{id}/decline", post(staff::decline))
        .route("/referral-links", get(links::list).post(links::create))
        .route("/referral-links/{id}/revoke", post(links::revoke))
}
