//! The "cannot contact" page: people with a loan open whom no reminder can reach, each with a
//! link to their record to ask for a consent or a detail.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::{
    auth::Staff,
    dates::long_date,
    error::{ApiQuery, AppError},
    hubs::{self, service::HubView},
    reminders::service::{self, UnreachableView},
    state::AppState,
    web::{HubPageFilter, Nav, next_page},
};

#[derive(Template, WebTemplate)]
#[template(path = "reminders/cannot_contact.html")]
pub struct CannotContactPage {
    nav: Nav,
    hubs: Vec<HubView>,
    hub_id: Option<i32>,
    items: Vec<UnreachableView>,
    total: u64,
    next_page: Option<String>,
}

impl CannotContactPage {
    fn due(item: &UnreachableView) -> String {
        long_date(item.due_on)
    }

    fn hub_name(&self, item: &UnreachableView) -> &str {
        self.hubs
            .iter()
            .find(|h| h.id == item.hub_id)
            .map_or("", |h| h.name.as_str())
    }

    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes loop items by reference
    fn selected(&self, id: &i32) -> bool {
        self.hub_id == Some(*id)
    }

    fn count(&self) -> String {
        crate::words::count(self.total, "person", "people")
    }
}

pub async fn cannot_contact(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(filter): ApiQuery<HubPageFilter>,
) -> Result<CannotContactPage, AppError> {
    let hub_id = filter.hub_id();
    let page = service::cannot_contact(&app.db.read, &staff, hub_id, filter.cursor.as_deref(), None).await?;
    Ok(CannotContactPage {
        nav: Nav::new(&staff, "reminders"),
        hubs: hubs::service::list(&app.db.read, &staff).await?,
        hub_id,
        next_page: page
            .next_cursor
            .map(|cursor| next_page("/reminders/cannot-contact", hub_id, &cursor)),
        items: page.items,
        total: page.total,
    })
}
