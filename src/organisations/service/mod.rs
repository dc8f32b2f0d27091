//! The organisation's own details: its name and how people reach it, which labels, agreements,
//! letters, emails and the page a found device's label opens all print. The asset-tag prefix is
//! shown, never changed: every label already printed carries it.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::organisations::{model::parse_name, repo};
use crate::referrals::model::{Eligibility, Question};
use crate::{
    audit::{self, AuditAction, EntityRef, model::changes},
    auth::{Action, Staff},
    db::{self, Db},
    entities::organisation,
    error::{AppError, FieldError},
    validate::{optional_phone, optional_text},
};

// What other features may read and write of this feature's tables: they come here, never to
// `repo` (`.ci/imports.py` checks), so each use is one the feature has chosen to share.
pub use super::repo::{find, first, insert, publishing, skip_asset_numbers_to, take_asset_numbers};

/// Every organisation of the scheme, the lead first (a scheme has a handful), read 200 at a time.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<organisation::Model>, AppError> {
    let mut all = Vec::new();
    loop {
        let page = repo::list(db, all.last().map(|o: &organisation::Model| o.id), 200).await?;
        let done = page.len() < 200;
        all.extend(page);
        if done {
            return Ok(all);
        }
    }
}

mod joining;
mod partners;

pub use joining::*;
pub use partners::*;

/// The organisation as `GET /organisation` shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrganisationView {
    pub id: i32,
    pub name: String,
    /// Printed before every asset tag, e.g. `TCH`: it cannot be changed.
    pub prefix: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    /// What kind of partner it is: landlord, charity, training_partner, council or other.
    #[schema(value_type = crate::organisations::model::OrganisationKind)]
    pub kind: String,
    /// The referral form's eligibility questions, in order, with what a yes adds to priority: the
    /// scheme's own, or the defaults.
    pub eligibility: Vec<Question>,
    /// Its hubs' lending is listed in the public Open Referral feed.
    pub publish_lending: bool,
    /// Its training sessions open to book are listed in the public Open Referral feed.
    pub publish_training: bool,
}

impl From<organisation::Model> for OrganisationView {
    fn from(row: organisation::Model) -> Self {
        Self {
            eligibility: Eligibility::stored(row.eligibility.as_deref())
                .questions()
                .to_vec(),
            id: row.id,
            name: row.name,
            prefix: row.asset_prefix,
            phone: row.phone,
            email: row.email,
            address: row.address,
            kind: row.kind,
            publish_lending: row.publish_lending,
            publish_training: row.publish_training,
        }
    }
}

/// `PATCH /organisation` (a JSON merge patch: `null` clears an optional field), and the form.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrganisationRequest {
    #[schema(value_type = String, required = true, format = "line", min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(pattern = r"^[0-9 +()-]{0,30}$")]
    pub phone: Option<String>,
    #[schema(pattern = r"^[^\s@]+@[^\s@.][^\s@]*\.[^\s@]*[^\s@.]$", max_length = 254)]
    pub email: Option<String>,
    #[schema(max_length = 500)]
    pub address: Option<String>,
    /// The referral form's eligibility questions (1 to 12); `null` goes back to the defaults.
    #[schema(max_items = 12)]
    pub eligibility: Option<Vec<Question>>,
    /// List its hubs' lending in the public Open Referral feed.
    pub publish_lending: Option<bool>,
    /// List its training sessions open to book in the public Open Referral feed.
    pub publish_training: Option<bool>,
}

/// The organisation's details, each checked.
struct Details {
    name: String,
    phone: Option<String>,
    email: Option<String>,
    address: Option<String>,
    /// As stored: none for the defaults.
    eligibility: Option<String>,
    publish_lending: bool,
    publish_training: bool,
}

impl OrganisationRequest {
    /// The request that changes nothing of `current`, for a patch to be merged into.
    pub fn from_view(current: &OrganisationView) -> Self {
        Self {
            name: Some(current.name.clone()),
            phone: current.phone.clone(),
            email: current.email.clone(),
            address: current.address.clone(),
            eligibility: Some(current.eligibility.clone()),
            publish_lending: Some(current.publish_lending),
            publish_training: Some(current.publish_training),
        }
    }

    /// The checked details, or the first problem by its field.
    fn parse(&self) -> Result<Details, FieldError> {
        let name = parse_name(
            "name",
            "the organisation's name",
            self.name.as_deref().unwrap_or_default(),
            100,
        )?;
        let phone = optional_phone("phone", self.phone.as_deref())?;
        let email = self
            .email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(|e| crate::auth::model::parse_email("email", e))
            .transpose()?;
        let address = optional_text("address", "the address", self.address.as_deref(), 500)?;
        let eligibility = match &self.eligibility {
            None => None,
            Some(questions) => Some(Eligibility::new(questions.clone())?)
                .filter(|own| *own != Eligibility::default())
                .map(|own| own.to_json()),
        };
        Ok(Details {
            name,
            phone,
            email,
            address,
            eligibility,
            publish_lending: self.publish_lending.unwrap_or_default(),
            publish_training: self.publish_training.unwrap_or_default(),
        })
    }
}

/// The caller's organisation: every role may read how it is reached.
pub async fn get(db: &impl ConnectionTrait, staff: &Staff) -> Result<OrganisationView, AppError> {
    repo::find(db, staff.organisation_id())
        .await?
        .map(OrganisationView::from)
        .ok_or_else(|| AppError::NotFound("your organisation no longer exists".into()))
}

/// Changes the organisation's details (admins), audited field by field.
///
/// # Errors
/// `Forbidden` for all but admins; `Invalid` naming the first field that is wrong.
pub async fn update(
    db: &Db,
    staff: &Staff,
    request: &OrganisationRequest,
    now: DateTime<Utc>,
) -> Result<OrganisationView, AppError> {
    staff.require(Action::ManageStaff)?;
    let current = get(&db.read, staff).await?;
    let details = request.parse()?;
    let tx = db::begin_write(db).await?;
    let row = repo::update_details(
        &tx,
        organisation::ActiveModel {
            id: Set(current.id),
            name: Set(details.name),
            phone: Set(details.phone),
            email: Set(details.email),
            address: Set(details.address),
            eligibility: Set(details.eligibility),
            publish_lending: Set(details.publish_lending),
            publish_training: Set(details.publish_training),
            ..Default::default()
        },
    )
    .await?;
    let after = OrganisationView::from(row);
    let shape = |v: &OrganisationView| json!({"name": v.name, "phone": v.phone, "email": v.email, "address": v.address, "eligibility": v.eligibility, "publish_lending": v.publish_lending, "publish_training": v.publish_training});
    let diff = changes(&shape(&current), &shape(&after));
    if !diff.is_empty() {
        audit::record(
            &tx,
            staff,
            EntityRef::Organisation(after.id),
            AuditAction::OrganisationUpdated,
            json!({"changes": diff}),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}
