//! Retention: every borrower with nothing happening for `LENDHUB_RETENTION_MONTHS` is
//! anonymised, a batch at a time (each its own transaction, so memory stays flat and a second
//! instance running at once takes other rows); and the list admins see of whom it reaches next.

use chrono::{DateTime, Duration, Months, Utc};
use serde::{Deserialize, Serialize};

use super::forgetting::{Why, anonymise};
use crate::{
    auth::{Action, Staff},
    db::{self, Db},
    error::AppError,
    paging, people,
};

/// How many borrowers one transaction anonymises.
pub const BATCH: u64 = 500;

/// How far ahead the admins' list looks.
pub const DUE_WITHIN_DAYS: i64 = 30;

/// The time before which nothing may have happened with a borrower for retention to reach them
/// at `now`.
pub fn cutoff(months: u32, now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(months)).unwrap_or(now)
}

/// Anonymises every borrower due at `now`; how many.
pub async fn run(db: &Db, months: u32, now: DateTime<Utc>) -> Result<usize, AppError> {
    let before = cutoff(months, now);
    // Referrals that never became a borrower, and the emails telling a referrer why, name the
    // person too: they go at the same age.
    let tx = db::begin_write(db).await?;
    crate::referrals::service::forget_before(&tx, before).await?;
    crate::reminders::service::forget_words_before(
        &tx,
        crate::reminders::model::ReminderKind::ReferralDeclined,
        before,
    )
    .await?;
    tx.commit().await?;
    let (mut after, mut total) = (0, 0);
    loop {
        let tx = db::begin_write(db).await?;
        let ids = people::service::due(&tx, before, after, BATCH).await?;
        let Some(&last) = ids.last() else {
            tx.commit().await?;
            // Rewritten once a run, for this run's records and any erased since the last.
            if total > 0 || people::service::anonymised_since(&db.read, now - Duration::days(1)).await? > 0 {
                people::service::compact_search(&db.write).await?;
            }
            return Ok(total);
        };
        total += anonymise(&tx, &ids, &Why::Retention { months }, now).await?;
        tx.commit().await?;
        after = last;
    }
}

/// The daily run, as `serve` makes it.
pub async fn retention_tick(db: &Db, months: u32) {
    match run(db, months, Utc::now()).await {
        Ok(count) => tracing::info!(count, months, "retention: borrowers anonymised"),
        Err(err) => tracing::error!(%err, "retention run failed; will try again tomorrow"),
    }
}

/// `GET /retention/due`: a page of whom retention reaches within 30 days.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^[0-9]{1,10}$")]
    pub cursor: Option<String>,
    /// 1 to 200; 50 unless given.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// One record retention reaches soon.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DueView {
    pub id: i32,
    pub name: String,
    /// When anything last happened with them: a loan ended (or began, while open), a session,
    /// or the record was made.
    pub last_active_at: DateTime<Utc>,
    /// When retention will anonymise the record, unless something happens first.
    pub due_at: DateTime<Utc>,
    pub held: bool,
    pub hold_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DuePage {
    pub items: Vec<DueView>,
    pub next_cursor: Option<String>,
    /// How many records in all, held ones included.
    pub total: u64,
    pub retention_months: u32,
}

/// Whom retention reaches within [`DUE_WITHIN_DAYS`] (those already due included), held
/// records too, in id order (admins).
pub async fn due_soon(
    db: &Db,
    staff: &Staff,
    months: u32,
    query: &DueQuery,
    now: DateTime<Utc>,
) -> Result<DuePage, AppError> {
    staff.require(Action::ManageRetention)?;
    let limit = paging::page_size(query.limit, 50, 200)?;
    let after = match query.cursor.as_deref() {
        None | Some("") => 0,
        Some(text) => text
            .parse::<i32>()
            .map_err(|_| AppError::invalid("cursor", "use the next_cursor of the page before"))?,
    };
    let before = cutoff(months, now + Duration::days(DUE_WITHIN_DAYS));
    let (rows, total) =
        people::service::due_page(&db.read, staff.organisation_id(), before, after, limit + 1).await?;
    let shown = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > shown;
    let rows: Vec<_> = rows.into_iter().take(shown).collect();
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let activity = people::service::last_activity(&db.read, &ids).await?;
    let items = rows
        .into_iter()
        .zip(activity)
        .map(|(row, (_, loan, session))| {
            let last_active_at = [Some(row.created_at), loan, session]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(row.created_at);
            DueView {
                id: row.id,
                name: row.name,
                last_active_at,
                due_at: last_active_at
                    .checked_add_months(Months::new(months))
                    .unwrap_or(last_active_at),
                held: row.held_at.is_some(),
                hold_reason: row.hold_reason,
            }
        })
        .collect::<Vec<_>>();
    let next_cursor = more.then(|| items.last().map(|i| i.id.to_string())).flatten();
    Ok(DuePage {
        items,
        next_cursor,
        total,
        retention_months: months,
    })
}
