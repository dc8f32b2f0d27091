//! The staff pages: the list, inviting someone (the link shown to hand over), changing a role,
//! hubs or whether the account works, a password-reset link, the page a link opens to choose a
//! password, and changing one's own password.

mod accounts;
mod forgotten;
mod passwords;

pub use accounts::*;
use passwords::{change_own, choose, choose_page, own_page, reset, reset_page};

use askama::Template;
use askama_web::WebTemplate;
use axum::{Router, routing::get};
use chrono::{DateTime, Utc};

use super::service::{self, LinkView};
use crate::{dates::london_time, state::AppState, web::Nav};

/// The page that shows a link to hand over, once: it is not kept anywhere it could be read again.
#[derive(Template, WebTemplate)]
#[template(path = "staff/link.html")]
pub struct LinkPage {
    nav: Nav,
    title: String,
    name: String,
    link: LinkView,
    invitation: bool,
    /// The address the link went to, and what became of emailing it.
    email: String,
    emailing: service::Emailing,
}

impl LinkPage {
    fn sent(&self) -> bool {
        self.emailing == service::Emailing::Sent
    }

    fn failed(&self) -> bool {
        self.emailing == service::Emailing::Failed
    }

    fn until(at: &DateTime<Utc>) -> String {
        london_time(*at)
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(list))
        .route("/staff/new", get(new_page).post(invite))
        .route("/staff/{id}", get(edit_page).post(save))
        .route("/staff/{id}/reset", get(reset_page).post(reset))
        .route("/password/{secret}", get(choose_page).post(choose))
        .route("/account/password", get(own_page).post(change_own))
        .route("/password/forgot", get(forgotten::page).post(forgotten::ask))
}
