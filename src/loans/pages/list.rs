//! The loans page: every open loan (or those not signed yet), by hub, a page at a time.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::Utc;
use serde::Deserialize;

use crate::{
    auth::Staff,
    dates::long_date,
    error::{ApiQuery, AppError},
    hubs::{self, service::HubView},
    loans::listing::{self, LoanItem, LoanQuery},
    state::AppState,
    web::{Nav, urlencode},
};

/// The page's query as a browser sends it: an empty hub is every hub.
#[derive(Debug, Deserialize)]
pub struct LoansFilter {
    hub_id: Option<String>,
    signed: Option<String>,
    due_from: Option<String>,
    due_before: Option<String>,
    cursor: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "loans/list.html")]
pub struct LoansPage {
    nav: Nav,
    hubs: Vec<HubView>,
    hub_id: Option<i32>,
    unsigned_only: bool,
    /// "due back from 6 December 2026 to 13 December 2026", when the list is kept to dates.
    due: Option<String>,
    due_from: Option<String>,
    due_before: Option<String>,
    items: Vec<LoanItem>,
    total: u64,
    next_page: Option<String>,
    first: bool,
}

impl LoansPage {
    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes loop items by reference
    fn selected(&self, id: &i32) -> bool {
        self.hub_id == Some(*id)
    }

    fn due(item: &LoanItem) -> String {
        long_date(item.due_on)
    }

    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes loop items by reference
    fn hub_name(&self, id: &i32) -> String {
        self.hubs
            .iter()
            .find(|h| h.id == *id)
            .map(|h| h.name.clone())
            .unwrap_or_default()
    }

    fn heading(&self) -> String {
        let what = if self.unsigned_only {
            "open loan whose agreement is not signed"
        } else {
            "open loan"
        };
        let whats = if self.unsigned_only {
            "open loans whose agreements are not signed"
        } else {
            "open loans"
        };
        crate::words::count(self.total, what, whats)
    }
}

pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(filter): ApiQuery<LoansFilter>,
) -> Result<LoansPage, AppError> {
    let hub_id = filter.hub_id.as_deref().and_then(|h| h.trim().parse().ok());
    let unsigned_only = filter.signed.as_deref() == Some("false");
    let query = LoanQuery {
        hub_id,
        signed: unsigned_only.then_some(false),
        due_from: filter.due_from.clone(),
        due_before: filter.due_before.clone(),
        cursor: filter.cursor.clone(),
        ..LoanQuery::default()
    };
    let page = listing::list(&app.db.read, &staff, &query, Utc::now()).await?;
    let next_page = page.next_cursor.map(|cursor| {
        let hub = hub_id.map(|id| format!("hub_id={id}&")).unwrap_or_default();
        let signed = if unsigned_only { "signed=false&" } else { "" };
        let dates = dates_query(&filter);
        format!("/loans?{hub}{signed}{dates}cursor={}", urlencode(&cursor))
    });
    let date = |text: &Option<String>| text.as_deref().and_then(crate::dates::parse_date);
    let due = match (date(&filter.due_from), date(&filter.due_before)) {
        (None, None) => None,
        (Some(from), None) => Some(format!("due back on or after {}", long_date(from))),
        (None, Some(before)) => Some(format!("due back before {}", long_date(before))),
        (Some(from), Some(before)) => Some(format!(
            "due back from {} to {}",
            long_date(from),
            long_date(before.pred_opt().unwrap_or(before))
        )),
    };
    Ok(LoansPage {
        nav: Nav::new(&staff, "loans"),
        hubs: hubs::service::list(&app.db.read, &staff).await?,
        hub_id,
        unsigned_only,
        due,
        due_from: filter.due_from.clone().filter(|d| !d.is_empty()),
        due_before: filter.due_before.clone().filter(|d| !d.is_empty()),
        items: page.items,
        total: page.total,
        next_page,
        first: filter.cursor.is_none(),
    })
}

fn dates_query(filter: &LoansFilter) -> String {
    [("due_from", &filter.due_from), ("due_before", &filter.due_before)]
        .into_iter()
        .filter_map(|(name, value)| {
            let value = value.as_deref().filter(|v| !v.is_empty())?;
            Some(format!("{name}={}&", urlencode(value)))
        })
        .collect()
}
