//! The funder report's gifts, SIMs and outcomes: gifts and SIMs by the time they were given
//! (`gifts_given`, `sims_issued`), follow-ups by the day they were asked (`follow_ups_due`); each
//! figure one count or average.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, Func},
};

use super::funder::{Scope, count_where};
use crate::{
    dates::today,
    entities::{follow_up, gift, sim},
    follow_ups::model::{FollowUpStatus, Helped},
};

/// Gifts made in the period, and how many of them ended a loan.
pub async fn gifts(db: &impl ConnectionTrait, scope: Scope<'_>) -> Result<(u64, u64), DbErr> {
    let mut query = gift::Entity::find()
        .filter(gift::Column::OrganisationId.eq(scope.organisation_id))
        .filter(gift::Column::GivenAt.gte(scope.from))
        .filter(gift::Column::GivenAt.lt(scope.to));
    if let Some(hubs) = scope.hubs {
        query = query.filter(gift::Column::HubId.is_in(hubs.iter().copied()));
    }
    let (given, after_loan): (i64, Option<i64>) = query
        .select_only()
        .column_as(gift::Column::Id.count(), "given")
        .column_as(count_where(gift::Column::LoanId.is_not_null()), "after_loan")
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or_default();
    Ok((given.unsigned_abs(), after_loan.unwrap_or(0).unsigned_abs()))
}

/// What the period's follow-ups found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutcomeCounts {
    /// Asked by email or phone in the period.
    pub asked: u64,
    pub answered: u64,
    /// Answered at the last point, three months or more after the loan or gift began.
    pub answered_late: u64,
    /// Of those, still using it.
    pub still_using_late: u64,
    /// Answers naming each `Helped`, in `Helped::ALL` order.
    pub helped: Vec<u64>,
    /// Answers giving confidence both before and now, with the averages of each.
    pub confidence_pairs: u64,
    pub confidence_before: Option<f64>,
    pub confidence_after: Option<f64>,
}

/// At and after this many days a follow-up counts as "at three months".
pub const LATE_DAYS: i32 = 84;

/// The period's follow-ups, every figure in one pass over them.
pub async fn outcomes(db: &impl ConnectionTrait, scope: Scope<'_>) -> Result<OutcomeCounts, DbErr> {
    let mut within = Condition::all()
        .add(follow_up::Column::OrganisationId.eq(scope.organisation_id))
        .add(follow_up::Column::DueOn.gte(today(scope.from)))
        .add(follow_up::Column::DueOn.lt(today(scope.to)));
    if let Some(hubs) = scope.hubs {
        within = within.add(follow_up::Column::HubId.is_in(hubs.iter().copied()));
    }
    let answered = || follow_up::Column::Status.eq(FollowUpStatus::Answered);
    let late = || answered().and(follow_up::Column::AfterDays.gte(LATE_DAYS));
    let paired = || {
        answered()
            .and(follow_up::Column::Confidence.is_not_null())
            .and(follow_up::Column::ConfidenceBefore.is_not_null())
    };
    let average = |column: follow_up::Column| -> Expr {
        Func::avg(Expr::case(paired(), Expr::col(column).cast_as("float")).finally(Expr::null())).into()
    };
    let mut query = follow_up::Entity::find()
        .select_only()
        .column_as(
            count_where(follow_up::Column::Status.ne(FollowUpStatus::NotAsked)),
            "asked",
        )
        .column_as(count_where(answered()), "answered")
        .column_as(count_where(late()), "late")
        .column_as(
            count_where(late().and(follow_up::Column::StillUsing.eq(true))),
            "still_using",
        )
        .column_as(count_where(paired()), "pairs")
        .column_as(average(follow_up::Column::ConfidenceBefore), "before")
        .column_as(average(follow_up::Column::Confidence), "after");
    for (i, area) in Helped::ALL.iter().enumerate() {
        // The list is stored as a JSON array of codes, each quoted.
        let named = follow_up::Column::HelpedWith.like(format!("%\"{}\"%", area.as_str()));
        query = query.column_as(count_where(answered().and(named)), format!("helped_{i}"));
    }
    let statement = query.filter(within).build(db.get_database_backend());
    let Some(row) = db.query_one_raw(statement).await? else {
        return Ok(OutcomeCounts::default());
    };
    let n = |key: &str| -> Result<u64, DbErr> {
        Ok(row.try_get::<Option<i64>>("", key)?.unwrap_or(0).unsigned_abs())
    };
    Ok(OutcomeCounts {
        asked: n("asked")?,
        answered: n("answered")?,
        answered_late: n("late")?,
        still_using_late: n("still_using")?,
        helped: (0..Helped::ALL.len())
            .map(|i| n(&format!("helped_{i}")))
            .collect::<Result<_, _>>()?,
        confidence_pairs: n("pairs")?,
        confidence_before: row.try_get("", "before")?,
        confidence_after: row.try_get("", "after")?,
    })
}

/// "People connected": different people given a SIM in the period, and the SIMs given.
pub async fn connected(db: &impl ConnectionTrait, scope: Scope<'_>) -> Result<(u64, u64), DbErr> {
    let mut query = sim::Entity::find()
        .select_only()
        .column_as(Expr::col(sim::Column::BorrowerId).count_distinct(), "people")
        .column_as(sim::Column::Id.count(), "sims")
        .filter(sim::Column::OrganisationId.eq(scope.organisation_id))
        .filter(sim::Column::IssuedAt.gte(scope.from))
        .filter(sim::Column::IssuedAt.lt(scope.to));
    if let Some(hubs) = scope.hubs {
        // A SIM of no hub is every hub's.
        query = query.filter(
            Condition::any()
                .add(sim::Column::HubId.is_null())
                .add(sim::Column::HubId.is_in(hubs.iter().copied())),
        );
    }
    let (people, sims): (i64, i64) = query.into_tuple().one(db).await?.unwrap_or_default();
    Ok((people.unsigned_abs(), sims.unsigned_abs()))
}
