//! The reports page: the spreadsheets a coordinator can download, with what each holds.

use askama::Template;
use askama_web::WebTemplate;
use axum::{Router, routing::get};

use crate::{
    auth::{Action, Staff},
    error::AppError,
    state::AppState,
    web::Nav,
};

#[derive(Template, WebTemplate)]
#[template(path = "reports/index.html")]
pub struct ReportsPage {
    nav: Nav,
}

async fn index(staff: Staff) -> Result<ReportsPage, AppError> {
    staff.require(Action::Export)?;
    Ok(ReportsPage {
        nav: Nav::new(&staff, "reports"),
    })
}

pub fn router() -> Router<AppState> {
    Router::new().route("/reports", get(index))
}
