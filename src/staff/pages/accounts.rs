//! Staff accounts: the list, inviting someone (the link shown once, to hand over or emailed), and
//! changing a member's name, email, role, hubs or whether their account works.

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

use super::LinkPage;
use crate::staff::{
    model::InviteRequest,
    service::{self, LinkView, StaffList, StaffPatch, StaffView},
};
use crate::{
    auth::{Action, Role, Staff},
    error::{ApiPath, AppError},
    hubs::{self, service::HubView},
    state::AppState,
    web::{
        Nav, done,
        form::{Choice, Field, FormData, FormPage},
    },
};

const PAGE: u64 = 50;

#[derive(Template, WebTemplate)]
#[template(path = "staff/list.html")]
pub struct ListPage {
    nav: Nav,
    list: StaffList,
    hubs: Vec<HubView>,
    next_page: Option<String>,
}

impl ListPage {
    /// "Riverside Hub, Hilltop Library", "Every hub" or "No hub yet".
    fn hubs_of(&self, member: &StaffView) -> String {
        if member.role != Role::HubStaff {
            return "Every hub".to_owned();
        }
        let names: Vec<&str> = self
            .hubs
            .iter()
            .filter(|h| member.hub_ids.contains(&h.id))
            .map(|h| h.name.as_str())
            .collect();
        if names.is_empty() {
            "No hub yet: they see nothing until you choose one".to_owned()
        } else {
            names.join(", ")
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    after: Option<i32>,
}

pub(super) async fn list(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Result<ListPage, AppError> {
    let list = service::list(&app.db.read, &staff, query.after, PAGE, Utc::now()).await?;
    Ok(ListPage {
        nav: Nav::new(&staff, "staff"),
        hubs: hubs::service::list(&app.db.read, &staff).await?,
        next_page: list.next_cursor.map(|id| format!("/staff?after={id}")),
        list,
    })
}

fn role_choices() -> Vec<Choice> {
    let hints = |role: Role| match role {
        Role::Admin => "Admin: everything, including staff accounts",
        Role::Coordinator => "Coordinator: devices, repairs, borrowers, reports",
        Role::HubStaff => "Hub staff: lends and takes back devices at their hubs",
        Role::Trainer => "Trainer: runs training sessions",
    };
    Role::ALL
        .into_iter()
        .map(|role| Choice::new(role.as_str(), hints(role), false))
        .collect()
}

fn hub_choices(hubs: &[HubView], ticked: &[i32]) -> Vec<Choice> {
    hubs.iter()
        .map(|h| Choice::new(h.id.to_string(), h.name.clone(), ticked.contains(&h.id)))
        .collect()
}

const HUBS_HINT: &str = "Hub staff see and lend only these hubs' devices. Other roles work at every hub.";

async fn invite_form(app: &AppState, staff: &Staff) -> Result<FormPage, AppError> {
    staff.require(Action::ManageStaff)?;
    let hubs = hubs::service::list(&app.db.read, staff).await?;
    Ok(FormPage::new(
        Nav::new(staff, "staff"),
        "Invite a staff member",
        "/staff/new",
        "Invite",
    )
    .back("/staff")
    .intro("They get a link to choose their own password. It works once, for 7 days.")
    .field(Field::text("name", "Full name").input("text", "off"))
    .field(Field::text("email", "Email address").input("email", "off"))
    .field(Field::radios("role", "Role", role_choices()))
    .field(Field::checkboxes("hub_ids", "Hubs they work at", hub_choices(&hubs, &[])).hint(HUBS_HINT)))
}

pub(super) async fn new_page(State(app): State<AppState>, staff: Staff) -> Result<FormPage, AppError> {
    invite_form(&app, &staff).await
}

/// Hub ids ticked on a form; one that is not a number is refused naming the field.
fn ticked_hubs(data: &FormData) -> Result<Vec<i32>, AppError> {
    data.all("hub_ids")
        .iter()
        .map(|id| {
            id.parse()
                .map_err(|_| AppError::invalid("hub_ids", "choose hubs from the list"))
        })
        .collect()
}

pub(super) async fn invite(
    State(app): State<AppState>,
    staff: Staff,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let form = invite_form(&app, &staff).await?;
    let request = InviteRequest {
        email: data.text("email"),
        name: data.text("name"),
        role: data.text("role"),
        hub_ids: Some(match ticked_hubs(&data) {
            Ok(ids) => ids,
            Err(err) => return form.refused(&data, err),
        }),
    };
    if let Err(errors) = request.parse() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            form.with_submission(&data, errors),
        )
            .into_response());
    }
    match service::invite(&app.db, &staff, &app.config.public_url, &request, Utc::now()).await {
        Ok(invited) => Ok(LinkPage {
            nav: Nav::new(&staff, "staff"),
            title: "Invitation ready".to_owned(),
            emailing: service::email_invitation(
                &app.config,
                request.name.as_deref().unwrap_or_default().trim(),
                request.email.as_deref().unwrap_or_default().trim(),
                &invited,
            )
            .await,
            email: request.email.as_deref().unwrap_or_default().trim().to_owned(),
            name: request.name.unwrap_or_default(),
            link: LinkView {
                id: invited.id,
                url: invited.invitation_url,
                expires_at: invited.expires_at,
            },
            invitation: true,
        }
        .into_response()),
        Err(err) => form.refused(&data, err),
    }
}

async fn edit_form(app: &AppState, staff: &Staff, id: i32) -> Result<FormPage, AppError> {
    let member = service::get(&app.db.read, staff, id, Utc::now()).await?;
    let hubs = hubs::service::list(&app.db.read, staff).await?;
    Ok(FormPage::new(
        Nav::new(staff, "staff"),
        format!("Change {}", member.name),
        format!("/staff/{id}"),
        "Save changes",
    )
    .back("/staff")
    .caption(member.email.clone())
    .field(Field::text("name", "Name").value(member.name.clone()))
    .field(
        Field::text("email", "Email address")
            .input("email", "off")
            .hint("The address they sign in with.")
            .value(member.email.clone()),
    )
    .field(Field::radios("role", "Role", role_choices()).value(member.role.as_str()))
    .field(
        Field::checkboxes(
            "hub_ids",
            "Hubs they work at",
            hub_choices(&hubs, &member.hub_ids),
        )
        .hint(HUBS_HINT),
    )
    .field(
        Field::checkbox("disabled", "Account disabled", member.disabled)
            .hint("A disabled account cannot sign in, and anyone signed in with it is signed out at once."),
    ))
}

pub(super) async fn edit_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<FormPage, AppError> {
    edit_form(&app, &staff, id).await
}

pub(super) async fn save(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let form = edit_form(&app, &staff, id).await?;
    let hub_ids = match ticked_hubs(&data) {
        Ok(ids) => ids,
        Err(err) => return form.refused(&data, err),
    };
    let patch = StaffPatch {
        name: data.text("name"),
        email: data.text("email"),
        role: data.text("role"),
        disabled: Some(data.ticked("disabled")),
        hub_ids: Some(hub_ids),
    };
    match service::update(&app.db, &staff, id, &patch, Utc::now()).await {
        Ok(member) => Ok(done("/staff", &format!("{} saved", member.name))),
        Err(err) => form.refused(&data, err),
    }
}
