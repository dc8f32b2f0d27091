//! Referral links: a coordinator makes one for each referring organisation (a secret key in a
//! link to a form that needs no account), and revokes it when it is no longer wanted.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::super::repo;
use crate::{
    audit::{AuditAction, EntityRef, record},
    auth::{
        Action, Staff,
        model::parse_email,
        service::{new_secret, sha256_hex},
    },
    db::{self, Db},
    entities::referral_link,
    error::AppError,
    organisations::model::parse_name,
};

/// A live referral link, as the form it opens needs it.
pub type ReferralLink = referral_link::Model;

/// `POST /referral-links`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReferralLinkRequest {
    /// The organisation that will refer through it: "Jobcentre Plus, Maidstone".
    #[schema(value_type = String, required = true, format = "line", min_length = 1, max_length = 100)]
    pub organisation: Option<String>,
    /// Who it is for there.
    #[schema(format = "line", max_length = 100)]
    pub name: Option<String>,
    #[schema(pattern = r"^[^\s@]+@[^\s@.][^\s@]*\.[^\s@]*[^\s@.]$", max_length = 254)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReferralLinkView {
    pub id: i32,
    pub organisation: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Only when the link is made: lendhub keeps no copy of the key.
    pub key: Option<String>,
    /// The form's address, only when the link is made.
    pub url: Option<String>,
}

impl From<referral_link::Model> for ReferralLinkView {
    fn from(row: referral_link::Model) -> Self {
        Self {
            id: row.id,
            organisation: row.referrer_organisation,
            name: row.name,
            email: row.email,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
            key: None,
            url: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReferralLinkPage {
    pub items: Vec<ReferralLinkView>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_cursor: Option<i32>,
    pub total: u64,
}

/// The form's address for `key`.
pub fn form_url(public_url: &str, key: &str) -> String {
    format!("{public_url}/r/{key}")
}

pub async fn create_link(
    db: &Db,
    staff: &Staff,
    request: &ReferralLinkRequest,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<ReferralLinkView, AppError> {
    staff.require(Action::ManageReferralLinks)?;
    let organisation = parse_name(
        "organisation",
        "the referring organisation",
        request.organisation.as_deref().unwrap_or_default(),
        100,
    )?;
    let name = match request.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => Some(parse_name("name", "their name", name, 100)?),
        None => None,
    };
    let email = match request.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(email) => Some(parse_email("email", email)?),
        None => None,
    };
    let key = new_secret();
    let tx = db::begin_write(db).await?;
    let row = repo::insert_link(
        &tx,
        referral_link::ActiveModel {
            organisation_id: Set(staff.organisation_id()),
            key_hash: Set(sha256_hex(key.as_bytes())),
            referrer_organisation: Set(organisation),
            name: Set(name),
            email: Set(email),
            created_by: Set(staff.id()),
            created_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    record(
        &tx,
        staff,
        EntityRef::Organisation(staff.organisation_id()),
        AuditAction::ReferralLinkMade,
        json!({"link_id": row.id, "referrer": row.referrer_organisation}),
        now,
    )
    .await?;
    tx.commit().await?;
    let url = form_url(public_url, &key);
    Ok(ReferralLinkView {
        key: Some(key),
        url: Some(url),
        ..row.into()
    })
}

pub async fn links(
    db: &Db,
    staff: &Staff,
    before: Option<i32>,
    limit: u64,
) -> Result<ReferralLinkPage, AppError> {
    staff.require(Action::ManageReferralLinks)?;
    let (rows, total) = repo::links(&db.read, staff.organisation_id(), before, limit + 1).await?;
    let (rows, next_cursor) = crate::paging::cut_by(rows, limit, |l| l.id);
    Ok(ReferralLinkPage {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor,
        total,
    })
}

pub async fn revoke_link(
    db: &Db,
    staff: &Staff,
    id: i32,
    now: DateTime<Utc>,
) -> Result<ReferralLinkView, AppError> {
    staff.require(Action::ManageReferralLinks)?;
    let tx = db::begin_write(db).await?;
    let link = repo::find_link(&tx, staff.organisation_id(), id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no referral link with id {id}")))?;
    if link.revoked_at.is_some() {
        return Ok(link.into());
    }
    let row = repo::revoke_link(&tx, link, now).await?;
    record(
        &tx,
        staff,
        EntityRef::Organisation(staff.organisation_id()),
        AuditAction::ReferralLinkRevoked,
        json!({"link_id": row.id, "referrer": row.referrer_organisation}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row.into())
}

/// The live link `key` opens: an unknown or revoked key is not there at all (404).
pub async fn link_for_key(db: &Db, key: &str) -> Result<referral_link::Model, AppError> {
    repo::live_link(&db.read, &sha256_hex(key.as_bytes()))
        .await?
        .ok_or_else(|| {
            AppError::NotFound("this referral link does not work: ask the scheme for a new one".into())
        })
}
