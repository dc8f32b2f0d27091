//! The funder report's kept figures (`presence_days`, `presence_gaps`, `loan_days`), the keys
//! whose rows changed since they were last counted (`presence_dirty`, marked by triggers), and
//! what each key last added (`presence`), so that counting it again first takes that away.

use std::{collections::HashMap, fmt::Write as _};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, JoinType, QueryFilter, QuerySelect,
    Statement, Value,
};

use crate::{
    entities::{
        borrower::{self, Entity as Borrower},
        enrolment::{self, Entity as Enrolment},
        loan::{self, Entity as Loan},
        training_session::{self, Entity as TrainingSession},
    },
    reports::model::presence::{Cell, Day, LOAN_COLUMNS, Tally},
    training::model::Attendance,
};

/// `sql` with `?` placeholders, numbered for PostgreSQL.
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => {
            let mut numbered = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    let _ = write!(numbered, "${n}");
                } else {
                    numbered.push(c);
                }
            }
            numbered
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// `n` placeholders: `?, ?, ?`.
fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// A key whose rows changed: `("device" | "person", organisation, device or borrower id)`.
pub type Key = (String, i32, i32);

pub async fn any_dirty(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    Ok(db
        .query_one_raw(statement(backend, "SELECT 1 FROM presence_dirty LIMIT 1", vec![]))
        .await?
        .is_some())
}

/// Up to `limit` changed keys, in key order. On PostgreSQL, keys a transaction still writing has
/// marked are left for the next time (they are locked until it commits), and refreshers take
/// turns (an advisory lock), so two never count one key at once.
pub async fn take_dirty(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<Key>, DbErr> {
    let backend = db.get_database_backend();
    let lock = if backend == DbBackend::Postgres {
        db.execute_raw(statement(
            backend,
            "SELECT pg_advisory_xact_lock(7270016)",
            vec![],
        ))
        .await?;
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "SELECT kind, organisation_id, key_id FROM presence_dirty \
         ORDER BY kind, organisation_id, key_id LIMIT ?{lock}"
    );
    let rows = db
        .query_all_raw(statement(backend, &sql, vec![limit.into()]))
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get_by_index(0)?,
                row.try_get_by_index(1)?,
                row.try_get_by_index(2)?,
            ))
        })
        .collect()
}

pub async fn clear_dirty(
    db: &impl ConnectionTrait,
    kind: &str,
    organisation_id: i32,
    ids: &[i32],
) -> Result<(), DbErr> {
    let sql = format!(
        "DELETE FROM presence_dirty WHERE kind = ? AND organisation_id = ? AND key_id IN ({})",
        marks(ids.len())
    );
    let mut values: Vec<Value> = vec![kind.into(), organisation_id.into()];
    values.extend(ids.iter().map(|id| Value::from(*id)));
    db.execute_raw(statement(db.get_database_backend(), &sql, values))
        .await?;
    Ok(())
}

/// Marks every key with a loan or an attendance as changed (for a count from the start).
pub async fn mark_all(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    for sql in migration::PRESENCE_MARK_ALL {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

/// Empties the kept figures and what each key added.
pub async fn clear(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    for table in ["presence", "presence_days", "presence_gaps", "loan_days"] {
        db.execute_unprepared(&format!("DELETE FROM {table}")).await?;
    }
    Ok(())
}

/// The loans of `ids` (devices or borrowers, by `column`) at the organisation. Found by `column`
/// alone and kept to the organisation here: asked for both, SQLite walks every loan of the
/// organisation instead.
pub async fn loans_of(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    column: loan::Column,
    ids: &[i32],
) -> Result<Vec<loan::Model>, DbErr> {
    let mut loans = Loan::find()
        .filter(column.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    loans.retain(|loan| loan.organisation_id == organisation_id);
    Ok(loans)
}

/// `(borrower, session start)` for each time one of `ids` came (present or late) to one of the
/// organisation's sessions that was not cancelled.
pub async fn attended(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    ids: &[i32],
) -> Result<Vec<(i32, DateTime<Utc>)>, DbErr> {
    Enrolment::find()
        .select_only()
        .column(enrolment::Column::BorrowerId)
        .column(training_session::Column::StartsAt)
        .join(
            JoinType::InnerJoin,
            Enrolment::belongs_to(TrainingSession)
                .from(enrolment::Column::SessionId)
                .to(training_session::Column::Id)
                .into(),
        )
        .filter(training_session::Column::OrganisationId.eq(organisation_id))
        .filter(training_session::Column::CancelledAt.is_null())
        .filter(enrolment::Column::Attendance.is_in([Attendance::Present, Attendance::Late]))
        .filter(enrolment::Column::BorrowerId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await
}

/// The barriers each of `ids` named (people whose record is gone are absent).
pub async fn barriers(db: &impl ConnectionTrait, ids: &[i32]) -> Result<HashMap<i32, Vec<String>>, DbErr> {
    let rows: Vec<(i32, crate::entities::JsonList)> = Borrower::find()
        .select_only()
        .column(borrower::Column::Id)
        .column(borrower::Column::Barriers)
        .filter(borrower::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, list)| (id, list.into_inner()))
        .collect())
}

/// What each of `ids` added last time it was counted.
pub async fn states(
    db: &impl ConnectionTrait,
    kind: &str,
    organisation_id: i32,
    ids: &[i32],
) -> Result<HashMap<i32, String>, DbErr> {
    let sql = format!(
        "SELECT key_id, state FROM presence WHERE kind = ? AND organisation_id = ? AND key_id IN ({})",
        marks(ids.len())
    );
    let mut values: Vec<Value> = vec![kind.into(), organisation_id.into()];
    values.extend(ids.iter().map(|id| Value::from(*id)));
    let rows = db
        .query_all_raw(statement(db.get_database_backend(), &sql, values))
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get_by_index(0)?, row.try_get_by_index(1)?)))
        .collect()
}

/// Replaces what `ids` added with `states` (a key with none is left out).
pub async fn save_states(
    db: &impl ConnectionTrait,
    kind: &str,
    organisation_id: i32,
    ids: &[i32],
    states: &[(i32, String)],
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let sql = format!(
        "DELETE FROM presence WHERE kind = ? AND organisation_id = ? AND key_id IN ({})",
        marks(ids.len())
    );
    let mut values: Vec<Value> = vec![kind.into(), organisation_id.into()];
    values.extend(ids.iter().map(|id| Value::from(*id)));
    db.execute_raw(statement(backend, &sql, values)).await?;
    for chunk in states.chunks(200) {
        let sql = format!(
            "INSERT INTO presence (kind, organisation_id, key_id, state) VALUES {}",
            vec!["(?, ?, ?, ?)"; chunk.len()].join(", ")
        );
        let values = chunk
            .iter()
            .flat_map(|(id, state)| {
                [
                    kind.into(),
                    organisation_id.into(),
                    (*id).into(),
                    state.clone().into(),
                ]
            })
            .collect();
        db.execute_raw(statement(backend, &sql, values)).await?;
    }
    Ok(())
}

/// Adds `tally` to the organisation's kept figures.
pub async fn apply(db: &impl ConnectionTrait, organisation_id: i32, tally: &Tally) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let mut cells: Vec<_> = tally.0.iter().collect();
    cells.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let (mut runs, mut gaps, mut loans) = (Vec::new(), Vec::new(), Vec::new());
    for (cell, v) in cells {
        match cell {
            Cell::Runs { kind, day } => runs.extend::<[Value; 5]>([
                kind.clone().into(),
                organisation_id.into(),
                (*day).into(),
                v[0].into(),
                v[1].into(),
            ]),
            Cell::Gap { kind, after, before } => gaps.extend::<[Value; 5]>([
                kind.clone().into(),
                organisation_id.into(),
                (*after).into(),
                (*before).into(),
                v[0].into(),
            ]),
            Cell::Loans { day } => {
                loans.extend::<[Value; 2]>([organisation_id.into(), (*day).into()]);
                loans.extend(v.iter().map(|n| Value::from(*n)));
            }
        }
    }
    let loan_columns = LOAN_COLUMNS.join(", ");
    let loan_sums = LOAN_COLUMNS
        .iter()
        .map(|c| format!("{c} = loan_days.{c} + excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let tables = [
        (
            runs,
            5,
            "INSERT INTO presence_days (kind, organisation_id, day, starts, ends) VALUES ".to_owned(),
            " ON CONFLICT (organisation_id, kind, day) DO UPDATE SET \
             starts = presence_days.starts + excluded.starts, ends = presence_days.ends + excluded.ends"
                .to_owned(),
        ),
        (
            gaps,
            5,
            "INSERT INTO presence_gaps (kind, organisation_id, after_day, before_day, n) VALUES ".to_owned(),
            " ON CONFLICT (organisation_id, kind, after_day, before_day) DO UPDATE SET \
             n = presence_gaps.n + excluded.n"
                .to_owned(),
        ),
        (
            loans,
            12,
            format!("INSERT INTO loan_days (organisation_id, day, {loan_columns}) VALUES "),
            format!(" ON CONFLICT (organisation_id, day) DO UPDATE SET {loan_sums}"),
        ),
    ];
    for (values, width, head, tail) in tables {
        let row = format!("({})", marks(width));
        for chunk in values.chunks(width * 150) {
            let sql = format!(
                "{head}{}{tail}",
                vec![row.as_str(); chunk.len() / width].join(", ")
            );
            db.execute_raw(statement(backend, &sql, chunk.to_vec())).await?;
        }
    }
    Ok(())
}

/// For each of `kinds`: runs started by day `q`, runs ended before day `p`, and gaps wholly
/// inside `[p, q]`.
pub async fn run_sums(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    kinds: &[String],
    p: Day,
    q: Day,
) -> Result<HashMap<String, (i64, i64, i64)>, DbErr> {
    let backend = db.get_database_backend();
    let mut sums: HashMap<String, (i64, i64, i64)> = kinds.iter().map(|k| (k.clone(), (0, 0, 0))).collect();
    let kind_values = || kinds.iter().map(|k| Value::from(k.clone()));
    let sql = format!(
        "SELECT kind, CAST(SUM(starts) AS BIGINT), CAST(SUM(CASE WHEN day < ? THEN ends ELSE 0 END) AS BIGINT) \
         FROM presence_days WHERE organisation_id = ? AND kind IN ({}) AND day <= ? GROUP BY kind",
        marks(kinds.len())
    );
    let mut values: Vec<Value> = vec![p.into(), organisation_id.into()];
    values.extend(kind_values());
    values.push(q.into());
    for row in db.query_all_raw(statement(backend, &sql, values)).await? {
        let kind: String = row.try_get_by_index(0)?;
        if let Some(sum) = sums.get_mut(&kind) {
            sum.0 = row.try_get_by_index(1)?;
            sum.1 = row.try_get_by_index(2)?;
        }
    }
    let sql = format!(
        "SELECT kind, CAST(SUM(n) AS BIGINT) FROM presence_gaps WHERE organisation_id = ? \
         AND kind IN ({}) AND after_day >= ? AND before_day <= ? GROUP BY kind",
        marks(kinds.len())
    );
    let mut values: Vec<Value> = vec![organisation_id.into()];
    values.extend(kind_values());
    values.extend([Value::from(p), Value::from(q)]);
    for row in db.query_all_raw(statement(backend, &sql, values)).await? {
        let kind: String = row.try_get_by_index(0)?;
        if let Some(sum) = sums.get_mut(&kind) {
            sum.2 = row.try_get_by_index(1)?;
        }
    }
    Ok(sums)
}

/// The organisation's `loan_days` rows up to day `q`: `(day, [LOAN_COLUMNS])`, oldest first.
pub async fn loan_days(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    q: Day,
) -> Result<Vec<(Day, [i64; 10])>, DbErr> {
    let sql = format!(
        "SELECT day, {} FROM loan_days WHERE organisation_id = ? AND day <= ? ORDER BY day",
        LOAN_COLUMNS.join(", ")
    );
    let rows = db
        .query_all_raw(statement(
            db.get_database_backend(),
            &sql,
            vec![organisation_id.into(), q.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let mut v = [0; 10];
            for (i, slot) in v.iter_mut().enumerate() {
                *slot = row.try_get_by_index(i + 1)?;
            }
            Ok((row.try_get_by_index(0)?, v))
        })
        .collect()
}
