//! Referrals as staff decide them: the list by status, one referral with what it says, and the
//! two decisions (accept, choosing the hub when the referral named none; decline, with the
//! reason the referrer is emailed).

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
    error::{ApiPath, AppError, FieldError},
    hubs::service::HubView,
    referrals::{
        model::{Eligibility, ReferralStatus},
        service::{
            self, AcceptReferralRequest, DeclineReferralRequest, ReferralPage, ReferralQuery, ReferralView,
        },
    },
    state::AppState,
    web::{FormErrors, Nav, done, form::FormData},
};

const PAGE: u64 = 25;

#[derive(Template, WebTemplate)]
#[template(path = "referrals/list.html")]
pub struct ListPage {
    nav: Nav,
    status: String,
    list: ReferralPage,
    next_page: Option<String>,
}

impl ListPage {
    fn when(at: &chrono::DateTime<Utc>) -> String {
        london_time(*at)
    }

    fn needs(referral: &ReferralView) -> String {
        let labels: Vec<String> = referral.needs.iter().map(|n| n.label().to_owned()).collect();
        crate::words::and_list(&labels)
    }

    fn tabs(&self) -> Vec<(&'static str, &'static str, bool)> {
        [
            ("new", "New"),
            ("accepted", "Accepted"),
            ("declined", "Declined"),
            ("", "All"),
        ]
        .into_iter()
        .map(|(value, label)| (value, label, self.status == value))
        .collect()
    }

    fn count(&self) -> String {
        crate::words::count(self.list.total, "referral", "referrals")
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    before: Option<i32>,
}

pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Result<ListPage, AppError> {
    let status = query.status.unwrap_or_else(|| "new".to_owned());
    let list = service::list(
        &app.db,
        &staff,
        &ReferralQuery {
            status: Some(status.clone()),
            before: query.before,
            limit: Some(PAGE),
        },
    )
    .await?;
    Ok(ListPage {
        nav: Nav::new(&staff, "borrowers"),
        next_page: list
            .next_cursor
            .map(|c| format!("/referrals?status={status}&before={c}")),
        status,
        list,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "referrals/show.html")]
pub struct ShowPage {
    nav: Nav,
    referral: ReferralView,
    hubs: Vec<HubView>,
    hub_name: Option<String>,
    errors: FormErrors,
    reason: String,
    /// The scheme's questions, to show each answer with its words.
    eligibility: Eligibility,
}

impl ShowPage {
    fn when(at: &chrono::DateTime<Utc>) -> String {
        london_time(*at)
    }

    /// Each answer with its question's words, in the form's order (a question the scheme has
    /// since dropped comes last, by its key).
    fn answers(&self) -> Vec<(String, &'static str)> {
        let said = &self.referral.answers.0;
        let yes_no = |yes: bool| if yes { "Yes" } else { "No" };
        let questions = self.eligibility.questions();
        let asked = questions
            .iter()
            .filter_map(|q| said.get(&q.key).map(|yes| (q.question.clone(), yes_no(*yes))));
        let dropped = said
            .iter()
            .filter(|(key, _)| !questions.iter().any(|q| &&q.key == key))
            .map(|(key, yes)| (key.replace('_', " "), yes_no(*yes)));
        asked.chain(dropped).collect()
    }

    fn needs(&self) -> String {
        let labels: Vec<String> = self.referral.needs.iter().map(|n| n.label().to_owned()).collect();
        crate::words::and_list(&labels)
    }

    fn is_new(&self) -> bool {
        self.referral.status == ReferralStatus::New
    }
}

async fn show_page(
    app: &AppState,
    staff: &Staff,
    id: i32,
    errors: Vec<FieldError>,
    reason: String,
) -> Result<ShowPage, AppError> {
    let referral = service::get(&app.db, staff, id).await?;
    let hubs = crate::hubs::service::list(&app.db.read, staff).await?;
    let hub_name = referral
        .hub_id
        .and_then(|id| hubs.iter().find(|h| h.id == id).map(|h| h.name.clone()));
    Ok(ShowPage {
        nav: Nav::new(staff, "borrowers"),
        referral,
        hubs,
        hub_name,
        errors: errors.into(),
        reason,
        eligibility: service::eligibility(&app.db.read, staff.organisation_id()).await?,
    })
}

pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<ShowPage, AppError> {
    show_page(&app, &staff, id, Vec::new(), String::new()).await
}

/// A refused decision: the referral again with what is wrong (a field's error against it, a
/// decision made meanwhile at the top), and the reason as typed.
async fn refused(
    app: &AppState,
    staff: &Staff,
    id: i32,
    err: AppError,
    reason: String,
) -> Result<Response, AppError> {
    let (status, error) = match err {
        AppError::Invalid(error) => (StatusCode::UNPROCESSABLE_ENTITY, error),
        AppError::Conflict { message, .. } => (StatusCode::CONFLICT, FieldError::new("decision", message)),
        other => return Err(other),
    };
    let page = show_page(app, staff, id, vec![error], reason).await?;
    Ok((status, page).into_response())
}

pub async fn accept(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let hub = data.text("hub_id");
    let request = AcceptReferralRequest {
        borrower_id: None,
        hub_id: hub.as_deref().and_then(|h| h.parse().ok()),
    };
    if hub.is_some() && request.hub_id.is_none() {
        let error = AppError::invalid("hub_id", "choose one of the hubs listed");
        return refused(&app, &staff, id, error, String::new()).await;
    }
    match service::accept(&app.db, &staff, id, &request, Utc::now()).await {
        Ok(accepted) => {
            let message = if accepted.matched {
                "Referral accepted: they were already a borrower, and now wait for a device"
            } else {
                "Referral accepted: they are now a borrower, waiting for a device"
            };
            Ok(done(&format!("/borrowers/{}", accepted.borrower_id), message))
        }
        Err(err) => refused(&app, &staff, id, err, String::new()).await,
    }
}

pub async fn decline(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let request = DeclineReferralRequest {
        reason: data.text("reason"),
    };
    match service::decline(&app.db, &staff, id, &request, Utc::now()).await {
        Ok(referral) => {
            let message = if referral.referrer.email.is_some() {
                "Referral declined: the referrer will be emailed the reason"
            } else {
                "Referral declined. The referrer gave no email address: tell them the reason yourself"
            };
            Ok(done("/referrals", message))
        }
        Err(err) => refused(&app, &staff, id, err, data.text("reason").unwrap_or_default()).await,
    }
}
