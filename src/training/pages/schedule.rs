//! The session list (today's first, then what is coming), the calendar address, and the forms
//! that add a course or a session.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use crate::training::{
    model::{SkillsArea, USUAL_DURATIONS},
    service::{self, CourseRequest, SessionFilter, SessionRequest, SessionView},
};
use crate::{
    auth::{Action, Role, Staff},
    error::{ApiQuery, AppError},
    hubs::{self, service::HubView},
    state::AppState,
    web::{
        Nav,
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
    /// The days listed, as `YYYY-MM-DD`, and the same span before and after.
    from: String,
    to: String,
    /// "Coming up" from today, else "3 March to 28 April 2027".
    heading: String,
    earlier: String,
    later_link: String,
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

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    hub_id: Option<String>,
    trainer_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl ListPage {
    /// The address of this list over another span, keeping the hub and trainer chosen.
    fn link(&self, from: NaiveDate, to: NaiveDate) -> String {
        let mut query = vec![("from", from.to_string()), ("to", to.to_string())];
        if let Some(hub) = self.hub_id {
            query.push(("hub_id", hub.to_string()));
        }
        if let Some(trainer) = self.trainer_id {
            query.push(("trainer_id", trainer.to_string()));
        }
        format!(
            "/training?{}",
            serde_urlencoded::to_string(query).unwrap_or_default()
        )
    }
}

fn number(text: Option<&str>) -> Option<i32> {
    text.and_then(|t| t.trim().parse().ok())
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
        None if staff.role() == Role::Trainer => Some(staff.id()),
        other => number(other),
    };
    let now = Utc::now();
    let filter = SessionFilter {
        hub_id,
        trainer_id,
        from: query.from.clone().filter(|t| !t.trim().is_empty()),
        to: query.to.clone().filter(|t| !t.trim().is_empty()),
    };
    let (from, to) = filter.range(now)?;
    let sessions = service::sessions(&app.db.read, staff, &filter, now).await?;
    let today = crate::dates::today(now);
    let (today_list, later): (Vec<_>, Vec<_>) = sessions
        .into_iter()
        .partition(|s| crate::dates::today(s.starts_at) == today);
    let span = to - from + chrono::Duration::days(1);
    let heading = if from == today {
        "Coming up".to_owned()
    } else {
        format!(
            "{} to {}",
            crate::dates::long_date(from),
            crate::dates::long_date(to)
        )
    };
    let mut page = ListPage {
        nav: Nav::new(staff, "training"),
        today: today_list,
        later,
        hubs: hubs::service::list(&app.db.read, staff).await?,
        trainers: service::trainers(&app.db.read, staff).await?,
        hub_id,
        trainer_id,
        from: from.to_string(),
        to: to.to_string(),
        heading,
        earlier: String::new(),
        later_link: String::new(),
        feed_url,
        can_add: staff.role().allows(Action::Train),
        can_add_course: staff.role().allows(Action::ManageTraining),
    };
    page.earlier = page.link(from - span, from - chrono::Duration::days(1));
    page.later_link = page.link(to + chrono::Duration::days(1), to + span);
    Ok(page)
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
    let query = ListQuery::default();
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

/// The trainers to choose from, "No trainer yet" first, `selected` chosen.
pub(super) async fn trainer_choices(
    app: &AppState,
    staff: &Staff,
    selected: Option<i32>,
) -> Result<Vec<Choice>, AppError> {
    let mut choices = vec![Choice::new("", "No trainer yet", selected.is_none())];
    choices.extend(
        service::trainers(&app.db.read, staff)
            .await?
            .into_iter()
            .map(|(id, name)| Choice::new(id.to_string(), name, selected == Some(id))),
    );
    Ok(choices)
}

/// "Online" and each hub, `selected` chosen (none: online).
pub(super) fn place_choices(hubs: Vec<HubView>, selected: Option<i32>) -> Vec<Choice> {
    let mut places = vec![Choice::new("", "Online", selected.is_none())];
    places.extend(
        hubs.into_iter()
            .map(|h| Choice::new(h.id.to_string(), h.name, selected == Some(h.id))),
    );
    places
}

/// The usual lengths of a session, and 30 minutes and 2 hours.
pub(super) fn duration_choices() -> Vec<Choice> {
    let mut durations: Vec<Choice> = USUAL_DURATIONS
        .iter()
        .map(|m| Choice::new(m.to_string(), format!("{m} minutes"), false))
        .collect();
    durations.extend([
        Choice::new("120", "2 hours", false),
        Choice::new("30", "30 minutes", false),
    ]);
    durations
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
    if staff.role().allows(Action::ManageTraining) {
        page = page.field(Field::select(
            "trainer_id",
            "Trainer",
            trainer_choices(app, staff, None).await?,
        ));
    }
    Ok(page
        .field(Field::select("hub_id", "Where", place_choices(hubs, None)))
        .field(
            Field::text("meeting_url", "Meeting link (for an online session)")
                .input("url", "off")
                .hint("For example: https://meet.example.org/digital-skills"),
        )
        .field(Field::text("starts_at", "Date and start time").input("datetime-local", "off"))
        .field(Field::radios("duration_minutes", "How long", duration_choices()).value("60"))
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

pub(super) fn list_of(text: Option<String>) -> Vec<String> {
    text.unwrap_or_default()
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(super) fn form_number(data: &FormData, field: &str) -> Result<Option<i32>, AppError> {
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
