//! Who retention reaches, holds, and anonymising a borrower's own row.
//!
//! A borrower is due when nothing has happened with them since `before`: created before it, no
//! loan open, none closed (returned or lost) since, no session of theirs starting since (so none
//! in the future), not held and not yet anonymised. The test is one query the database answers
//! from the borrower id and the `loans_borrower` and `enrolments_borrower` indexes.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, JoinType, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, LockBehavior, LockType, Query, SimpleExpr},
};

use crate::entities::{
    borrower::{self, Entity as Borrower},
    enrolment, loan, training_session,
};

/// The text an anonymised borrower's name starts with; their id follows.
pub const FORMER_BORROWER: &str = "Former borrower";

/// Borrowers with a loan open, or closed at or after `before`.
fn recent_loan(before: DateTime<Utc>) -> SimpleExpr {
    let ended = Expr::from(Func::coalesce([
        Expr::col((loan::Entity, loan::Column::ReturnedAt)),
        Expr::col((loan::Entity, loan::Column::LostAt)),
    ]));
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(loan::Entity)
            .and_where(
                Expr::col((loan::Entity, loan::Column::BorrowerId))
                    .equals((borrower::Entity, borrower::Column::Id)),
            )
            .cond_where(
                Condition::any()
                    .add(ended.clone().is_null())
                    .add(ended.gte(before)),
            )
            .to_owned(),
    )
}

/// Borrowers enrolled in a session starting at or after `before`.
fn recent_session(before: DateTime<Utc>) -> SimpleExpr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(enrolment::Entity)
            .inner_join(
                training_session::Entity,
                Expr::col((training_session::Entity, training_session::Column::Id))
                    .equals((enrolment::Entity, enrolment::Column::SessionId)),
            )
            .and_where(
                Expr::col((enrolment::Entity, enrolment::Column::BorrowerId))
                    .equals((borrower::Entity, borrower::Column::Id)),
            )
            .and_where(Expr::col((training_session::Entity, training_session::Column::StartsAt)).gte(before))
            .to_owned(),
    )
}

/// Not anonymised, and nothing has happened with them since `before`; held ones too when
/// `with_held`.
fn quiet_since(before: DateTime<Utc>, with_held: bool) -> Condition {
    let mut condition = Condition::all()
        .add(borrower::Column::AnonymisedAt.is_null())
        .add(borrower::Column::CreatedAt.lt(before))
        .add(recent_loan(before).not())
        .add(recent_session(before).not());
    if !with_held {
        condition = condition.add(borrower::Column::HeldAt.is_null());
    }
    condition
}

/// Up to `limit` ids above `after` of borrowers (of every organisation) due for anonymising,
/// nothing having happened with them since `before`, in id order. On PostgreSQL the rows are
/// locked and rows another run holds are skipped, so two instances share the work.
pub async fn due(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
    after: i32,
    limit: u64,
) -> Result<Vec<i32>, DbErr> {
    Borrower::find()
        .select_only()
        .column(borrower::Column::Id)
        .filter(quiet_since(before, false))
        .filter(borrower::Column::Id.gt(after))
        .order_by_asc(borrower::Column::Id)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .into_tuple()
        .all(db)
        .await
}

/// A page of one organisation's borrowers that a run with `before` would reach, held ones
/// included, after the id `after`; and how many there are in all.
pub async fn due_page(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    before: DateTime<Utc>,
    after: i32,
    limit: u64,
) -> Result<(Vec<borrower::Model>, u64), DbErr> {
    let query = Borrower::find()
        .filter(borrower::Column::OrganisationId.eq(organisation_id))
        .filter(quiet_since(before, true));
    let total = query.clone().count(db).await?;
    let rows = query
        .filter(borrower::Column::Id.gt(after))
        .order_by_asc(borrower::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// A time something may have happened.
type Moment = Option<DateTime<Utc>>;

/// When anything last happened with each of `ids`: their newest loan's end (or its start while
/// open), their newest session's start.
pub async fn last_activity(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<Vec<(i32, Moment, Moment)>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let loans: Vec<(i32, Moment, Moment, Moment)> = loan::Entity::find()
        .select_only()
        .column(loan::Column::BorrowerId)
        .column_as(Expr::from(Func::max(Expr::col(loan::Column::IssuedAt))), "issued")
        .column_as(
            Expr::from(Func::max(Expr::col(loan::Column::ReturnedAt))),
            "returned",
        )
        .column_as(Expr::from(Func::max(Expr::col(loan::Column::LostAt))), "lost")
        .filter(loan::Column::BorrowerId.is_in(ids.iter().copied()))
        .group_by(loan::Column::BorrowerId)
        .into_tuple()
        .all(db)
        .await?;
    let sessions: Vec<(i32, Moment)> = enrolment::Entity::find()
        .select_only()
        .column(enrolment::Column::BorrowerId)
        .column_as(
            Expr::from(Func::max(Expr::col((
                training_session::Entity,
                training_session::Column::StartsAt,
            )))),
            "starts",
        )
        .join(
            JoinType::InnerJoin,
            enrolment::Entity::belongs_to(training_session::Entity)
                .from(enrolment::Column::SessionId)
                .to(training_session::Column::Id)
                .into(),
        )
        .filter(enrolment::Column::BorrowerId.is_in(ids.iter().copied()))
        .group_by(enrolment::Column::BorrowerId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids
        .iter()
        .map(|id| {
            let loan = loans
                .iter()
                .find(|l| l.0 == *id)
                .and_then(|l| Ord::max(l.2, l.3).or(l.1));
            let session = sessions.iter().find(|s| s.0 == *id).and_then(|s| s.1);
            (*id, loan, session)
        })
        .collect())
}

/// Holds a borrower back from retention (or lets them go, with `None`).
pub async fn set_hold(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
    hold: Option<(String, i32, DateTime<Utc>)>,
) -> Result<bool, DbErr> {
    let (reason, by, at) = match hold {
        Some((reason, by, at)) => (Some(reason), Some(by), Some(at)),
        None => (None, None, None),
    };
    let done = Borrower::update_many()
        .col_expr(borrower::Column::HeldAt, Expr::value(at))
        .col_expr(borrower::Column::HoldReason, Expr::value(reason))
        .col_expr(borrower::Column::HeldBy, Expr::value(by))
        .filter(borrower::Column::Id.eq(id))
        .filter(borrower::Column::OrganisationId.eq(organisation_id))
        .filter(borrower::Column::AnonymisedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Anonymises those of `ids` not yet anonymised: the name becomes "Former borrower {id}", every
/// contact detail is cleared. Answers the borrowers it changed, with their organisations.
///
/// The rows are locked as they are read (PostgreSQL), so of two runs reaching the same borrower
/// the second waits and then finds them anonymised already; SQLite's one writer does the same.
pub async fn anonymise(
    db: &impl ConnectionTrait,
    ids: &[i32],
    now: DateTime<Utc>,
) -> Result<Vec<(i32, i32)>, DbErr> {
    let found: Vec<(i32, i32)> = Borrower::find()
        .select_only()
        .column(borrower::Column::Id)
        .column(borrower::Column::OrganisationId)
        .filter(borrower::Column::Id.is_in(ids.iter().copied()))
        .filter(borrower::Column::AnonymisedAt.is_null())
        .lock_exclusive()
        .into_tuple()
        .all(db)
        .await?;
    if found.is_empty() {
        return Ok(found);
    }
    let ids: Vec<i32> = found.iter().map(|(id, _)| *id).collect();
    // SQL both databases read alike: the name is the words and the id.
    let name = Expr::cust(format!("'{FORMER_BORROWER} ' || CAST(\"id\" AS TEXT)"));
    let none: Option<String> = None;
    Borrower::update_many()
        .col_expr(borrower::Column::Name, name)
        .col_expr(borrower::Column::Email, Expr::value(none.clone()))
        .col_expr(borrower::Column::EmailDuplicate, Expr::value(false))
        .col_expr(borrower::Column::Phone, Expr::value(none.clone()))
        .col_expr(borrower::Column::Address, Expr::value(none.clone()))
        .col_expr(borrower::Column::Postcode, Expr::value(none.clone()))
        .col_expr(borrower::Column::PreferredLanguage, Expr::value(none.clone()))
        .col_expr(borrower::Column::AccessibilityNeeds, Expr::value(none.clone()))
        .col_expr(borrower::Column::ReferralSource, Expr::value(none.clone()))
        .col_expr(borrower::Column::HoldReason, Expr::value(none))
        .col_expr(
            borrower::Column::HeldAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(borrower::Column::HeldBy, Expr::value(Option::<i32>::None))
        .col_expr(
            borrower::Column::PartnerBorrowerId,
            Expr::value(Option::<i32>::None),
        )
        .col_expr(borrower::Column::AnonymisedAt, Expr::value(now))
        .col_expr(borrower::Column::UpdatedAt, Expr::value(now))
        .filter(borrower::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(found)
}

/// One of the organisation's borrowers, locked until the transaction ends (PostgreSQL; SQLite's
/// one writer already serialises), so a loan cannot be issued to them while they are erased.
pub async fn find_locked(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
) -> Result<Option<borrower::Model>, DbErr> {
    Borrower::find_by_id(id)
        .filter(borrower::Column::OrganisationId.eq(organisation_id))
        .lock_exclusive()
        .one(db)
        .await
}

/// How many records were anonymised at or after `since` (by a run or an erasure).
pub async fn anonymised_since(db: &impl ConnectionTrait, since: DateTime<Utc>) -> Result<u64, DbErr> {
    Borrower::find()
        .filter(borrower::Column::AnonymisedAt.gte(since))
        .count(db)
        .await
}

/// Rewrites SQLite's search index whole, so no piece of an anonymised name or address is left
/// in its old segments (PostgreSQL's index entries go with the rows' old versions at VACUUM).
pub async fn compact_search(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        db.execute_unprepared("INSERT INTO borrowers_fts(borrowers_fts) VALUES ('optimize')")
            .await?;
    }
    Ok(())
}
