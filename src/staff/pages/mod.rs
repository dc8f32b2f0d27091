//! The staff pages: the list, inviting someone (the link shown to hand over), changing a role,
//! hubs or whether the account works, a password-reset link, the page a link opens to choose a
//! password, and changing one's own password.

mod forgotten;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{
    model::InviteRequest,
    service::{self, LinkView, StaffList, StaffPatch, StaffView},
};
use crate::{
    auth::{Action, Role, Staff, model::Credential},
    dates::london_time,
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

async fn list(
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

/// The page that shows a link to hand over, once: it is not kept anywhere it could be read again.
#[derive(Template, WebTemplate)]
#[template(path = "staff/link.html")]
pub struct LinkPage {
    nav: Nav,
    title: String,
    name: String,
    link: LinkView,
    invitation: bool,
    /// The address the link went to, and what became of emailing it.
    email: String,
    emailing: service::Emailing,
}

impl LinkPage {
    fn sent(&self) -> bool {
        self.emailing == service::Emailing::Sent
    }

    fn failed(&self) -> bool {
        self.emailing == service::Emailing::Failed
    }

    fn until(at: &DateTime<Utc>) -> String {
        london_time(*at)
    }
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

async fn new_page(State(app): State<AppState>, staff: Staff) -> Result<FormPage, AppError> {
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

async fn invite(
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

async fn edit_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<FormPage, AppError> {
    edit_form(&app, &staff, id).await
}

async fn save(
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

async fn reset_form(app: &AppState, staff: &Staff, id: i32) -> Result<FormPage, AppError> {
    let member = service::get(&app.db.read, staff, id, Utc::now()).await?;
    Ok(FormPage::new(
        Nav::new(staff, "staff"),
        format!("Reset {}'s password", member.name),
        format!("/staff/{id}/reset"),
        "Make a reset link",
    )
    .back("/staff")
    .intro("You get a link to give them. It works once, for a day, and lets them choose a new password. Earlier links stop working."))
}

async fn reset_page(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<FormPage, AppError> {
    reset_form(&app, &staff, id).await
}

async fn reset(
    State(app): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Response, AppError> {
    let member = service::get(&app.db.read, &staff, id, Utc::now()).await?;
    match service::reset_link_for(&app.db, &staff, id, &app.config.public_url, Utc::now()).await {
        Ok(link) => Ok(LinkPage {
            nav: Nav::new(&staff, "staff"),
            title: "Reset link ready".to_owned(),
            name: member.name,
            link,
            invitation: false,
            email: member.email,
            emailing: service::Emailing::Off,
        }
        .into_response()),
        Err(err) => reset_form(&app, &staff, id)
            .await?
            .refused(&FormData::default(), err),
    }
}

fn choose_form(secret: &str, name: &str, invitation: bool) -> FormPage {
    let title = if invitation {
        format!("Welcome to lendhub, {name}")
    } else {
        format!("Choose a new password, {name}")
    };
    FormPage::new(
        Nav::signed_out(),
        title,
        format!("/password/{secret}"),
        "Save password",
    )
    .intro("Choose a password of at least 12 characters. A few words you will remember make a good one.")
    .field(Field::text("password", "Password").input("password", "new-password"))
    .field(Field::text("confirm", "Type the password again").input("password", "new-password"))
}

async fn choose_page(State(app): State<AppState>, Path(secret): Path<String>) -> Result<FormPage, AppError> {
    let holder = service::holder(&app.db.read, &secret, Utc::now()).await?;
    Ok(choose_form(&secret, &holder.name, holder.invitation))
}

async fn choose(
    State(app): State<AppState>,
    Path(secret): Path<String>,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let password = data.get("password").unwrap_or_default();
    let confirm = data.get("confirm").unwrap_or_default();
    match service::choose_password(&app.db, &secret, password, confirm, Utc::now()).await {
        Ok(holder) => Ok(done(
            "/login",
            &format!(
                "Password saved. Sign in with {} and your new password.",
                holder.email
            ),
        )),
        Err(err @ AppError::Invalid(_)) => {
            let holder = service::holder(&app.db.read, &secret, Utc::now()).await?;
            // Passwords are never sent back into the page.
            choose_form(&secret, &holder.name, holder.invitation).refused(&FormData::default(), err)
        }
        Err(other) => Err(other),
    }
}

fn own_form(staff: &Staff) -> FormPage {
    FormPage::new(
        Nav::new(staff, ""),
        "Change your password",
        "/account/password",
        "Change password",
    )
    .field(Field::text("current_password", "Your current password").input("password", "current-password"))
    .field(
        Field::text("new_password", "New password")
            .input("password", "new-password")
            .hint("At least 12 characters."),
    )
    .field(Field::text("confirm", "Type the new password again").input("password", "new-password"))
}

async fn own_page(staff: Staff) -> FormPage {
    own_form(&staff)
}

async fn change_own(
    State(app): State<AppState>,
    staff: Staff,
    credential: Credential,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    let field = |name| data.get(name).unwrap_or_default();
    match service::change_password(
        &app.db,
        &staff,
        &credential,
        field("current_password"),
        field("new_password"),
        field("confirm"),
        Utc::now(),
    )
    .await
    {
        Ok(()) => Ok(done("/", "Your password is changed")),
        Err(err) => own_form(&staff).refused(&FormData::default(), err),
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(list))
        .route("/staff/new", get(new_page).post(invite))
        .route("/staff/{id}", get(edit_page).post(save))
        .route("/staff/{id}/reset", get(reset_page).post(reset))
        .route("/password/{secret}", get(choose_page).post(choose))
        .route("/account/password", get(own_page).post(change_own))
        .route("/password/forgot", get(forgotten::page).post(forgotten::ask))
}
