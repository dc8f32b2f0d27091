//! The outbox as admins read it: newest first, by status, searched by subject, address or the
//! borrower's name, a page at a time in either direction, with how many match; and one message
//! whole.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Alias, Expr, ExprTrait, Func, SimpleExpr},
};

use crate::entities::{
    borrower::{self, Entity as Borrower},
    reminder::{self, Entity as Reminder},
};
use crate::reminders::model::ReminderStatus;

/// Which rows of an organisation's outbox.
#[derive(Debug, Clone, Copy)]
pub struct OutboxFilter<'a> {
    pub organisation_id: i32,
    pub status: Option<ReminderStatus>,
    /// Lower-case text found in the subject, the email address or the borrower's name.
    pub q: Option<&'a str>,
}

/// Where a page starts: after the oldest row of the page before, or before the newest of the
/// page after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Older(i32),
    Newer(i32),
}

/// `column` holds `q` (already lower case), on either database: a plain substring test, so no
/// character of `q` is a wildcard.
fn contains(backend: DbBackend, column: impl sea_orm::IntoSimpleExpr, q: &str) -> SimpleExpr {
    let find = match backend {
        DbBackend::Postgres => "strpos",
        _ => "instr",
    };
    Expr::expr(
        Func::cust(Alias::new(find))
            .arg(Func::lower(column.into_simple_expr()))
            .arg(q),
    )
    .gt(0)
}

fn matching(backend: DbBackend, filter: OutboxFilter<'_>) -> sea_orm::Select<Reminder> {
    let mut query = Reminder::find().filter(reminder::Column::OrganisationId.eq(filter.organisation_id));
    if let Some(status) = filter.status {
        query = query.filter(reminder::Column::Status.eq(status));
    }
    if let Some(q) = filter.q {
        let named = Borrower::find()
            .select_only()
            .column(borrower::Column::Id)
            .filter(borrower::Column::OrganisationId.eq(filter.organisation_id))
            .filter(contains(backend, borrower::Column::Name, q))
            .into_query();
        query = query.filter(
            Condition::any()
                .add(contains(backend, reminder::Column::Subject, q))
                .add(contains(backend, reminder::Column::RecipientEmail, q))
                .add(reminder::Column::BorrowerId.in_subquery(named)),
        );
    }
    query
}

/// Up to `limit` matching rows from `from` on (the newest when none), newest first.
pub async fn outbox(
    db: &impl ConnectionTrait,
    filter: OutboxFilter<'_>,
    from: Option<Direction>,
    limit: u64,
) -> Result<Vec<reminder::Model>, DbErr> {
    let query = matching(db.get_database_backend(), filter);
    match from {
        Some(Direction::Newer(id)) => {
            let mut rows = query
                .filter(reminder::Column::Id.gt(id))
                .order_by_asc(reminder::Column::Id)
                .limit(limit)
                .all(db)
                .await?;
            rows.reverse();
            Ok(rows)
        }
        other => {
            let query = match other {
                Some(Direction::Older(id)) => query.filter(reminder::Column::Id.lt(id)),
                _ => query,
            };
            query
                .order_by_desc(reminder::Column::Id)
                .limit(limit)
                .all(db)
                .await
        }
    }
}

/// Whether any matching row lies beyond `id` in `direction`.
pub async fn any_beyond(
    db: &impl ConnectionTrait,
    filter: OutboxFilter<'_>,
    direction: Direction,
) -> Result<bool, DbErr> {
    let query = matching(db.get_database_backend(), filter);
    let query = match direction {
        Direction::Older(id) => query.filter(reminder::Column::Id.lt(id)),
        Direction::Newer(id) => query.filter(reminder::Column::Id.gt(id)),
    };
    Ok(query
        .select_only()
        .column(reminder::Column::Id)
        .limit(1)
        .into_tuple::<i32>()
        .one(db)
        .await?
        .is_some())
}

/// How many rows match.
pub async fn outbox_count(db: &impl ConnectionTrait, filter: OutboxFilter<'_>) -> Result<u64, DbErr> {
    matching(db.get_database_backend(), filter).count(db).await
}

/// One row of the organisation's outbox.
pub async fn outbox_item(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
) -> Result<Option<reminder::Model>, DbErr> {
    Reminder::find_by_id(id)
        .filter(reminder::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await
}

/// The names of these borrowers of the organisation, by id.
pub async fn borrower_names(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    ids: &[i32],
) -> Result<Vec<(i32, String)>, DbErr> {
    Borrower::find()
        .select_only()
        .column(borrower::Column::Id)
        .column(borrower::Column::Name)
        .filter(borrower::Column::OrganisationId.eq(organisation_id))
        .filter(borrower::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await
}

/// Puts a failed email back in the queue, to go at `now`.
pub async fn retry(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = Reminder::update_many()
        .col_expr(reminder::Column::Status, ReminderStatus::Queued.as_str().into())
        .col_expr(reminder::Column::NextAttemptAt, now.into())
        .col_expr(reminder::Column::UpdatedAt, now.into())
        .filter(reminder::Column::Id.eq(id))
        .filter(reminder::Column::OrganisationId.eq(organisation_id))
        .filter(reminder::Column::Status.eq(ReminderStatus::Failed))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Every reminder about one borrower of the organisation, oldest first, at most `limit`.
pub async fn about_borrower(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    borrower_id: i32,
    limit: u64,
) -> Result<Vec<reminder::Model>, DbErr> {
    Reminder::find()
        .filter(reminder::Column::OrganisationId.eq(organisation_id))
        .filter(reminder::Column::BorrowerId.eq(borrower_id))
        .order_by_asc(reminder::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Emails not yet delivered, in every organisation (waiting or being sent), and when the oldest
/// of them was queued: what `/metrics` shows of the outbox.
pub async fn undelivered(db: &impl ConnectionTrait) -> Result<(u64, Option<DateTime<Utc>>), DbErr> {
    let waiting = Reminder::find()
        .filter(reminder::Column::Channel.eq(crate::reminders::model::Channel::Email))
        .filter(reminder::Column::Status.is_in([ReminderStatus::Queued, ReminderStatus::Sending]));
    let count = waiting.clone().count(db).await?;
    let oldest: Option<Option<DateTime<Utc>>> = waiting
        .select_only()
        .column_as(
            Expr::from(Func::min(Expr::col(reminder::Column::CreatedAt))),
            "oldest",
        )
        .into_tuple()
        .one(db)
        .await?;
    Ok((count, oldest.flatten()))
}
