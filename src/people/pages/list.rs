//! The borrower list: found by name, phone, email or postcode, sorted by name or by who borrowed
//! last, a page at a time.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::people::service::{self, BorrowerView};
use crate::{auth::Staff, error::AppError, state::AppState, web::Nav};

#[derive(Template, WebTemplate)]
#[template(path = "people/list.html")]
pub struct ListPage {
    nav: Nav,
    q: String,
    /// `last_loan` when sorted by who borrowed last; else by name.
    sort: String,
    error: Option<String>,
    borrowers: Vec<BorrowerView>,
    total: u64,
    next_page: Option<String>,
}

impl ListPage {
    fn heading(&self) -> String {
        if self.q.is_empty() {
            let order = if self.sort == "last_loan" {
                "who borrowed most recently first"
            } else {
                "by name"
            };
            format!(
                "{}, {order}",
                crate::words::count(self.total, "borrower", "borrowers")
            )
        } else {
            format!(
                "{} matching \u{201c}{}\u{201d}",
                crate::words::count(self.total, "borrower", "borrowers"),
                self.q
            )
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    sort: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let q = query.q.unwrap_or_default();
    let sort = query.sort.filter(|s| s == "last_loan").unwrap_or_default();
    let asked = service::BorrowerQuery {
        q: Some(q.clone()),
        sort: Some(sort.clone()),
        cursor: query.cursor,
        limit: None,
    };
    let (page, error, status) = match service::list(&app.db.read, &staff, &asked).await {
        Ok(page) => (Some(page), None, StatusCode::OK),
        Err(AppError::Invalid(e)) => (None, Some(e.message), StatusCode::UNPROCESSABLE_ENTITY),
        Err(other) => return Err(other),
    };
    let (borrowers, total, next) = page.map_or((Vec::new(), 0, None), |p| (p.items, p.total, p.next_cursor));
    let next_page = next.map(|cursor| {
        let sort = if sort.is_empty() {
            String::new()
        } else {
            format!("sort={sort}&")
        };
        format!("/borrowers?{sort}cursor={cursor}")
    });
    Ok((
        status,
        ListPage {
            nav: Nav::new(&staff, "borrowers"),
            q,
            sort,
            error,
            borrowers,
            total,
            next_page,
        },
    )
        .into_response())
}
