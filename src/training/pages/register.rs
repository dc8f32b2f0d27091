//! One session's page, for a tablet in the room: the register (each tap saved), enrolling a
//! learner or a walk-in, the devices used, and linking a loan to a course. Confidence scores are
//! in `skills.rs`.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use chrono::Utc;
use serde::Deserialize;

use super::{form_number, list_of};
use crate::training::{
    model::{Attendance, SkillsArea},
    service::{
        self, AttendanceRecord, AttendanceRequest, DevicesRequest, EnrolRequest, LearnerView,
        LoanCourseRequest, SessionDetail,
    },
};
use crate::{
    auth::{Action, Staff},
    error::{ApiPath, ApiQuery, AppError, FieldError},
    people::{
        self,
        model::{BorrowerRequest, ConsentRequest},
        service::BorrowerView,
    },
    state::AppState,
    web::{FormErrors, Nav, form::FormData},
};

#[derive(Template, WebTemplate)]
#[template(path = "training/session.html")]
pub struct SessionPage {
    nav: Nav,
    detail: SessionDetail,
    when: String,
    place: String,
    marks: &'static [Attendance],
    can_run: bool,
    can_enrol: bool,
    /// Not cancelled and not yet started.
    can_cancel: bool,
    /// "Cancelled on 3 March 2027 by Sam Patel" for a cancelled session.
    cancelled: Option<String>,
    found: Vec<BorrowerView>,
    q: String,
    errors: FormErrors,
    /// What was typed into a refused form, to show again.
    typed: HashMap<&'static str, String>,
}

impl SessionPage {
    /// "6 learners are enrolled." or "Nobody is enrolled yet.", for a register kept from them.
    fn hidden_learners(&self) -> String {
        match self.detail.session.enrolled {
            0 => "Nobody is enrolled yet.".to_owned(),
            n => format!(
                "{}.",
                crate::words::count(n, "learner is enrolled", "learners are enrolled")
            ),
        }
    }

    /// How many learners have no mark yet.
    fn unmarked(&self) -> usize {
        self.detail
            .enrolments
            .iter()
            .filter(|l| l.attendance.is_none())
            .count()
    }

    fn mark_of(learner: &LearnerView) -> &'static str {
        learner.attendance.map_or("Not marked yet", Attendance::label)
    }

    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes loop items by reference
    fn is_mark(learner: &LearnerView, mark: &Attendance) -> bool {
        learner.attendance == Some(*mark)
    }

    fn walk_in_fields() -> [(&'static str, &'static str, &'static str, &'static str); 3] {
        [
            ("name", "Full name", "text", "name"),
            ("phone", "Phone number (or an email address)", "tel", "tel"),
            (
                "email",
                "Email address (optional if they give a phone number)",
                "email",
                "email",
            ),
        ]
    }

    fn typed(&self, field: &str) -> &str {
        self.typed.get(field).map_or("", String::as_str)
    }

    fn scores(learner: &LearnerView) -> String {
        SkillsArea::ALL
            .iter()
            .filter_map(|a| {
                learner
                    .scores
                    .get(a.as_str())
                    .map(|s| format!("{} {s}", a.label()))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Deserialize)]
pub struct SessionQuery {
    q: Option<String>,
}

async fn session_page(
    app: &AppState,
    staff: &Staff,
    id: i32,
    q: Option<&str>,
) -> Result<SessionPage, AppError> {
    let detail = service::session(&app.db, staff, id).await?;
    let cancelled = detail
        .session
        .cancelled_at
        .map(|at| format!("This session was cancelled on {}.", crate::dates::london_time(at)));
    let q = q.map(str::trim).unwrap_or_default().to_owned();
    let found = if q.chars().count() >= 3 && staff.role().allows(Action::ViewBorrowers) {
        people::service::search(&app.db.read, staff, Some(&q)).await?
    } else {
        Vec::new()
    };
    Ok(SessionPage {
        nav: Nav::new(staff, "training"),
        when: detail.session.when(),
        place: detail.session.place(),
        marks: Attendance::ALL,
        can_enrol: detail.may.enrol,
        can_run: detail.may.run,
        can_cancel: detail.may.cancel,
        cancelled,
        found,
        q,
        errors: FormErrors::default(),
        typed: HashMap::new(),
        detail,
    })
}

pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiQuery(query): ApiQuery<SessionQuery>,
) -> Result<SessionPage, AppError> {
    session_page(&app, &staff, id, query.q.as_deref()).await
}

/// One tap in the register: a learner's mark (and notes), saved at once.
pub async fn mark(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let borrower_id = form_number(&data, "borrower_id")?;
    let request = AttendanceRequest {
        records: Some(vec![AttendanceRecord {
            borrower_id,
            status: data.text("status"),
            notes: data.text("notes"),
        }]),
    };
    match service::record_attendance(&app.db, &staff, id, &request, Utc::now()).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/training/sessions/{id}#learner-{}",
            // The register was saved, so it named a learner.
            borrower_id.unwrap_or_default()
        ))
        .into_response()),
        Err(AppError::Invalid(error)) => {
            let mut page = session_page(&app, &staff, id, None).await?;
            page.errors = FormErrors(vec![FieldError::new("register", error.message)]);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other),
    }
}

/// Marks every learner not yet marked as present, in one tap: the usual case, after which only
/// the late and the absent need a tap each.
pub async fn mark_everyone_present(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    staff.require(Action::Train)?;
    let detail = service::session(&app.db, &staff, id).await?;
    let records: Vec<AttendanceRecord> = detail
        .enrolments
        .iter()
        .filter(|learner| learner.attendance.is_none())
        .map(|learner| AttendanceRecord {
            borrower_id: Some(learner.borrower_id),
            status: Some(Attendance::Present.as_str().to_owned()),
            notes: learner.notes.clone(),
        })
        .collect();
    if records.is_empty() {
        return Ok(crate::web::done(
            &format!("/training/sessions/{id}#register"),
            "Everyone is marked already.",
        ));
    }
    let count = records.len();
    let request = AttendanceRequest {
        records: Some(records),
    };
    service::record_attendance(&app.db, &staff, id, &request, Utc::now()).await?;
    let learners = if count == 1 { "learner" } else { "learners" };
    Ok(crate::web::done(
        &format!("/training/sessions/{id}#register"),
        &format!("Marked {count} {learners} present."),
    ))
}

pub async fn enrol(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let walk_in = data.text("name").is_some() || data.text("phone").is_some() || data.text("email").is_some();
    let request = if walk_in {
        EnrolRequest {
            borrower_id: None,
            walk_in: Some(BorrowerRequest {
                name: data.text("name"),
                phone: data.text("phone"),
                email: data.text("email"),
                consent: Some(ConsentRequest {
                    data_processing: Some(data.text("consent").as_deref() == Some("true")),
                    ..ConsentRequest::default()
                }),
                ..BorrowerRequest::default()
            }),
        }
    } else {
        EnrolRequest {
            borrower_id: form_number(&data, "borrower_id")?,
            walk_in: None,
        }
    };
    match service::enrol(&app.db, &staff, id, &request, Utc::now()).await {
        Ok(learner) => Ok(crate::web::done(
            &format!("/training/sessions/{id}#register"),
            &format!("{} is enrolled.", learner.name),
        )),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let status = err.status();
            let error = match err {
                AppError::Invalid(e) => FieldError::new(
                    e.field
                        .trim_start_matches("walk_in.")
                        .replace("consent.data_processing", "consent"),
                    e.message,
                ),
                other => FieldError::new(if walk_in { "name" } else { "q" }, other.to_string()),
            };
            let mut page = session_page(&app, &staff, id, None).await?;
            page.errors = FormErrors(vec![error]);
            for field in ["name", "phone", "email"] {
                page.typed.insert(field, data.text(field).unwrap_or_default());
            }
            Ok((status, page).into_response())
        }
        Err(other) => Err(other),
    }
}

/// Records a device used in the session, from the register page.
pub async fn add_device(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let request = DevicesRequest {
        asset_tags: Some(list_of(data.text("asset_tags"))),
    };
    match service::add_devices(&app.db, &staff, id, &request, Utc::now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/training/sessions/{id}#devices")).into_response()),
        Err(AppError::Invalid(error)) => {
            let mut page = session_page(&app, &staff, id, None).await?;
            page.errors = FormErrors(vec![error]);
            page.typed
                .insert("asset_tags", data.text("asset_tags").unwrap_or_default());
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other),
    }
}

/// Links a loan to a course from the loan's page.
pub async fn link_loan(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(loan_id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let request = LoanCourseRequest {
        course_id: form_number(&data, "course_id")?,
    };
    service::link_loan(&app.db, &staff, loan_id, &request, Utc::now()).await?;
    Ok(Redirect::to(&format!("/loans/{loan_id}")).into_response())
}
