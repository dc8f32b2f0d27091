//! The funder report's counts. Each is one query over the rows of the period, found by an index:
//! loans by issue time, return time or open status (`loans_org_issued`, `loans_org_returned`,
//! `loans_org_status_due`), sessions by start, enrolments and scores by session, never a scan of
//! every loan.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
    sea_query::{
        Alias, Condition, Expr, ExprTrait, Func, Order, Query, SelectStatement, SimpleExpr, UnionType,
    },
};

use super::{cost_sum, device_scope, repairs_of, sessions};
use crate::{
    entities::{
        borrower::{self, Entity as Borrower},
        disposal::{self, Entity as Disposal},
        enrolment::{self, Entity as Enrolment},
        loan::{self, Entity as Loan},
        repair,
        skills_score::{self, Entity as SkillsScore},
        training_session::{self, Entity as TrainingSession},
    },
    loans::model::{LoanStatus, RepairOutcome},
    training::model::{Attendance, SkillsArea},
};

/// Whose figures, over which instants: `[from, to)`, counted up to `now` when the period has
/// not ended yet.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub organisation_id: i32,
    pub hubs: Option<&'a [i32]>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

impl Scope<'_> {
    /// Loans the borrower had at some time in the period: issued in it, or issued before it and
    /// still open, or returned or lost after it began. Each branch names the organisation so
    /// that the database answers it from its own index.
    fn loans_out(self) -> Condition {
        let org = || loan::Column::OrganisationId.eq(self.organisation_id);
        let before_end = || loan::Column::IssuedAt.lt(self.to);
        let mut out = Condition::any()
            .add(
                Condition::all()
                    .add(org())
                    .add(loan::Column::IssuedAt.gte(self.from))
                    .add(before_end()),
            )
            .add(
                Condition::all()
                    .add(org())
                    .add(loan::Column::Status.eq(LoanStatus::Open))
                    .add(before_end()),
            )
            .add(
                Condition::all()
                    .add(org())
                    .add(loan::Column::ReturnedAt.gte(self.from))
                    .add(before_end()),
            )
            .add(
                Condition::all()
                    .add(org())
                    .add(loan::Column::Status.eq(LoanStatus::Lost))
                    .add(loan::Column::LostAt.gte(self.from))
                    .add(before_end()),
            );
        if let Some(hubs) = self.hubs {
            out = Condition::all()
                .add(out)
                .add(loan::Column::HubId.is_in(hubs.iter().copied()));
        }
        out
    }

    fn loans(self) -> sea_orm::Select<Loan> {
        let mut query = Loan::find().filter(loan::Column::OrganisationId.eq(self.organisation_id));
        if let Some(hubs) = self.hubs {
            query = query.filter(loan::Column::HubId.is_in(hubs.iter().copied()));
        }
        query
    }

    fn session_ids(self) -> SelectStatement {
        sessions(self.organisation_id, self.hubs, self.from, self.to)
            .select_only()
            .column(training_session::Column::Id)
            .into_query()
    }

    /// Learners marked present or late at the period's sessions.
    fn attended(self) -> sea_orm::Select<Enrolment> {
        Enrolment::find()
            .filter(enrolment::Column::SessionId.in_subquery(self.session_ids()))
            .filter(enrolment::Column::Attendance.is_in([Attendance::Present, Attendance::Late]))
    }
}

/// The loans out in the period: how many, on how many devices, to how many borrowers, and the
/// days they were out within it (from issue or the period's start, to return, loss, the
/// period's end or now, whichever is first).
pub async fn loans_out(db: &impl ConnectionTrait, scope: Scope<'_>) -> Result<(u64, u64, u64, f64), DbErr> {
    let end = std::cmp::min(scope.to, scope.now);
    let days = match db.get_database_backend() {
        DbBackend::Postgres => Expr::cust_with_values(
            // sea-query numbers PostgreSQL's placeholders itself.
            "CAST(SUM(EXTRACT(EPOCH FROM LEAST(COALESCE(returned_at, lost_at, $1), $1) - GREATEST(issued_at, $2))) \
             / 86400 AS double precision)",
            [end, scope.from],
        ),
        _ => Expr::cust_with_values(
            "SUM(julianday(MIN(COALESCE(returned_at, lost_at, ?), ?)) - julianday(MAX(issued_at, ?)))",
            [end, end, scope.from],
        ),
    };
    let (loans, devices, borrowers, days): (i64, i64, i64, Option<f64>) = Loan::find()
        .select_only()
        .column_as(loan::Column::Id.count(), "loans")
        .column_as(Expr::col(loan::Column::DeviceId).count_distinct(), "devices")
        .column_as(Expr::col(loan::Column::BorrowerId).count_distinct(), "borrowers")
        .column_as(days, "days")
        .filter(scope.loans_out())
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or_default();
    Ok((
        loans.unsigned_abs(),
        devices.unsigned_abs(),
        borrowers.unsigned_abs(),
        days.unwrap_or(0.0),
    ))
}

/// `1` when `condition` holds, summed: a count within a group.
pub(super) fn count_where(condition: SimpleExpr) -> SimpleExpr {
    Func::cast_as(
        Func::sum(Expr::case(condition, 1).finally(0)),
        Alias::new("bigint"),
    )
    .into()
}

/// People supported: borrowers with a loan out in the period or at one of its sessions
/// (present or late), and of them how many named each of three barriers (by code).
pub async fn people(
    db: &impl ConnectionTrait,
    scope: Scope<'_>,
    barriers: [&str; 3],
) -> Result<(u64, [u64; 3]), DbErr> {
    let mut ids = Query::select()
        .column(loan::Column::BorrowerId)
        .from(Loan)
        .cond_where(scope.loans_out())
        .to_owned();
    ids.union(
        UnionType::Distinct,
        scope
            .attended()
            .select_only()
            .column(enrolment::Column::BorrowerId)
            .into_query(),
    );
    let named = |code: &str| count_where(Expr::col(borrower::Column::Barriers).like(format!("%\"{code}\"%")));
    let (people, a, b, c): (i64, Option<i64>, Option<i64>, Option<i64>) = Borrower::find()
        .select_only()
        .column_as(borrower::Column::Id.count(), "people")
        .column_as(named(barriers[0]), "a")
        .column_as(named(barriers[1]), "b")
        .column_as(named(barriers[2]), "c")
        .filter(borrower::Column::Id.in_subquery(ids))
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or_default();
    let n = |v: Option<i64>| v.unwrap_or(0).unsigned_abs();
    Ok((people.unsigned_abs(), [n(a), n(b), n(c)]))
}

/// Loans returned in the period, and of them those back by their due date.
pub async fn returned(db: &impl ConnectionTrait, scope: Scope<'_>) -> Result<(u64, u64), DbErr> {
    let (returned, on_time): (i64, Option<i64>) = scope
        .loans()
        .select_only()
        .column_as(loan::Column::Id.count(), "returned")
        .column_as(
            count_where(Expr::col(loan::Column::ReturnedOn).lte(Expr::col(loan::Column::DueOn))),
            "on_time",
        )
        .filter(loan::Column::ReturnedAt.gte(scope.from))
        .filter(loan::Column::ReturnedAt.lt(scope.to))
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or_default();
    Ok((returned.unsigned_abs(), on_time.unwrap_or(0).unsigned_abs()))
}

/// Loans reported lost in the period (and not found since).
pub async fn lost(db: &impl ConnectionTrait, scope: Scope<'_>) -> Result<u64, DbErr> {
    scope
        .loans()
        .filter(loan::Column::Status.eq(LoanStatus::Lost))
        .filter(loan::Column::LostAt.gte(scope.from))
        .filter(loan::Column::LostAt.lt(scope.to))
        .count(db)
        .await
}

/// How many different learners came (present or late) to the period's sessions.
pub async fn learners(db: &impl ConnectionTrait, scope: Scope<'_>) -> Result<u64, DbErr> {
    let n: Option<i64> = scope
        .attended()
        .select_only()
        .column_as(Expr::col(enrolment::Column::BorrowerId).count_distinct(), "n")
        .into_tuple()
        .one(db)
        .await?;
    Ok(n.unwrap_or(0).unsigned_abs())
}

/// Every skills score given at the period's sessions, `(learner, area, score)`, in the order the
/// sessions were held.
pub async fn scores(
    db: &impl ConnectionTrait,
    scope: Scope<'_>,
) -> Result<Vec<(i32, SkillsArea, i32)>, DbErr> {
    let query = Query::select()
        .column((SkillsScore, skills_score::Column::BorrowerId))
        .column((SkillsScore, skills_score::Column::Area))
        .column((SkillsScore, skills_score::Column::Score))
        .from(SkillsScore)
        .inner_join(
            TrainingSession,
            Expr::col((TrainingSession, training_session::Column::Id))
                .equals((SkillsScore, skills_score::Column::SessionId)),
        )
        .and_where(Expr::col((SkillsScore, skills_score::Column::SessionId)).in_subquery(scope.session_ids()))
        .order_by((TrainingSession, training_session::Column::StartsAt), Order::Asc)
        .order_by((SkillsScore, skills_score::Column::Id), Order::Asc)
        .to_owned();
    db.query_all(&query)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get("", "borrower_id")?,
                row.try_get("", "area")?,
                row.try_get("", "score")?,
            ))
        })
        .collect()
}

/// Repairs finished in the period: how many, how many fixed, and their cost in pence.
pub async fn repairs_closed(db: &impl ConnectionTrait, scope: Scope<'_>) -> Result<(u64, u64, i64), DbErr> {
    let (closed, fixed, cost): (i64, Option<i64>, Option<i64>) =
        repairs_of(scope.organisation_id, scope.hubs)
            .select_only()
            .column_as(repair::Column::Id.count(), "closed")
            .column_as(
                count_where(repair::Column::Outcome.eq(RepairOutcome::Fixed)),
                "fixed",
            )
            .column_as(cost_sum(), "cost")
            .filter(repair::Column::ClosedAt.gte(scope.from))
            .filter(repair::Column::ClosedAt.lt(scope.to))
            .into_tuple()
            .one(db)
            .await?
            .unwrap_or_default();
    Ok((
        closed.unsigned_abs(),
        fixed.unwrap_or(0).unsigned_abs(),
        cost.unwrap_or(0),
    ))
}

/// Devices retired in the period, by how they left.
pub async fn retired(db: &impl ConnectionTrait, scope: Scope<'_>) -> Result<Vec<(String, i64)>, DbErr> {
    Disposal::find()
        .select_only()
        .column(disposal::Column::Method)
        .column_as(disposal::Column::Id.count(), "n")
        .filter(device_scope(
            (Disposal, disposal::Column::DeviceId),
            scope.organisation_id,
            scope.hubs,
        ))
        .filter(disposal::Column::RetiredAt.gte(scope.from))
        .filter(disposal::Column::RetiredAt.lt(scope.to))
        .group_by(disposal::Column::Method)
        .order_by_asc(disposal::Column::Method)
        .into_tuple()
        .all(db)
        .await
}
