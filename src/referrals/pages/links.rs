//! Referral links for coordinators: the list, a form to make one (its address shown once, to
//! send to the partner), and revoking one.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde::Deserialize;

use crate::{
    auth::Staff,
    dates::london_time,
    error::{ApiPath, AppError},
    referrals::service::{self, ReferralLinkPage, ReferralLinkRequest, ReferralLinkView},
    state::AppState,
    web::{FormErrors, Nav, done, form::FormData},
};

const PAGE: u64 = 25;

#[derive(Template, WebTemplate)]
#[template(path = "referrals/links.html")]
pub struct LinksPage {
    nav: Nav,
    list: ReferralLinkPage,
    errors: FormErrors,
    organisation: String,
    name: String,
    email: String,
    next_page: Option<String>,
    /// The link just made, shown this once.
    made: Option<ReferralLinkView>,
}

impl LinksPage {
    fn when(at: &chrono::DateTime<Utc>) -> String {
        london_time(*at)
    }

    fn count(&self) -> String {
        crate::words::count(self.list.total, "link", "links")
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    before: Option<i32>,
}

async fn page(app: &AppState, staff: &Staff, before: Option<i32>) -> Result<LinksPage, AppError> {
    let list = service::links(&app.db, staff, before, PAGE).await?;
    Ok(LinksPage {
        nav: Nav::new(staff, "borrowers"),
        next_page: list.next_cursor.map(|c| format!("/referral-links?before={c}")),
        list,
        errors: FormErrors::default(),
        organisation: String::new(),
        name: String::new(),
        email: String::new(),
        made: None,
    })
}

pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Result<LinksPage, AppError> {
    page(&app, &staff, query.before).await
}

pub async fn create(
    State(app): State<AppState>,
    staff: Staff,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let request = ReferralLinkRequest {
        organisation: data.text("organisation"),
        name: data.text("name"),
        email: data.text("email"),
    };
    match service::create_link(&app.db, &staff, &request, &app.config.public_url, Utc::now()).await {
        Ok(made) => {
            let mut page = page(&app, &staff, None).await?;
            page.made = Some(made);
            Ok((StatusCode::CREATED, page).into_response())
        }
        Err(AppError::Invalid(error)) => {
            let mut page = page(&app, &staff, None).await?;
            page.errors = vec![error].into();
            page.organisation = request.organisation.unwrap_or_default();
            page.name = request.name.unwrap_or_default();
            page.email = request.email.unwrap_or_default();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other),
    }
}

pub async fn revoke(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    let link = service::revoke_link(&app.db, &staff, id, Utc::now()).await?;
    Ok(done(
        "/referral-links",
        &format!(
            "The link for {} is revoked: it no longer opens the form",
            link.organisation
        ),
    ))
}
