//! Running a term from the pages: changing a session, cancelling it (its learners are told),
//! taking a learner off it, and the list of courses.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::State,
    response::{IntoResponse, Response},
};
use chrono::Utc;

use super::{duration_choices, form_number, place_choices, trainer_choices};
use crate::training::service::{self, CancelRequest, CourseView, SessionPatch, SessionView};
use crate::{
    auth::{Action, Staff},
    error::{ApiPath, AppError},
    hubs,
    state::AppState,
    web::{
        Nav, done,
        form::{Field, FormData, FormPage},
    },
};

/// "2027-03-02T10:00", as a `datetime-local` input shows a session's start in London.
fn local_input(session: &SessionView) -> String {
    session
        .starts_at
        .with_timezone(&chrono_tz::Europe::London)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

async fn edit_form(app: &AppState, staff: &Staff, session: &SessionView) -> Result<FormPage, AppError> {
    let hubs = hubs::service::list(&app.db.read, staff).await?;
    let mut page = FormPage::new(
        Nav::new(staff, "training"),
        "Change the session",
        format!("/training/sessions/{}/edit", session.id),
        "Save the changes",
    )
    .caption(format!("{}, {}", session.course_title, session.when()))
    .back(format!("/training/sessions/{}", session.id));
    if staff.role().allows(Action::ManageTraining) {
        page = page.field(Field::select(
            "trainer_id",
            "Trainer",
            trainer_choices(app, staff, session.trainer_id).await?,
        ));
    }
    Ok(page
        .field(Field::select(
            "hub_id",
            "Where",
            place_choices(hubs, session.hub_id),
        ))
        .field(
            Field::text("meeting_url", "Meeting link (for an online session)")
                .input("url", "off")
                .value(session.meeting_url.clone().unwrap_or_default()),
        )
        .field(
            Field::text("starts_at", "Date and start time")
                .input("datetime-local", "off")
                .value(local_input(session)),
        )
        .field(
            Field::radios("duration_minutes", "How long", duration_choices())
                .value(session.duration_minutes.to_string()),
        )
        .field(
            Field::text("capacity", "Places")
                .input("number", "off")
                .value(session.capacity.to_string())
                .hint(format!(
                    "{} enrolled now",
                    crate::words::count(session.enrolled, "learner is", "learners are")
                )),
        )
        .field(Field::textarea("notes", "Notes (optional)").value(session.notes.clone().unwrap_or_default())))
}

pub async fn edit_session(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    staff.require(Action::Train)?;
    let detail = service::session(&app.db, &staff, id).await?;
    Ok(edit_form(&app, &staff, &detail.session).await?.into_response())
}

pub async fn update_session(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let result = async {
        let patch = SessionPatch {
            starts_at: Some(data.text("starts_at").unwrap_or_default()),
            duration_minutes: form_number(&data, "duration_minutes")?,
            capacity: Some(form_number(&data, "capacity")?.unwrap_or_default()),
            hub_id: Some(form_number(&data, "hub_id")?),
            meeting_url: Some(data.text("meeting_url")),
            // Only coordinators and admins are shown the trainer.
            trainer_id: if data.get("trainer_id").is_some() {
                Some(form_number(&data, "trainer_id")?)
            } else {
                None
            },
            notes: Some(data.text("notes")),
        };
        service::update_session(&app.db, &staff, id, &patch, Utc::now()).await
    }
    .await;
    match result {
        Ok(session) => Ok(done(
            &format!("/training/sessions/{id}"),
            &format!("The session is changed: {}", session.when()),
        )),
        Err(err @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let detail = service::session(&app.db, &staff, id).await?;
            edit_form(&app, &staff, &detail.session)
                .await?
                .refused(&data, err)
        }
        Err(other) => Err(other),
    }
}

fn cancel_form(staff: &Staff, session: &SessionView) -> FormPage {
    let learners = crate::words::count(session.enrolled, "learner", "learners");
    FormPage::new(
        Nav::new(staff, "training"),
        "Cancel the session",
        format!("/training/sessions/{}/cancel", session.id),
        "Cancel the session",
    )
    .caption(format!("{}, {}", session.course_title, session.when()))
    .back(format!("/training/sessions/{}", session.id))
    .warning(format!(
        "The {learners} enrolled will be told: by email where they gave one, otherwise on the \
         call list or by letter. The session stays on the record, marked cancelled."
    ))
    .field(
        Field::textarea("reason", "Why (optional, the learners are told)")
            .hint("For example: The trainer is ill. We are sorry."),
    )
}

pub async fn confirm_cancel(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    staff.require(Action::Train)?;
    let detail = service::session(&app.db, &staff, id).await?;
    Ok(cancel_form(&staff, &detail.session).into_response())
}

pub async fn cancel_session(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let request = CancelRequest {
        reason: data.text("reason"),
    };
    match service::cancel_session(&app.db, &staff, id, &request, Utc::now()).await {
        Ok(cancelled) => {
            let told = cancelled.told;
            let mut message = if told.emailed + told.to_call + told.letters == 0 {
                "The session is cancelled.".to_owned()
            } else {
                format!(
                    "The session is cancelled. The learners are told: {}.",
                    told.sentence()
                )
            };
            if told.unreachable > 0 {
                let unreachable = crate::words::count(told.unreachable, "learner has", "learners have");
                message = format!("{message} {unreachable} no email, phone or address: tell them in person.");
            }
            Ok(done(&format!("/training/sessions/{id}"), &message))
        }
        Err(err @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let detail = service::session(&app.db, &staff, id).await?;
            cancel_form(&staff, &detail.session).refused(&data, err)
        }
        Err(other) => Err(other),
    }
}

/// Takes a learner off the session, from the register.
pub async fn unenrol(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath((id, borrower_id)): ApiPath<(i32, i32)>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    service::unenrol(&app.db, &staff, id, borrower_id, Utc::now()).await?;
    let name = data.text("name").unwrap_or_else(|| "The learner".to_owned());
    Ok(done(
        &format!("/training/sessions/{id}#register"),
        &format!("{name} is taken off the session; their place is free."),
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "training/courses.html")]
pub struct CoursesPage {
    nav: Nav,
    courses: Vec<CourseView>,
    can_add: bool,
}

impl CoursesPage {
    fn caption(&self) -> String {
        format!(
            "{}, by title",
            crate::words::count(self.courses.len() as u64, "course", "courses")
        )
    }

    fn areas(course: &CourseView) -> String {
        let labels: Vec<String> = course.skills_areas.iter().map(|a| a.label().to_owned()).collect();
        if labels.is_empty() {
            "Not given".to_owned()
        } else {
            crate::words::and_list(&labels)
        }
    }
}

pub async fn courses(State(app): State<AppState>, staff: Staff) -> Result<CoursesPage, AppError> {
    let mut courses = service::courses(&app.db.read, &staff).await?;
    courses.sort_by_key(|c| c.title.to_lowercase());
    Ok(CoursesPage {
        nav: Nav::new(&staff, "training"),
        courses,
        can_add: staff.role().allows(Action::ManageTraining),
    })
}
