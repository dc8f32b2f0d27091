//! The funder report's kept figures: counting again the devices and people whose rows changed
//! (the database marks them), and reading a period's figures back from a few hundred rows.
//! The report over every hub reads them; a report of some hubs counts the rows themselves.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use super::model::months;
use crate::{
    db::{self, Db},
    entities::loan,
    people::model::BARRIERS,
    reports::{
        model::{
            Period,
            presence::{
                Day, LoanFact, LoanSums, Tally, day_number, day_of, device_tally, distinct, loan_figures,
                person_tally,
            },
        },
        repo::presence as repo,
    },
};

/// How many changed keys one transaction counts again.
const BATCH: u64 = 1000;

/// How many changed devices and people a page counts again before it reads the kept figures;
/// with more than that waiting (a large import a moment ago), it counts the rows themselves.
pub const KEPT_BUDGET: u64 = 5000;

/// What a person added, kept as `(days with a loan out, days at a session, barriers named)`.
type PersonState = (Vec<(Day, Option<Day>)>, Vec<Day>, Vec<String>);

fn unreadable(err: &serde_json::Error) -> DbErr {
    DbErr::Custom(format!("a kept funder figure's state does not read: {err}"))
}

/// Counts again up to `budget` changed keys (every one with `None`), a batch to a transaction.
/// Answers whether the kept figures are now up to date.
///
/// # Errors
/// A database error.
pub async fn refresh(db: &Db, budget: Option<u64>) -> Result<bool, DbErr> {
    let mut left = budget.unwrap_or(u64::MAX);
    while repo::any_dirty(&db.read).await? {
        if left == 0 {
            return Ok(false);
        }
        let tx = db::begin_write(db).await?;
        let keys = repo::take_dirty(&tx, left.min(BATCH)).await?;
        if keys.is_empty() {
            // Every marked key is being changed right now (PostgreSQL): not up to date yet.
            tx.commit().await?;
            return Ok(false);
        }
        let mut groups: BTreeMap<(String, i32), Vec<i32>> = BTreeMap::new();
        for (kind, organisation_id, id) in &keys {
            groups
                .entry((kind.clone(), *organisation_id))
                .or_default()
                .push(*id);
        }
        for ((kind, organisation_id), ids) in groups {
            let counted = match kind.as_str() {
                "device" => count_devices(&tx, organisation_id, &ids).await?,
                _ => count_people(&tx, organisation_id, &ids).await?,
            };
            repo::apply(&tx, organisation_id, &counted).await?;
            repo::clear_dirty(&tx, &kind, organisation_id, &ids).await?;
        }
        tx.commit().await?;
        left = left.saturating_sub(keys.len() as u64);
    }
    Ok(true)
}

/// How many changed keys one sweep counts again.
const SWEEP_BUDGET: u64 = 100_000;

/// The sweep's part: counts what changed since the last, so that a report finds little to do.
pub async fn refresh_tick(db: &Db) {
    if let Err(err) = refresh(db, Some(SWEEP_BUDGET)).await {
        tracing::error!(%err, "counting the funder report's figures failed; will try again");
    }
}

/// Empties the kept figures and counts every device and person again.
///
/// # Errors
/// A database error.
pub async fn rebuild(db: &Db) -> Result<(), DbErr> {
    let tx = db::begin_write(db).await?;
    repo::clear(&tx).await?;
    repo::mark_all(&tx).await?;
    tx.commit().await?;
    refresh(db, None).await?;
    Ok(())
}

/// What `ids` (devices) add now, less what they added before; their states saved.
async fn count_devices(db: &impl ConnectionTrait, organisation_id: i32, ids: &[i32]) -> Result<Tally, DbErr> {
    let mut facts: HashMap<i32, Vec<LoanFact>> = HashMap::new();
    for row in repo::loans_of(db, organisation_id, loan::Column::DeviceId, ids).await? {
        facts.entry(row.device_id).or_default().push(LoanFact::of(&row));
    }
    let mut tally = Tally::default();
    for state in repo::states(db, "device", organisation_id, ids).await?.values() {
        let old: Vec<LoanFact> = serde_json::from_str(state).map_err(|e| unreadable(&e))?;
        tally.merge(&device_tally(&old), -1);
    }
    let mut states = Vec::new();
    for (id, mut loans) in facts {
        loans.sort_unstable_by_key(|f| (f.issued_at, f.issued));
        tally.merge(&device_tally(&loans), 1);
        states.push((id, serde_json::to_string(&loans).map_err(|e| unreadable(&e))?));
    }
    repo::save_states(db, "device", organisation_id, ids, &states).await?;
    Ok(tally)
}

fn person_tally_of(state: &PersonState) -> Tally {
    let barriers: Vec<&str> = state.2.iter().map(String::as_str).collect();
    person_tally(&state.0, &state.1, &barriers)
}

/// As [`count_devices`], for people (borrowers) at the organisation.
async fn count_people(db: &impl ConnectionTrait, organisation_id: i32, ids: &[i32]) -> Result<Tally, DbErr> {
    let named = repo::barriers(db, ids).await?;
    let mut people: HashMap<i32, PersonState> = HashMap::new();
    for row in repo::loans_of(db, organisation_id, loan::Column::BorrowerId, ids).await? {
        people
            .entry(row.borrower_id)
            .or_default()
            .0
            .push(LoanFact::of(&row).days());
    }
    for (id, at) in repo::attended(db, organisation_id, ids).await? {
        people.entry(id).or_default().1.push(day_of(at));
    }
    let mut tally = Tally::default();
    for state in repo::states(db, "person", organisation_id, ids).await?.values() {
        let old: PersonState = serde_json::from_str(state).map_err(|e| unreadable(&e))?;
        tally.merge(&person_tally_of(&old), -1);
    }
    let mut states = Vec::new();
    for (id, mut state) in people {
        // Someone whose record is gone is no longer counted, as the report's own count does.
        let Some(barriers) = named.get(&id) else {
            continue;
        };
        state.0.sort_unstable();
        state.1.sort_unstable();
        state.2 = BARRIERS
            .iter()
            .map(|(code, _)| (*code).to_owned())
            .filter(|code| barriers.contains(code))
            .collect();
        tally.merge(&person_tally_of(&state), 1);
        states.push((id, serde_json::to_string(&state).map_err(|e| unreadable(&e))?));
    }
    repo::save_states(db, "person", organisation_id, ids, &states).await?;
    Ok(tally)
}

/// Loans made on the days `[first, next)`, from `loan_days` rows.
fn made_between(rows: &[(Day, [i64; 10])], first: Day, next: Day) -> u64 {
    let made: i64 = rows
        .iter()
        .filter(|(day, _)| (first..next).contains(day))
        .map(|(_, values)| values[0])
        .sum();
    made.max(0).unsigned_abs()
}

/// Loans made in each of `months` (`[first day, first day of the next)`), over every hub, from
/// the kept figures; `None` while they are catching up.
///
/// # Errors
/// A database error.
pub async fn issued_by_month(
    db: &Db,
    organisation_id: i32,
    months: &[(chrono::NaiveDate, chrono::NaiveDate)],
) -> Result<Option<Vec<u64>>, DbErr> {
    let Some(last) = months.last() else {
        return Ok(Some(Vec::new()));
    };
    if !refresh(db, Some(KEPT_BUDGET)).await? {
        return Ok(None);
    }
    let rows = repo::loan_days(&db.read, organisation_id, day_number(last.1)).await?;
    Ok(Some(
        months
            .iter()
            .map(|(first, next)| made_between(&rows, day_number(*first), day_number(*next)))
            .collect(),
    ))
}

/// The figures of a period over every hub, read from what is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    pub supported: u64,
    pub barriers: [u64; 3],
    pub borrowed: u64,
    pub devices_lent: u64,
    pub issued: u64,
    pub out: u64,
    pub loan_days: f64,
    pub returned: u64,
    pub returned_on_time: u64,
    pub lost: u64,
    /// Loans made in each month of the period, as [`months`] gives them.
    pub monthly: Vec<(chrono::NaiveDate, u64)>,
}

/// The organisation's figures over `period`, counted up to `now`, from the kept figures (which
/// [`refresh`] must have brought up to date).
///
/// # Errors
/// A database error.
pub async fn figures(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    period: Period,
    now: DateTime<Utc>,
) -> Result<Kept, DbErr> {
    let (p, q) = (day_number(period.from), day_number(period.to));
    let barrier_kinds = BARRIERS.map(|(code, _)| format!("barrier:{code}"));
    let mut kinds = vec!["person".to_owned(), "borrower".to_owned(), "device".to_owned()];
    kinds.extend(barrier_kinds.iter().cloned());
    let sums = repo::run_sums(db, organisation_id, &kinds, p, q).await?;
    let count = |kind: &str| {
        sums.get(kind)
            .map_or(0, |(started, ended, gaps)| distinct(*started, *ended, *gaps))
    };
    let rows = repo::loan_days(db, organisation_id, q).await?;
    let mut loan_sums = LoanSums::default();
    for (day, values) in &rows {
        let into = if *day < p {
            &mut loan_sums.before
        } else {
            &mut loan_sums.within
        };
        for (a, b) in into.iter_mut().zip(values) {
            *a += b;
        }
    }
    let (from, to) = period.instants();
    let end = std::cmp::min(to, now);
    let (issued, out, loan_days, returned, returned_on_time, lost) =
        loan_figures(&loan_sums, from.timestamp(), end.timestamp());
    let monthly = months(period.from, period.to)
        .into_iter()
        .map(|(month, start, end)| (month, made_between(&rows, day_of(start), day_of(end))))
        .collect();
    Ok(Kept {
        supported: count("person"),
        barriers: barrier_kinds.map(|kind| count(&kind)),
        borrowed: count("borrower"),
        devices_lent: count("device"),
        issued,
        out,
        loan_days,
        returned,
        returned_on_time,
        lost,
        monthly,
    })
}
