//! The partner organisations' pages, for the lead organisation's admins: the list, and adding
//! one with its first admin's invitation.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Query, State},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde::Deserialize;

use crate::{
    auth::Staff,
    error::AppError,
    organisations::{
        model::{NewOrganisationRequest, OrganisationKind},
        service::{self, PartnerPage, PartnerQuery, PartnerView},
    },
    state::AppState,
    web::{
        Nav,
        form::{Choice, Field, FormData, FormPage},
    },
};

#[derive(Template, WebTemplate)]
#[template(path = "organisations/partners.html")]
pub struct ListPage {
    nav: Nav,
    list: PartnerPage,
    next_page: Option<String>,
}

impl ListPage {
    fn count(&self) -> String {
        crate::words::count(self.list.total, "organisation", "organisations")
    }

    fn kind(org: &PartnerView) -> &'static str {
        OrganisationKind::parse(&org.kind).map_or("Other", OrganisationKind::label)
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
}

pub async fn list(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Result<ListPage, AppError> {
    let list = service::list(
        &app.db,
        &staff,
        &PartnerQuery {
            cursor: query.cursor,
            limit: Some(50),
        },
    )
    .await?;
    let next_page = list
        .next_cursor
        .as_ref()
        .map(|c| format!("/organisations?cursor={c}"));
    Ok(ListPage {
        nav: Nav::new(&staff, "settings"),
        list,
        next_page,
    })
}

fn form(staff: &Staff) -> FormPage {
    let kinds = OrganisationKind::ALL
        .iter()
        .map(|k| Choice::new(k.as_str(), k.label(), false))
        .collect();
    FormPage::new(
        Nav::new(staff, "settings"),
        "Add a partner organisation",
        "/organisations/new",
        "Add the organisation",
    )
    .back("/organisations")
    .intro("A landlord, charity, training partner or council in the scheme. It keeps its own hubs, devices, staff and borrowers; its first admin gets a link to sign in and set them up.")
    .field(Field::text("name", "Organisation name").input("text", "organization"))
    .field(Field::radios("kind", "What kind of organisation is it?", kinds))
    .field(
        Field::text("prefix", "Asset-tag prefix")
            .hint("2 to 6 letters printed before each of its asset tags, like WKH. No other organisation's; it cannot change later.")
            .input("text", "off"),
    )
    .field(
        Field::text("admin_name", "Their first admin's name (optional)")
            .hint("If you know who it is. Without it, the link you are given lets whoever you hand it to make the account.")
            .input("text", "off"),
    )
    .field(Field::text("admin_email", "Their first admin's email (optional)").input("email", "off"))
}

pub async fn new(State(app): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    service::require_lead_admin(&app.db.read, &staff).await?;
    Ok(form(&staff).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "organisations/invited.html")]
pub struct InvitedPage {
    nav: Nav,
    org_name: String,
    admin_name: String,
    admin_email: String,
    url: String,
    sent: bool,
    /// A new link for a partner added earlier.
    renewed: bool,
}

impl InvitedPage {
    /// Who the link is for: the admin named, or whoever the lead hands it to.
    fn who(&self) -> String {
        if self.admin_name.is_empty() {
            "their first admin".to_owned()
        } else {
            self.admin_name.clone()
        }
    }
}

pub async fn add(
    State(app): State<AppState>,
    staff: Staff,
    Form(data): Form<FormData>,
) -> Result<Response, AppError> {
    service::require_lead_admin(&app.db.read, &staff).await?;
    let page = form(&staff);
    let request = NewOrganisationRequest {
        name: data.text("name"),
        prefix: data.text("prefix"),
        kind: data.text("kind"),
        admin_name: data.text("admin_name"),
        admin_email: data.text("admin_email"),
    };
    if let Err(errors) = request.parse() {
        return Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            page.with_submission(&data, errors),
        )
            .into_response());
    }
    match service::create(
        &app.db,
        Some(&staff),
        &app.config.public_url,
        &request,
        Utc::now(),
    )
    .await
    {
        Ok(created) => {
            let (admin_name, admin_email) = (
                request.admin_name.unwrap_or_default().trim().to_owned(),
                request.admin_email.unwrap_or_default().trim().to_owned(),
            );
            let invited = crate::staff::service::Invited {
                id: created.id,
                invitation_url: created.invitation_url.clone(),
                expires_at: created.expires_at,
                emailed: false,
            };
            let emailing = if admin_email.is_empty() {
                crate::staff::service::Emailing::Off
            } else {
                crate::staff::service::email_invitation(&app.config, &admin_name, &admin_email, &invited)
                    .await
            };
            Ok(InvitedPage {
                nav: Nav::new(&staff, "settings"),
                org_name: request.name.unwrap_or_default().trim().to_owned(),
                admin_name,
                admin_email,
                url: created.invitation_url,
                sent: emailing == crate::staff::service::Emailing::Sent,
                renewed: false,
            }
            .into_response())
        }
        Err(err) => page.refused(&data, err),
    }
}

/// A new invitation link for a partner nobody has signed up to yet, shown once.
pub async fn reinvite(
    State(app): State<AppState>,
    staff: Staff,
    crate::error::ApiPath(id): crate::error::ApiPath<i32>,
) -> Result<Response, AppError> {
    service::require_lead_admin(&app.db.read, &staff).await?;
    let created = service::reinvite(&app.db, &staff, id, &app.config.public_url, Utc::now()).await?;
    let org_name = crate::organisations::service::find(&app.db.read, id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    Ok(InvitedPage {
        nav: Nav::new(&staff, "settings"),
        org_name,
        admin_name: String::new(),
        admin_email: String::new(),
        url: created.invitation_url,
        sent: false,
        renewed: true,
    }
    .into_response())
}
