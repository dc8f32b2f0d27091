//! Sharing agreements: an admin proposes one to another organisation of the scheme, that
//! organisation's admin accepts it, and either side's admin ends it. Each change goes into both
//! organisations' audit logs. What an agreement in force lets a staff member read is in
//! `grants.rs`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    audit::{self, Actor, AuditAction, EntityRef, NewEvent},
    auth::{Action, Staff},
    dates::today,
    db::{self, Db},
    entities::sharing_agreement,
    error::AppError,
    organisations,
    sharing::{
        model::{LawfulBasis, Purpose, SharedData, SharingAgreementRequest, Status, status},
        repo,
    },
};

mod grants;

pub use grants::*;

/// An agreement as either side sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SharingAgreementView {
    pub id: i32,
    /// The organisation that proposed it.
    pub organisation_id: i32,
    pub organisation_name: String,
    /// The organisation asked to accept it.
    pub with_organisation_id: i32,
    pub with_organisation_name: String,
    pub purpose: Purpose,
    pub data: Vec<SharedData>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub lawful_basis: LawfulBasis,
    pub status: Status,
    pub proposed_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Whether the caller's organisation may accept it now (it was proposed to them).
    #[serde(skip)]
    pub awaits_us: bool,
}

impl SharingAgreementView {
    /// The other side, as the caller's organisation sees it.
    pub fn partner_name(&self, organisation_id: i32) -> &str {
        if self.organisation_id == organisation_id {
            &self.with_organisation_name
        } else {
            &self.organisation_name
        }
    }

    pub fn data_labels(&self) -> Vec<&'static str> {
        self.data.iter().map(|d| d.label()).collect()
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SharingAgreementPage {
    pub items: Vec<SharingAgreementView>,
    pub total: u64,
    pub next_cursor: Option<String>,
}

/// `GET /sharing-agreements`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SharingAgreementQuery {
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^[0-9]{1,9}$")]
    pub cursor: Option<String>,
    /// How many a page holds (1 to 200; 50 unless given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// Names of the scheme's organisations (a handful).
async fn organisation_names(db: &impl ConnectionTrait) -> Result<HashMap<i32, String>, AppError> {
    Ok(organisations::service::all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

fn view(
    row: sharing_agreement::Model,
    names: &HashMap<i32, String>,
    caller: i32,
    now: DateTime<Utc>,
) -> SharingAgreementView {
    let data = row.data.into_inner();
    let status = status(
        row.accepted_at.is_some(),
        row.ended_at.is_some(),
        row.starts_on,
        row.ends_on,
        today(now),
    );
    SharingAgreementView {
        awaits_us: status == Status::Proposed && row.with_organisation_id == caller,
        id: row.id,
        organisation_id: row.organisation_id,
        organisation_name: names.get(&row.organisation_id).cloned().unwrap_or_default(),
        with_organisation_id: row.with_organisation_id,
        with_organisation_name: names.get(&row.with_organisation_id).cloned().unwrap_or_default(),
        // The column's CHECK allows only these.
        purpose: Purpose::parse(&row.purpose).unwrap_or(Purpose::Training),
        data,
        starts_on: row.starts_on,
        ends_on: row.ends_on,
        lawful_basis: LawfulBasis::parse(&row.lawful_basis).unwrap_or(LawfulBasis::Consent),
        status,
        proposed_at: row.proposed_at,
        accepted_at: row.accepted_at,
        ended_at: row.ended_at,
    }
}

/// The organisation's agreements, newest first.
pub async fn list(
    db: &Db,
    staff: &Staff,
    query: &SharingAgreementQuery,
    now: DateTime<Utc>,
) -> Result<SharingAgreementPage, AppError> {
    staff.require(Action::ViewSharing)?;
    let limit = crate::paging::page_size(query.limit, 50, 200)?;
    let before = crate::paging::id_cursor(query.cursor.as_deref())?;
    let rows = repo::list(&db.read, staff.organisation_id(), before, limit + 1).await?;
    let total = repo::count(&db.read, staff.organisation_id()).await?;
    let (rows, next) = crate::paging::cut_by(rows, limit, |r| r.id.to_string());
    let names = organisation_names(&db.read).await?;
    Ok(SharingAgreementPage {
        items: rows
            .into_iter()
            .map(|r| view(r, &names, staff.organisation_id(), now))
            .collect(),
        total,
        next_cursor: next,
    })
}

/// Agreement `id`, if the caller's organisation is a party to it; else 404, as if not there.
async fn party_to(
    db: &impl ConnectionTrait,
    staff: &Staff,
    id: i32,
) -> Result<sharing_agreement::Model, AppError> {
    repo::find(db, staff.organisation_id(), id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no sharing agreement with id {id}")))
}

/// One agreement the caller's organisation is a party to.
pub async fn get(
    db: &impl ConnectionTrait,
    staff: &Staff,
    id: i32,
    now: DateTime<Utc>,
) -> Result<SharingAgreementView, AppError> {
    staff.require(Action::ViewSharing)?;
    let row = party_to(db, staff, id).await?;
    let names = organisation_names(db).await?;
    Ok(view(row, &names, staff.organisation_id(), now))
}

/// The same event in both organisations' audit logs.
async fn record_both(
    db: &impl ConnectionTrait,
    staff: &Staff,
    row: &sharing_agreement::Model,
    action: AuditAction,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let details = json!({
        "agreement_id": row.id,
        "organisation_id": row.organisation_id,
        "with_organisation_id": row.with_organisation_id,
        "purpose": row.purpose,
        "data": row.data,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "lawful_basis": row.lawful_basis,
    });
    let events = [row.organisation_id, row.with_organisation_id]
        .into_iter()
        .map(|organisation_id| NewEvent {
            organisation_id,
            at: now,
            actor: Actor::Staff(staff),
            entity: EntityRef::Organisation(organisation_id),
            action,
            details: details.clone(),
        })
        .collect();
    audit::insert_many(db, events).await?;
    Ok(())
}

/// Proposes an agreement to another organisation of the scheme (admins).
///
/// # Errors
/// `Forbidden` for all but admins; `Invalid` naming the first field at fault (an unknown
/// organisation, or the caller's own, is `with_organisation_id`).
pub async fn propose(
    db: &Db,
    staff: &Staff,
    request: &SharingAgreementRequest,
    now: DateTime<Utc>,
) -> Result<SharingAgreementView, AppError> {
    staff.require(Action::ManageSharing)?;
    let new = request
        .parse(today(now))
        .map_err(|mut errors| AppError::Invalid(errors.remove(0)))?;
    if new.with_organisation_id == staff.organisation_id() {
        return Err(AppError::invalid(
            "with_organisation_id",
            "choose another organisation: this is your own",
        ));
    }
    if organisations::service::find(&db.read, new.with_organisation_id)
        .await?
        .is_none()
    {
        return Err(AppError::invalid(
            "with_organisation_id",
            format!("there is no organisation with id {}", new.with_organisation_id),
        ));
    }
    let tx = db::begin_write(db).await?;
    let row = repo::insert(
        &tx,
        sharing_agreement::ActiveModel {
            organisation_id: Set(staff.organisation_id()),
            with_organisation_id: Set(new.with_organisation_id),
            purpose: Set(new.purpose.as_str().to_owned()),
            data: Set(new.data.clone().into()),
            starts_on: Set(new.starts_on),
            ends_on: Set(new.ends_on),
            lawful_basis: Set(new.lawful_basis.as_str().to_owned()),
            proposed_by: Set(staff.id()),
            proposed_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    record_both(&tx, staff, &row, AuditAction::SharingProposed, now).await?;
    tx.commit().await?;
    get(&db.write, staff, row.id, now).await
}

/// Accepts a proposal made to the caller's organisation (its admins).
///
/// # Errors
/// `NotFound` for an agreement the organisation is not a party to; `Conflict` `not_proposed`
/// when it is not waiting for this organisation (proposed by it, already accepted, or ended).
pub async fn accept(
    db: &Db,
    staff: &Staff,
    id: i32,
    now: DateTime<Utc>,
) -> Result<SharingAgreementView, AppError> {
    staff.require(Action::ManageSharing)?;
    let tx = db::begin_write(db).await?;
    let row = party_to(&tx, staff, id).await?;
    if row.with_organisation_id != staff.organisation_id() {
        return Err(AppError::Conflict {
            code: "not_proposed",
            message: "your organisation proposed this agreement: the other organisation accepts it".into(),
        });
    }
    if row.ends_on < today(now) || !repo::accept(&tx, staff.organisation_id(), id, staff.id(), now).await? {
        return Err(AppError::Conflict {
            code: "not_proposed",
            message: "this agreement is not waiting to be accepted: it was accepted or has ended".into(),
        });
    }
    record_both(&tx, staff, &row, AuditAction::SharingAccepted, now).await?;
    tx.commit().await?;
    get(&db.write, staff, id, now).await
}

/// Ends an agreement, or withdraws a proposal, at once (either side's admins).
///
/// # Errors
/// `NotFound` for an agreement the organisation is not a party to; `Conflict` `already_ended`.
pub async fn end(
    db: &Db,
    staff: &Staff,
    id: i32,
    now: DateTime<Utc>,
) -> Result<SharingAgreementView, AppError> {
    staff.require(Action::ManageSharing)?;
    let tx = db::begin_write(db).await?;
    let row = party_to(&tx, staff, id).await?;
    if !repo::end(&tx, staff.organisation_id(), id, staff.id(), now).await? {
        return Err(AppError::Conflict {
            code: "already_ended",
            message: "this agreement has already ended".into(),
        });
    }
    record_both(&tx, staff, &row, AuditAction::SharingEnded, now).await?;
    tx.commit().await?;
    get(&db.write, staff, id, now).await
}
