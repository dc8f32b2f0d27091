//! The outbox for admins: every email, call and letter, newest first, by status and searched, a
//! page at a time both ways with how many match; each message read whole; a failed email tried
//! again.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use chrono::Utc;

use crate::dates::london_time;
use crate::reminders::{
    model::ReminderStatus,
    service::{self, OutboxQuery, ReminderMessage, ReminderView},
};
use crate::{
    auth::Staff,
    error::{ApiPath, ApiQuery, AppError},
    state::AppState,
    web::Nav,
};

#[derive(Template, WebTemplate)]
#[template(path = "reminders/outbox.html")]
pub struct OutboxPage {
    nav: Nav,
    status: Option<ReminderStatus>,
    statuses: &'static [ReminderStatus],
    q: String,
    page: service::OutboxPage,
    /// Whether a mail server is set, so queued emails will go.
    email_on: bool,
}

fn when(item: &ReminderView) -> String {
    london_time(item.sent_at.unwrap_or(item.created_at))
}

impl OutboxPage {
    fn when(item: &ReminderView) -> String {
        when(item)
    }

    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes loop items by reference
    fn is(&self, status: &ReminderStatus) -> bool {
        self.status == Some(*status)
    }

    /// This list's address with `extra` (a status, a page), keeping the search.
    fn link(&self, status: Option<ReminderStatus>, page: Option<(&str, i32)>) -> String {
        let mut query: Vec<(&str, String)> = Vec::new();
        if let Some(status) = status {
            query.push(("status", status.as_str().to_owned()));
        }
        if !self.q.is_empty() {
            query.push(("q", self.q.clone()));
        }
        if let Some((name, id)) = page {
            query.push((name, id.to_string()));
        }
        match serde_urlencoded::to_string(query).unwrap_or_default() {
            query if query.is_empty() => "/reminders/outbox".to_owned(),
            query => format!("/reminders/outbox?{query}"),
        }
    }

    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes loop items by reference
    fn status_link(&self, status: &ReminderStatus) -> String {
        self.link(Some(*status), None)
    }

    fn all_link(&self) -> String {
        self.link(None, None)
    }

    fn older_link(&self) -> Option<String> {
        self.page
            .older
            .map(|id| self.link(self.status, Some(("before", id))))
    }

    fn newer_link(&self) -> Option<String> {
        self.page
            .newer
            .map(|id| self.link(self.status, Some(("after", id))))
    }

    fn caption(&self) -> String {
        let what = crate::words::count(self.page.total, "message", "messages");
        let status = self
            .status
            .map(|s| format!(" {}", s.label().to_lowercase()))
            .unwrap_or_default();
        if self.q.is_empty() {
            format!("{what}{status}, the newest first")
        } else {
            format!("{what}{status} matching “{}”, the newest first", self.q)
        }
    }
}

pub async fn outbox(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<OutboxQuery>,
) -> Result<OutboxPage, AppError> {
    let status = query.status()?;
    let page = service::outbox(&app.db.read, &staff, &query).await?;
    Ok(OutboxPage {
        nav: Nav::new(&staff, "outbox"),
        status,
        statuses: ReminderStatus::ALL,
        q: query.q.as_deref().map(str::trim).unwrap_or_default().to_owned(),
        page,
        email_on: app.config.smtp_url.is_some(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "reminders/message.html")]
pub struct MessagePage {
    nav: Nav,
    message: ReminderMessage,
}

impl MessagePage {
    fn when(&self) -> String {
        when(&self.message.reminder)
    }
}

/// One message whole: to whom, how, and what it says.
pub async fn message(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<MessagePage, AppError> {
    Ok(MessagePage {
        nav: Nav::new(&staff, "outbox"),
        message: service::message(&app.db.read, &staff, id).await?,
    })
}

pub async fn retry(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    service::retry(&app.db, &staff, id, Utc::now()).await?;
    Ok(Redirect::to("/reminders/outbox?status=queued").into_response())
}
