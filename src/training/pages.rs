//! The training pages: sessions (today's first), adding courses and sessions, and a session's
//! register for a trainer on a tablet: one tap per learner, saved as it goes, with walk-ins,
//! skills scores and the devices used.

use axum::Router;
use axum::routing::{get, post};
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

use super::{
    model::{Attendance, SkillsArea, USUAL_DURATIONS},
    service::{
        self, AttendanceRecord, AttendanceRequest, CourseRequest, DevicesRequest, EnrolRequest, LearnerView,
        LoanCourseRequest, ScoreRecord, SessionDetail, SessionFilter, SessionRequest, SessionView,
        SkillsRequest,
    },
};
use crate::{
    auth::{self, Action, Role, Staff},
    error::{ApiPath, ApiQuery, AppError, FieldError},
    hubs::{self, service::HubView},
    people::{
        self,
        model::{BorrowerRequest, ConsentRequest},
        service::BorrowerView,
    },
    state::AppState,
    web::{
        FormErrors, Nav,
        form::{Choice, Field, FormData, FormPage},
    },
};

#[derive(Template, WebTemplate)]
#[template(path = "training/list.html")]
pub struct ListPage {
    nav: Nav,
    today: Vec<SessionView>,
    later: Vec<SessionView>,
    hubs: Vec<HubView>,
    trainers: Vec<(i32, String)>,
    hub_id: Option<i32>,
    trainer_id: Option<i32>,
    feed_url: Option<String>,
    can_add: bool,
    can_add_course: bool,
}

impl ListPage {
    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes loop items by reference
    fn hub_selected(&self, id: &i32) -> bool {
        self.hub_id == Some(*id)
    }

    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes loop items by reference
    fn trainer_selected(&self, id: &i32) -> bool {
        self.trainer_id == Some(*id)
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    hub_id: Option<String>,
    trainer_id: Option<String>,
}

fn number(text: Option<&str>) -> Option<i32> {
    text.and_then(|t| t.trim().parse().ok())
}

async fn trainers(app: &AppState, staff: &Staff) -> Result<Vec<(i32, String)>, AppError> {
    Ok(auth::repo::staff_of(&app.db.read, staff.organisation_id)
        .await?
        .into_iter()
        .filter(|s| matches!(s.role, Role::Trainer | Role::Coordinator | Role::Admin))
        .map(|s| (s.id, s.name))
        .collect())
}

async fn list_page(
    app: &AppState,
    staff: &Staff,
    query: &ListQuery,
    feed_url: Option<String>,
) -> Result<ListPage, AppError> {
    let hub_id = number(query.hub_id.as_deref());
    // A trainer sees their own sessions unless they ask for everyone's.
    let trainer_id = match query.trainer_id.as_deref() {
        None if staff.role == Role::Trainer => Some(staff.id),
        other => number(other),
    };
    let now = Utc::now();
    let filter = SessionFilter {
        hub_id,
        trainer_id,
        ..SessionFilter::default()
    };
    let sessions = service::sessions(&app.db.read, staff, &filter, now).await?;
    let today = crate::dates::today(now);
    let (today, later): (Vec<_>, Vec<_>) = sessions
        .into_iter()
        .partition(|s| crate::dates::today(s.starts_at) == today);
    Ok(ListPage {
        nav: Nav::new(staff, "training"),
        today,
        later,
        hubs: hubs::service::list(&app.db.read, staff).await?,
        trainers: trainers(app, staff).await?,
        hub_id,
        trainer_id,
        feed_url,
        can_add: staff.role.allows(Action::Train),
        can_add_course: staff.role.allows(Action::ManageTraining),
    })
}

pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<ListPage, AppError> {
    list_page(&app, &staff, &query, None).await
}

/// Makes a new calendar feed address and shows it.
pub async fn new_feed(State(app): State<AppState>, staff: Staff) -> Result<ListPage, AppError> {
    let url = service::new_feed(&app.db, &staff, &app.config.public_url, Utc::now()).await?;
    let query = ListQuery {
        hub_id: None,
        trainer_id: None,
    };
    list_page(&app, &staff, &query, Some(url)).await
}

fn course_form(staff: &Staff) -> FormPage {
    FormPage::new(
        Nav::new(staff, "training"),
        "Add a course",
        "/training/courses",
        "Add the course",
    )
    .back("/training")
    .field(Field::text("title", "Title").hint("For example: Getting started with a tablet"))
    .field(Field::textarea("description", "What it covers (optional)"))
    .field(Field::checkboxes(
        "skills_areas",
        "Which Essential Digital Skills does it cover? (optional)",
        SkillsArea::ALL
            .iter()
            .map(|a| Choice::new(a.as_str(), a.label(), false))
            .collect(),
    ))
}

pub async fn new_course(State(_app): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    staff.require(Action::ManageTraining)?;
    Ok(course_form(&staff).into_response())
}

pub async fn create_course(
    State(app): State<AppState>,
    staff: Staff,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let request = CourseRequest {
        title: data.text("title"),
        description: data.text("description"),
        skills_area: None,
        skills_areas: Some(data.all("skills_areas")),
    };
    match service::create_course(&app.db, &staff, &request, Utc::now()).await {
        Ok(_) => Ok(Redirect::to("/training/sessions/new").into_response()),
        Err(err) => course_form(&staff).refused(&data, err),
    }
}

async fn session_form(app: &AppState, staff: &Staff) -> Result<FormPage, AppError> {
    let courses = service::courses(&app.db.read, staff).await?;
    let hubs = hubs::service::list(&app.db.read, staff).await?;
    let mut page = FormPage::new(
        Nav::new(staff, "training"),
        "Add a session",
        "/training/sessions",
        "Add the session",
    )
    .back("/training")
    .field(Field::select(
        "course_id",
        "Course",
        courses
            .into_iter()
            .map(|c| Choice::new(c.id.to_string(), c.title, false))
            .collect(),
    ));
    if staff.role.allows(Action::ManageTraining) {
        let mut choices = vec![Choice::new("", "No trainer yet", false)];
        choices.extend(
            trainers(app, staff)
                .await?
                .into_iter()
                .map(|(id, name)| Choice::new(id.to_string(), name, false)),
        );
        page = page.field(Field::select("trainer_id", "Trainer", choices));
    }
    let mut places = vec![Choice::new("", "Online", false)];
    places.extend(
        hubs.into_iter()
            .map(|h| Choice::new(h.id.to_string(), h.name, false)),
    );
    let mut durations: Vec<Choice> = USUAL_DURATIONS
        .iter()
        .map(|m| Choice::new(m.to_string(), format!("{m} minutes"), false))
        .collect();
    durations.extend([
        Choice::new("120", "2 hours", false),
        Choice::new("30", "30 minutes", false),
    ]);
    Ok(page
        .field(Field::select("hub_id", "Where", places))
        .field(
            Field::text("meeting_url", "Meeting link (for an online session)")
                .input("url", "off")
                .hint("For example: https://meet.example.org/digital-skills"),
        )
        .field(Field::text("starts_at", "Date and start time").input("datetime-local", "off"))
        .field(Field::radios("duration_minutes", "How long", durations).value("60"))
        .field(
            Field::text("capacity", "Places")
                .input("number", "off")
                .value("8"),
        )
        .field(
            Field::text("asset_tags", "Devices used (optional)")
                .hint("Asset tags separated by commas, for example TCH-00012, TCH-00013"),
        )
        .field(Field::textarea("notes", "Notes (optional)")))
}

pub async fn new_session(State(app): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    staff.require(Action::Train)?;
    Ok(session_form(&app, &staff).await?.into_response())
}

fn list_of(text: Option<String>) -> Vec<String> {
    text.unwrap_or_default()
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn form_number(data: &FormData, field: &str) -> Result<Option<i32>, AppError> {
    data.text(field)
        .map(|t| {
            t.parse::<i32>()
                .map_err(|_| AppError::invalid(field, "enter a whole number"))
        })
        .transpose()
}

pub async fn create_session(
    State(app): State<AppState>,
    staff: Staff,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let result = async {
        let request = SessionRequest {
            course_id: form_number(&data, "course_id")?,
            starts_at: data.text("starts_at"),
            duration_minutes: form_number(&data, "duration_minutes")?,
            capacity: form_number(&data, "capacity")?,
            hub_id: form_number(&data, "hub_id")?,
            meeting_url: data.text("meeting_url"),
            trainer_id: form_number(&data, "trainer_id")?,
            asset_tags: Some(list_of(data.text("asset_tags"))),
            notes: data.text("notes"),
        };
        service::create_session(&app.db, &staff, &request, Utc::now()).await
    }
    .await;
    match result {
        Ok(session) => Ok(Redirect::to(&format!("/training/sessions/{}", session.id)).into_response()),
        Err(err) => session_form(&app, &staff).await?.refused(&data, err),
    }
}

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
    found: Vec<BorrowerView>,
    q: String,
    errors: FormErrors,
    /// What was typed into a refused form, to show again.
    typed: HashMap<&'static str, String>,
    saved: Option<String>,
}

impl SessionPage {
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
    saved: Option<String>,
}

async fn session_page(
    app: &AppState,
    staff: &Staff,
    id: i32,
    q: Option<&str>,
) -> Result<SessionPage, AppError> {
    let detail = service::session(&app.db.read, staff, id).await?;
    let can_run = staff.role.allows(Action::ManageTraining)
        || (staff.role.allows(Action::Train) && detail.session.trainer_id == Some(staff.id));
    let q = q.map(str::trim).unwrap_or_default().to_owned();
    let found = if q.chars().count() >= 3 && staff.role.allows(Action::ViewBorrowers) {
        people::service::search(&app.db.read, staff, Some(&q)).await?
    } else {
        Vec::new()
    };
    Ok(SessionPage {
        nav: Nav::new(staff, "training"),
        when: detail.session.when(),
        place: detail.session.place(),
        marks: Attendance::ALL,
        can_enrol: can_run || staff.role.allows(Action::Lend),
        can_run,
        found,
        q,
        errors: FormErrors::default(),
        typed: HashMap::new(),
        saved: None,
        detail,
    })
}

pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiQuery(query): ApiQuery<SessionQuery>,
) -> Result<SessionPage, AppError> {
    let mut page = session_page(&app, &staff, id, query.q.as_deref()).await?;
    page.saved = query.saved.filter(|s| !s.trim().is_empty());
    Ok(page)
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
        Ok(learner) => {
            let query = serde_urlencoded::to_string([("saved", format!("{} is enrolled", learner.name))])
                .unwrap_or_default();
            Ok(Redirect::to(&format!("/training/sessions/{id}?{query}#register")).into_response())
        }
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

fn skills_form(staff: &Staff, detail: &SessionDetail, learner: &LearnerView) -> FormPage {
    let id = detail.session.id;
    let mut page = FormPage::new(
        Nav::new(staff, "training"),
        format!("How confident is {}?", learner.name),
        format!("/training/sessions/{id}/skills/{}", learner.borrower_id),
        "Save the scores",
    )
    .caption(format!("{}, {}", detail.session.course_title, detail.session.when()))
    .back(format!("/training/sessions/{id}#learner-{}", learner.borrower_id))
    .intro("Ask the learner how confident they feel in each area, from 1 (not at all) to 5 (very). Leave out any you did not cover.");
    for area in SkillsArea::ALL {
        let current = learner
            .scores
            .get(area.as_str())
            .map(ToString::to_string)
            .unwrap_or_default();
        let choices = (1..=5)
            .map(|n| {
                let label = match n {
                    1 => "1 – not at all confident".to_owned(),
                    5 => "5 – very confident".to_owned(),
                    n => n.to_string(),
                };
                Choice::new(n.to_string(), label, false)
            })
            .collect();
        page = page.field(Field::radios(area.as_str(), area.label(), choices).value(current));
    }
    page
}

async fn learner_of(
    app: &AppState,
    staff: &Staff,
    id: i32,
    borrower_id: i32,
) -> Result<(SessionDetail, LearnerView), AppError> {
    let detail = service::session(&app.db.read, staff, id).await?;
    let learner = detail
        .enrolments
        .iter()
        .find(|l| l.borrower_id == borrower_id)
        .cloned()
        .ok_or_else(|| {
            AppError::NotFound(format!("borrower {borrower_id} is not enrolled in this session"))
        })?;
    Ok((detail, learner))
}

pub async fn skills_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath((id, borrower_id)): ApiPath<(i32, i32)>,
) -> Result<Response, AppError> {
    staff.require(Action::Train)?;
    let (detail, learner) = learner_of(&app, &staff, id, borrower_id).await?;
    Ok(skills_form(&staff, &detail, &learner).into_response())
}

pub async fn save_skills(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath((id, borrower_id)): ApiPath<(i32, i32)>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let scores: Vec<ScoreRecord> = SkillsArea::ALL
        .iter()
        .filter_map(|area| {
            data.text(area.as_str()).map(|score| ScoreRecord {
                borrower_id: Some(borrower_id),
                area: Some(area.as_str().to_owned()),
                // Not a number: no score, which the service refuses with the field named.
                score: score.trim().parse().ok(),
            })
        })
        .collect();
    let result = service::record_skills(
        &app.db,
        &staff,
        id,
        &SkillsRequest { scores: Some(scores) },
        Utc::now(),
    )
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/training/sessions/{id}#learner-{borrower_id}")).into_response()),
        Err(AppError::Invalid(error)) => {
            let (detail, learner) = learner_of(&app, &staff, id, borrower_id).await?;
            let field = if error.field == "scores" {
                SkillsArea::Communicating.as_str().to_owned()
            } else {
                error.field.clone()
            };
            let message = if error.field == "scores" {
                "choose a score for at least one area".to_owned()
            } else {
                error.message
            };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                skills_form(&staff, &detail, &learner)
                    .with_submission(&data, vec![FieldError::new(field, message)]),
            )
                .into_response())
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

/// This feature's web pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/training", get(list))
        .route("/training/calendar-feed", post(new_feed))
        .route("/training/courses/new", get(new_course))
        .route("/training/courses", post(create_course))
        .route("/training/sessions/new", get(new_session))
        .route("/training/sessions", post(create_session))
        .route("/training/sessions/{id}", get(show))
        .route("/training/sessions/{id}/register", post(mark))
        .route("/training/sessions/{id}/enrolments", post(enrol))
        .route("/training/sessions/{id}/devices", post(add_device))
        .route(
            "/training/sessions/{id}/skills/{borrower_id}",
            get(skills_page).post(save_skills),
        )
        .route("/loans/{id}/course", post(link_loan))
}
