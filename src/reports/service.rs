//! Exports, one batch at a time: each call reads at most `BATCH` rows after the last id sent, so
//! a download of any size holds one batch in memory. Only roles that report on the scheme
//! (admins and coordinators) may export.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;

use super::model::{
    Report, SessionFacts, Sheet, attendance_row, borrower_row, device_row, loan_row, session_row,
};
use crate::{
    audit::{AuditAction, EntityRef, record},
    auth::{Action, Staff},
    db::Db,
    devices,
    error::AppError,
    hubs, loans, people, training,
};

/// Rows per batch: big enough that the queries are few, small enough that memory stays flat.
pub const BATCH: u64 = 500;

/// Checks the role and records who downloaded what, before the first byte is sent.
///
/// # Errors
/// `Forbidden` for hub staff and trainers.
pub async fn begin(db: &Db, staff: &Staff, report: Report) -> Result<(), AppError> {
    staff.require(Action::Export)?;
    let now = chrono::Utc::now();
    let file = report.file_name(crate::dates::today(now));
    let txn = crate::db::begin_write(db).await?;
    record(
        &txn,
        staff,
        EntityRef::Organisation(staff.organisation_id()),
        AuditAction::Exported,
        serde_json::json!({ "file": file }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The CSV rows after id `after`, and the id to continue from; `None` when there are no more.
///
/// # Errors
/// A database error.
pub async fn batch(
    db: &impl ConnectionTrait,
    staff: &Staff,
    report: Report,
    after: i32,
) -> Result<Option<(Vec<u8>, i32)>, AppError> {
    staff.require(Action::Export)?;
    let organisation = staff.organisation_id();
    let mut sheet = Sheet::default();
    let last = match report {
        Report::Devices => {
            let rows = devices::service::batch_after(db, organisation, after, BATCH).await?;
            let hubs = hub_names(db, organisation).await?;
            for device in &rows {
                sheet.row(device_row(device, name(&hubs, device.hub_id)));
            }
            rows.last().map(|d| d.id)
        }
        Report::Loans => {
            let rows = loans::service::batch_after(db, organisation, after, BATCH).await?;
            let hubs = hub_names(db, organisation).await?;
            let tags: HashMap<i32, String> =
                devices::service::find_many(db, rows.iter().map(|l| l.device_id).collect())
                    .await?
                    .into_iter()
                    .map(|d| (d.id, d.asset_tag))
                    .collect();
            for loan in &rows {
                sheet.row(loan_row(
                    loan,
                    name(&tags, loan.device_id),
                    name(&hubs, loan.hub_id),
                ));
            }
            rows.last().map(|l| l.id)
        }
        Report::Borrowers { pseudonymised } => {
            let rows = people::service::batch_after(db, organisation, after, BATCH).await?;
            for borrower in &rows {
                sheet.row(borrower_row(borrower, pseudonymised));
            }
            rows.last().map(|b| b.id)
        }
        Report::Sessions => {
            let rows = training::service::sessions_after(db, organisation, after, BATCH).await?;
            let names = training::service::Names::load(db, organisation).await?;
            let enrolled =
                training::service::enrolled_counts(db, rows.iter().map(|s| s.id).collect()).await?;
            for session in &rows {
                let facts = SessionFacts {
                    course: name(&names.courses, session.course_id),
                    hub: session.hub_id.map_or("", |id| name(&names.hubs, id)),
                    trainer: session.trainer_id.map_or("", |id| name(&names.staff, id)),
                    enrolled: enrolled.get(&session.id).copied().unwrap_or(0),
                };
                sheet.row(session_row(session, &facts));
            }
            rows.last().map(|s| s.id)
        }
        Report::Attendance => {
            let rows = training::service::enrolments_after(db, organisation, after, BATCH).await?;
            let names = training::service::Names::load(db, organisation).await?;
            let sessions: HashMap<i32, (i32, String)> = training::service::sessions_by_ids(
                db,
                organisation,
                rows.iter().map(|e| e.session_id).collect(),
            )
            .await?
            .into_iter()
            .map(|s| (s.id, (s.course_id, s.starts_at.to_rfc3339())))
            .collect();
            for enrolment in &rows {
                let (course, starts_at) = sessions
                    .get(&enrolment.session_id)
                    .map_or(("", ""), |(course, at)| {
                        (name(&names.courses, *course), at.as_str())
                    });
                sheet.row(attendance_row(enrolment, course, starts_at));
            }
            rows.last().map(|e| e.id)
        }
    };
    Ok(last.map(|last| (sheet.finish(), last)))
}

fn name(names: &HashMap<i32, String>, id: i32) -> &str {
    names.get(&id).map_or("", String::as_str)
}

async fn hub_names(db: &impl ConnectionTrait, organisation: i32) -> Result<HashMap<i32, String>, AppError> {
    Ok(hubs::service::list_rows(db, organisation)
        .await?
        .into_iter()
        .map(|h| (h.id, h.name))
        .collect())
}
