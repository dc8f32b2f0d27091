//! Enrolling a learner another organisation shares for training: the people each training
//! agreement in force shares now (those who consented), each with a button to enrol them.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use chrono::Utc;
use serde::Deserialize;

use crate::{
    auth::Staff,
    error::{ApiPath, AppError},
    organisations,
    sharing::{
        self,
        model::{Purpose, SharedData},
        service::{SharedPage, SharedQuery},
    },
    state::AppState,
    training::service::{self, SessionView},
    web::Nav,
};

/// One organisation that shares learners for training now.
pub struct Sharer {
    agreement_id: i32,
    name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "training/partners.html")]
pub struct PartnersPage {
    nav: Nav,
    session: SessionView,
    /// A cancelled session takes no one.
    cancelled: bool,
    sharers: Vec<Sharer>,
    /// The agreement shown, and the people it shares.
    current: Option<i32>,
    people: Option<SharedPage>,
    next_page: Option<String>,
}

impl PartnersPage {
    fn is_current(&self, sharer: &Sharer) -> bool {
        self.current == Some(sharer.agreement_id)
    }

    fn count(&self) -> String {
        let total = self.people.as_ref().map_or(0, |p| p.total);
        crate::words::count(total, "learner is", "learners are")
    }
}

#[derive(Debug, Deserialize)]
pub struct PartnersQuery {
    agreement: Option<i32>,
    cursor: Option<String>,
}

pub async fn partners_learners(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Query(query): Query<PartnersQuery>,
) -> Result<PartnersPage, AppError> {
    let now = Utc::now();
    let detail = service::session(&app.db, &staff, id).await?;
    let cancelled = detail.session.cancelled_at.is_some();
    if !cancelled && !detail.may.enrol {
        return Err(AppError::Forbidden(
            "only those who run this session, or lend at a counter, enrol its learners".into(),
        ));
    }
    if cancelled {
        return Ok(PartnersPage {
            nav: Nav::new(&staff, "training"),
            session: detail.session,
            cancelled,
            sharers: Vec::new(),
            current: None,
            people: None,
            next_page: None,
        });
    }
    let names: std::collections::HashMap<i32, String> = organisations::service::all(&app.db.read)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let sharers: Vec<Sharer> =
        sharing::service::grants(&app.db.read, &staff, Purpose::Training, SharedData::Names, now)
            .await?
            .into_iter()
            .map(|g| Sharer {
                agreement_id: g.agreement_id(),
                name: names.get(&g.other_organisation_id()).cloned().unwrap_or_default(),
            })
            .collect();
    let current = query
        .agreement
        .filter(|a| sharers.iter().any(|s| s.agreement_id == *a))
        .or_else(|| sharers.first().map(|s| s.agreement_id));
    let people = match current {
        Some(agreement) => Some(
            sharing::service::shared_with_us(
                &app.db,
                &staff,
                agreement,
                &SharedQuery {
                    cursor: query.cursor,
                    limit: Some(25),
                },
                now,
            )
            .await?,
        ),
        None => None,
    };
    let next_page = match (&people, current) {
        (Some(page), Some(agreement)) => page
            .next_cursor
            .as_ref()
            .map(|c| format!("/training/sessions/{id}/partners?agreement={agreement}&cursor={c}")),
        _ => None,
    };
    Ok(PartnersPage {
        nav: Nav::new(&staff, "training"),
        session: detail.session,
        cancelled,
        sharers,
        current,
        people,
        next_page,
    })
}
