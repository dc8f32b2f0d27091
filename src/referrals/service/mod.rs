//! Taking referrals in, through a partner's link or the API, and reading them.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    model::{Answers, Eligibility, Need, Referral, ReferralRequest, ReferralStatus},
    repo,
};
use crate::{
    audit::{self, Actor, AuditAction, EntityRef, NewEvent},
    auth::{Action, Staff},
    db::{self, Db},
    entities::{referral, referral_link},
    error::AppError,
};

mod deciding;
mod links;

pub use deciding::*;
pub use links::*;

// What other features may read and write of this feature's tables.
pub use super::repo::{forget, forget_before};

/// Referrals one link may send in an hour: a busy work coach's afternoon, not a script's.
pub const REFERRALS_PER_LINK_PER_HOUR: u64 = 30;

/// Who referred the person.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReferrerView {
    pub name: String,
    pub organisation: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReferralView {
    pub id: i32,
    pub status: ReferralStatus,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub needs: Vec<Need>,
    pub hub_id: Option<i32>,
    pub answers: Answers,
    /// Every eligibility question answered yes.
    pub eligible: bool,
    pub priority: i32,
    pub reasons: Option<String>,
    pub referrer: ReferrerView,
    /// Consents the person gave, by purpose.
    pub consents: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decline_reason: Option<String>,
    pub borrower_id: Option<i32>,
}

impl From<referral::Model> for ReferralView {
    fn from(row: referral::Model) -> Self {
        let answers: Answers = serde_json::from_str(&row.answers).unwrap_or_default();
        Self {
            id: row.id,
            status: row.status,
            name: row.name,
            email: row.email,
            phone: row.phone,
            address: row.address,
            postcode: row.postcode,
            needs: row.needs.into_inner(),
            hub_id: row.hub_id,
            eligible: answers.all_yes(),
            answers,
            priority: row.priority,
            reasons: row.reasons,
            referrer: ReferrerView {
                name: row.referrer_name,
                organisation: row.referrer_organisation,
                email: row.referrer_email,
                phone: row.referrer_phone,
            },
            consents: row.consents.into_inner(),
            created_at: row.created_at,
            decided_at: row.decided_at,
            decline_reason: row.decline_reason,
            borrower_id: row.borrower_id,
        }
    }
}

/// `GET /referrals`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReferralQuery {
    /// `new`, `accepted` or `declined`; every one when absent.
    #[param(value_type = Option<ReferralStatus>)]
    pub status: Option<String>,
    /// The `next_cursor` of the page before.
    pub before: Option<i32>,
    /// How many a page holds (1 to 200; 50 unless given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReferralPage {
    pub items: Vec<ReferralView>,
    pub next_cursor: Option<i32>,
    pub total: u64,
}

/// Checks the hub named, if any, is one of the organisation's.
async fn check_hub(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    hub_id: Option<i32>,
) -> Result<(), AppError> {
    if let Some(id) = hub_id {
        let found = crate::hubs::service::find_row(db, id).await?;
        if found.is_none_or(|hub| hub.organisation_id != organisation_id) {
            return Err(AppError::invalid(
                "hub_id",
                format!("there is no hub with id {id}"),
            ));
        }
    }
    Ok(())
}

/// The scheme's eligibility questions: its own, or the defaults.
pub async fn eligibility(db: &impl ConnectionTrait, organisation_id: i32) -> Result<Eligibility, AppError> {
    let organisation = crate::organisations::service::find(db, organisation_id).await?;
    Ok(Eligibility::stored(
        organisation.and_then(|o| o.eligibility).as_deref(),
    ))
}

/// A referral checked, with its priority from the scheme's questions.
async fn checked(
    db: &impl sea_orm::ConnectionTrait,
    organisation_id: i32,
    request: &ReferralRequest,
) -> Result<(Referral, i32), AppError> {
    let referral = request.parse().map_err(crate::people::service::first_error)?;
    let eligibility = eligibility(db, organisation_id).await?;
    eligibility.check(&referral.answers)?;
    let priority = eligibility.priority(&referral.answers);
    Ok((referral, priority))
}

fn new_row(
    organisation_id: i32,
    referral: &Referral,
    priority: i32,
    now: DateTime<Utc>,
) -> referral::ActiveModel {
    let person = &referral.person;
    referral::ActiveModel {
        organisation_id: Set(organisation_id),
        status: Set(ReferralStatus::New),
        name: Set(person.name.clone()),
        email: Set(person.email.clone()),
        phone: Set(person.phone.clone()),
        address: Set(person.address.clone()),
        postcode: Set(person.postcode.clone()),
        needs: Set(referral.needs.clone().into()),
        hub_id: Set(referral.hub_id),
        answers: Set(serde_json::to_string(&referral.answers).unwrap_or_else(|_| "{}".into())),
        reasons: Set(referral.reasons.clone()),
        referrer_name: Set(referral.referrer_name.clone()),
        referrer_organisation: Set(referral.referrer_organisation.clone()),
        referrer_email: Set(referral.referrer_email.clone()),
        referrer_phone: Set(referral.referrer_phone.clone()),
        consents: Set(referral
            .consents
            .given()
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
            .into()),
        priority: Set(priority),
        created_at: Set(now),
        ..Default::default()
    }
}

/// A referral through a partner's link: the link's own organisation receives it. Each link sends
/// at most [`REFERRALS_PER_LINK_PER_HOUR`], counted in the database, so every instance agrees.
pub async fn refer_by_link(
    db: &Db,
    link: &referral_link::Model,
    request: &ReferralRequest,
    now: DateTime<Utc>,
) -> Result<ReferralView, AppError> {
    let (referral, priority) = checked(&db.read, link.organisation_id, request).await?;
    check_hub(&db.read, link.organisation_id, referral.hub_id).await?;
    let tx = db::begin_write(db).await?;
    if repo::count_from_link_since(&tx, link.id, now - Duration::hours(1)).await?
        >= REFERRALS_PER_LINK_PER_HOUR
    {
        return Err(AppError::TooManyRequests(
            "This link has sent many referrals in the last hour. Try again later, or call the scheme.".into(),
        ));
    }
    let mut row = new_row(link.organisation_id, &referral, priority, now);
    row.link_id = Set(Some(link.id));
    let row = repo::insert(&tx, row).await?;
    audit::insert(
        &tx,
        NewEvent {
            organisation_id: link.organisation_id,
            at: now,
            actor: Actor::System("referral link"),
            entity: EntityRef::Organisation(link.organisation_id),
            action: AuditAction::ReferralReceived,
            details: json!({"referral_id": row.id, "link_id": link.id}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row.into())
}

/// A referral made by staff through the API.
pub async fn refer(
    db: &Db,
    staff: &Staff,
    request: &ReferralRequest,
    now: DateTime<Utc>,
) -> Result<ReferralView, AppError> {
    let scope = staff.scope(Action::ManageBorrowers)?;
    let (referral, priority) = checked(&db.read, staff.organisation_id(), request).await?;
    check_hub(&db.read, staff.organisation_id(), referral.hub_id).await?;
    if let (Some(hubs), hub) = (scope.hub_ids(), referral.hub_id)
        && hub.is_none_or(|id| !hubs.contains(&id))
    {
        return Err(AppError::invalid("hub_id", "choose one of your hubs"));
    }
    let tx = db::begin_write(db).await?;
    let mut row = new_row(staff.organisation_id(), &referral, priority, now);
    row.created_by = Set(Some(staff.id()));
    let row = repo::insert(&tx, row).await?;
    audit::record(
        &tx,
        staff,
        EntityRef::Organisation(staff.organisation_id()),
        AuditAction::ReferralReceived,
        json!({"referral_id": row.id}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row.into())
}

pub async fn list(db: &Db, staff: &Staff, query: &ReferralQuery) -> Result<ReferralPage, AppError> {
    let scope = staff.scope(Action::ManageBorrowers)?;
    let status = query
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(ReferralStatus::parse)
        .transpose()?;
    let limit = crate::paging::page_size(query.limit, 50, 200)?;
    let (rows, total) = repo::list(&db.read, &scope, status, query.before, limit + 1).await?;
    let (rows, next_cursor) = crate::paging::cut_by(rows, limit, |r| r.id);
    Ok(ReferralPage {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor,
        total,
    })
}

pub async fn get(db: &Db, staff: &Staff, id: i32) -> Result<ReferralView, AppError> {
    let scope = staff.scope(Action::ManageBorrowers)?;
    repo::find(&db.read, &scope, id)
        .await?
        .map(Into::into)
        .ok_or_else(|| unknown(id))
}

/// The referrals that became borrower `borrower_id`, for their export.
pub async fn of_borrower(db: &Db, staff: &Staff, borrower_id: i32) -> Result<Vec<ReferralView>, AppError> {
    let scope = staff.scope(Action::ManageBorrowers)?;
    Ok(repo::of_borrower(&db.read, &scope, borrower_id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

fn unknown(id: i32) -> AppError {
    AppError::NotFound(format!("there is no referral with id {id}"))
}
