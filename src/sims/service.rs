//! Adding SIMs, giving one to a person, listing them, and telling people before their data ends.

use askama::Template;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, SqlErr};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    model::{NewSimRequest, SimStatus, WARN_DAYS},
    repo,
};
use crate::{
    audit::{AuditAction, EntityRef, record},
    auth::{Action, Staff},
    dates::{long_date, today},
    db::{self, Db},
    devices::model::parse_iccid,
    entities::sim,
    error::AppError,
    reminders::{model::ReminderKind, service::Notice},
};

/// A SIM as the API and pages show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SimView {
    pub id: i32,
    pub iccid: String,
    pub network: String,
    pub allowance_gb: i32,
    #[schema(value_type = String, format = Date)]
    pub expires_on: NaiveDate,
    pub batch: Option<String>,
    pub hub_id: Option<i32>,
    pub status: SimStatus,
    pub borrower_id: Option<i32>,
    pub issued_at: Option<DateTime<Utc>>,
}

fn view(row: sim::Model, today: NaiveDate) -> SimView {
    SimView {
        status: SimStatus::of(row.borrower_id.is_some(), row.expires_on, today),
        id: row.id,
        iccid: row.iccid,
        network: row.network,
        allowance_gb: row.allowance_gb,
        expires_on: row.expires_on,
        batch: row.batch,
        hub_id: row.hub_id,
        borrower_id: row.borrower_id,
        issued_at: row.issued_at,
    }
}

/// Records a SIM (admins and coordinators).
pub async fn add(
    db: &Db,
    staff: &Staff,
    request: &NewSimRequest,
    now: DateTime<Utc>,
) -> Result<SimView, AppError> {
    staff.require(Action::ManageDevices)?;
    let new = request
        .parse(today(now))
        .map_err(|mut errors| AppError::Invalid(errors.remove(0)))?;
    if let Some(hub_id) = request.hub_id {
        let known = crate::hubs::service::find_row(&db.read, hub_id)
            .await?
            .is_some_and(|h| h.organisation_id == staff.organisation_id() && staff.sees_hub(hub_id));
        if !known {
            return Err(AppError::invalid(
                "hub_id",
                format!("there is no hub with id {hub_id}"),
            ));
        }
    }
    let tx = db::begin_write(db).await?;
    let row = repo::insert(
        &tx,
        sim::ActiveModel {
            organisation_id: Set(staff.organisation_id()),
            hub_id: Set(request.hub_id),
            iccid: Set(new.iccid.clone()),
            network: Set(new.network),
            allowance_gb: Set(new.allowance_gb),
            expires_on: Set(new.expires_on),
            batch: Set(new.batch),
            created_at: Set(now),
            ..Default::default()
        },
    )
    .await
    .map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code: "iccid_taken",
            message: format!("a SIM with ICCID {} is already recorded", new.iccid),
        },
        _ => err.into(),
    })?;
    let details = json!({"sim_id": row.id, "batch": row.batch});
    let entity = EntityRef::Organisation(staff.organisation_id());
    record(&tx, staff, entity, AuditAction::SimAdded, details, now).await?;
    tx.commit().await?;
    Ok(view(row, today(now)))
}

/// `POST /sims/{id}/issue`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GiveSimRequest {
    #[schema(value_type = i32, required = true)]
    pub borrower_id: Option<i32>,
}

/// Gives SIM `id` to a borrower: once, and only while it has data.
pub async fn give(
    db: &Db,
    staff: &Staff,
    id: i32,
    request: &GiveSimRequest,
    now: DateTime<Utc>,
) -> Result<SimView, AppError> {
    let scope = staff.scope(Action::Lend)?;
    let borrower_id = request
        .borrower_id
        .ok_or_else(|| AppError::invalid("borrower_id", "choose who the SIM is for"))?;
    let row = repo::find(&db.read, &scope, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no SIM with id {id}")))?;
    if row.borrower_id.is_none() && row.expires_on < today(now) {
        return Err(AppError::Conflict {
            code: "sim_expired",
            message: format!("the data on this SIM ended on {}", long_date(row.expires_on)),
        });
    }
    let borrower = crate::people::service::find(&db.read, staff.organisation_id(), borrower_id)
        .await?
        .filter(|b| b.anonymised_at.is_none())
        .ok_or_else(|| {
            AppError::invalid(
                "borrower_id",
                format!("there is no borrower with id {borrower_id}"),
            )
        })?;
    if !borrower.consent_loan {
        return Err(AppError::invalid(
            "borrower_id",
            format!(
                "{} has not agreed to be lent or given anything: record their consent first",
                borrower.name
            ),
        ));
    }
    let tx = db::begin_write(db).await?;
    if !repo::give(&tx, id, borrower.id, staff.id(), now).await? {
        return Err(AppError::Conflict {
            code: "sim_given",
            message: "this SIM has already been given to someone".into(),
        });
    }
    // A SIM given keeps the person's record from retention, as a loan does.
    crate::people::service::set_last_loan(&tx, borrower.id, now).await?;
    let details = json!({"sim_id": id});
    record(
        &tx,
        staff,
        EntityRef::Borrower(borrower.id),
        AuditAction::SimGiven,
        details,
        now,
    )
    .await?;
    tx.commit().await?;
    let row = repo::find(&db.read, &scope, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no SIM with id {id}")))?;
    Ok(view(row, today(now)))
}

/// Gives the SIM with this ICCID (scanned or typed at the counter).
pub async fn give_by_iccid(
    db: &Db,
    staff: &Staff,
    iccid: Option<&str>,
    borrower_id: i32,
    now: DateTime<Utc>,
) -> Result<SimView, AppError> {
    let scope = staff.scope(Action::Lend)?;
    let iccid = parse_iccid("iccid", iccid)?;
    let row = repo::by_iccid(&db.read, &scope, &iccid).await?.ok_or_else(|| {
        AppError::invalid(
            "iccid",
            format!("there is no SIM with ICCID {iccid}: add it first"),
        )
    })?;
    let request = GiveSimRequest {
        borrower_id: Some(borrower_id),
    };
    give(db, staff, row.id, &request, now).await
}

/// `GET /sims`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SimQuery {
    /// `available`, `given` or `expired`.
    #[param(pattern = r"^(available|given|expired)$")]
    pub status: Option<String>,
    pub borrower_id: Option<i32>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^[0-9]{1,9}$")]
    pub cursor: Option<String>,
    /// How many a page holds (1 to 200; 50 unless given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SimPage {
    pub items: Vec<SimView>,
    pub total: u64,
    pub next_cursor: Option<String>,
}

pub async fn list(db: &Db, staff: &Staff, query: &SimQuery, now: DateTime<Utc>) -> Result<SimPage, AppError> {
    let scope = staff.scope(Action::ViewDevices)?;
    let limit = crate::paging::page_size(query.limit, 50, 200)?;
    let status = match query.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(SimStatus::parse(text)?),
    };
    let before = crate::paging::id_cursor(query.cursor.as_deref())?;
    let today = today(now);
    let (rows, total) = repo::list(
        &db.read,
        &scope,
        status,
        query.borrower_id,
        today,
        before,
        limit + 1,
    )
    .await?;
    let (rows, next) = crate::paging::cut_by(rows, limit, |r| r.id.to_string());
    Ok(SimPage {
        items: rows.into_iter().map(|row| view(row, today)).collect(),
        total,
        next_cursor: next,
    })
}

/// A person's SIMs, for their page and their export.
pub async fn of_borrower(
    db: &impl ConnectionTrait,
    staff: &Staff,
    borrower_id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<SimView>, AppError> {
    let rows = repo::of_borrower(db, &staff.scope(Action::ViewBorrowers)?, borrower_id).await?;
    Ok(rows.into_iter().map(|row| view(row, today(now))).collect())
}

#[derive(Template)]
#[template(path = "emails/data_ending.txt")]
struct EndingText<'a> {
    name: &'a str,
    network: &'a str,
    ends: &'a str,
    phone: Option<&'a str>,
    organisation: &'a str,
}

#[derive(Template)]
#[template(path = "emails/data_ending.html")]
struct EndingHtml<'a> {
    subject: &'a str,
    m: &'a EndingText<'a>,
}

/// Tells each person whose SIM's data ends within `WARN_DAYS` of `now`, once, as their consents
/// allow (email, the call list or a letter); answers how many were told.
pub async fn remind_ending(db: &Db, now: DateTime<Utc>) -> Result<u64, AppError> {
    let today = today(now);
    let sims = repo::ending(&db.read, today, today + Duration::days(WARN_DAYS), 500).await?;
    let mut notices = Vec::new();
    for row in sims {
        let Some(borrower_id) = row.borrower_id else {
            continue;
        };
        let Some(borrower) = crate::people::service::find(&db.read, row.organisation_id, borrower_id)
            .await?
            .filter(|b| b.anonymised_at.is_none())
        else {
            continue;
        };
        let organisation = crate::organisations::service::find(&db.read, row.organisation_id).await?;
        let hub = match row.hub_id {
            Some(id) => crate::hubs::service::find_row(&db.read, id).await?,
            None => None,
        };
        let phone = hub
            .and_then(|h| h.phone)
            .or_else(|| organisation.as_ref().and_then(|o| o.phone.clone()));
        let organisation = organisation.map_or_else(|| "us".to_owned(), |o| o.name);
        let ends = long_date(row.expires_on);
        let text = EndingText {
            name: &borrower.name,
            network: &row.network,
            ends: &ends,
            phone: phone.as_deref(),
            organisation: &organisation,
        };
        let subject = format!("The data on your SIM runs out on {ends}");
        let html = EndingHtml {
            subject: &subject,
            m: &text,
        }
        .render()
        .map_err(AppError::internal)?;
        notices.push(Notice {
            organisation_id: row.organisation_id,
            hub_id: row.hub_id,
            borrower_id,
            session_id: None,
            kind: ReminderKind::DataEnding,
            dedupe_key: format!("data_ending:{}", row.id),
            email: borrower.email.clone(),
            phone: borrower.phone.clone(),
            address: borrower.address.clone(),
            prefers_phone: borrower.prefers_phone,
            consents: crate::people::service::consents_of(&borrower),
            text: text.render().map_err(AppError::internal)?,
            subject,
            html,
        });
    }
    if notices.is_empty() {
        return Ok(0);
    }
    let tx = db::begin_write(db).await?;
    let told = crate::reminders::service::notify(&tx, notices, now).await?;
    tx.commit().await?;
    Ok(told.emailed + told.to_call + told.letters)
}

/// One round as `serve` runs it, beside the reminder sweep.
pub async fn ending_tick(db: &Db) {
    match remind_ending(db, Utc::now()).await {
        Ok(0) => {}
        Ok(told) => tracing::info!(told, "people told their SIM's data ends soon"),
        Err(err) => tracing::error!(%err, "telling people their SIM's data ends failed; will try again"),
    }
}
