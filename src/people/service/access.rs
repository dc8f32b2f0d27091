//! Who looked: a borrower's record, agreement and export are opened only through here, which
//! writes the look to the access log; admins read the log on the record.

use chrono::{DateTime, Months, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;

use super::{BorrowerView, get, repo};
use crate::{
    auth::{Action, Staff},
    db::Db,
    error::AppError,
    people::model::{ACCESS_LOG_MONTHS, Looked},
};

/// Opens a borrower's record for `staff` to read, writing the look to the access log.
pub async fn open(db: &Db, staff: &Staff, id: i32, now: DateTime<Utc>) -> Result<BorrowerView, AppError> {
    let borrower = get(&db.read, staff, id).await?;
    looked(db, staff, id, Looked::Record, now).await?;
    Ok(borrower)
}

/// Writes that `staff` looked at `what` of borrower `id` (whom the caller has already let them
/// read).
pub async fn looked(
    db: &Db,
    staff: &Staff,
    id: i32,
    what: Looked,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let look = repo::Look {
        organisation_id: staff.organisation_id(),
        borrower_id: id,
        staff_id: staff.id(),
        what,
        agreement_id: None,
        at: now,
    };
    repo::insert_look(&db.write, look).await?;
    Ok(())
}

/// Writes that `staff` looked at `what` of another organisation's borrowers `ids` under `grant`
/// (whom the grant has already let them read), in one statement: each look is the borrower's
/// organisation's, and names the agreement.
pub async fn looked_under(
    db: &Db,
    staff: &Staff,
    grant: &crate::sharing::service::Grant,
    ids: &[i32],
    what: Looked,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let looks = ids
        .iter()
        .map(|&id| repo::Look {
            organisation_id: grant.other_organisation_id(),
            borrower_id: id,
            staff_id: staff.id(),
            what,
            agreement_id: Some(grant.agreement_id()),
            at: now,
        })
        .collect();
    repo::insert_looks(&db.write, looks).await?;
    Ok(())
}

/// Writes that `staff` read, under `grant`, what the other organisation recorded of their own
/// organisation's borrower `id` (a partner's register of them).
pub async fn looked_at_partners_record(
    db: &Db,
    staff: &Staff,
    grant: &crate::sharing::service::Grant,
    id: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let look = repo::Look {
        organisation_id: grant.reader_organisation_id(),
        borrower_id: id,
        staff_id: staff.id(),
        what: Looked::PartnerAttendance,
        agreement_id: Some(grant.agreement_id()),
        at: now,
    };
    repo::insert_look(&db.write, look).await?;
    Ok(())
}

/// One look.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LookView {
    pub at: DateTime<Utc>,
    /// The staff member's name.
    pub staff: String,
    pub staff_id: i32,
    pub what: Looked,
    /// The sharing agreement a look from another organisation was made under.
    pub agreement_id: Option<i32>,
}

/// `GET /borrowers/{id}/access-log`: the newest looks first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccessLogView {
    pub items: Vec<LookView>,
}

/// The most looks the record and the call list.
pub const LOOKS_SHOWN: u64 = 200;

pub async fn access_log(
    db: &impl ConnectionTrait,
    staff: &Staff,
    id: i32,
) -> Result<AccessLogView, AppError> {
    staff.require(Action::ReadAccessLog)?;
    get(db, staff, id).await?;
    let mut names: std::collections::HashMap<i32, String> =
        crate::auth::service::staff_of(db, staff.organisation_id())
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
    let looks = repo::looks(db, id, LOOKS_SHOWN).await?;
    // A partner's staff, who looked under an agreement: named with their organisation's name.
    for look in &looks {
        if look.agreement_id.is_some()
            && !names.contains_key(&look.staff_id)
            && let Some(other) = crate::auth::service::find_staff_by_id(db, look.staff_id).await?
        {
            let organisation = crate::organisations::service::find(db, other.organisation_id)
                .await?
                .map(|o| o.name)
                .unwrap_or_default();
            names.insert(other.id, format!("{} ({organisation})", other.name));
        }
    }
    let items = looks
        .into_iter()
        .filter_map(|look| {
            Some(LookView {
                at: look.at,
                staff: names.get(&look.staff_id).cloned().unwrap_or_default(),
                staff_id: look.staff_id,
                what: Looked::parse(&look.what).ok()?,
                agreement_id: look.agreement_id,
            })
        })
        .collect();
    Ok(AccessLogView { items })
}

/// The daily purge of the access log, as `serve` runs it.
pub async fn purge_access_log_tick(db: &Db) {
    match purge_access_log(db, Utc::now()).await {
        Ok(rows) => tracing::info!(rows, "access log entries past 12 months purged"),
        Err(err) => tracing::error!(%err, "access log purge failed; will try again tomorrow"),
    }
}

/// Deletes looks older than the access log keeps them; how many.
pub async fn purge_access_log(db: &Db, now: DateTime<Utc>) -> Result<u64, AppError> {
    let before = now
        .checked_sub_months(Months::new(ACCESS_LOG_MONTHS))
        .unwrap_or(now);
    Ok(repo::purge_looks(&db.write, before).await?)
}
