//! Follow-up rows: which loans and gifts are due to be asked, the row written once per loan or
//! gift and day (the partial unique indexes settle two sweeps at once), the answers, and the
//! lists.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TryInsertResult,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};

use super::model::{Answers, FollowUpStatus};
use crate::{
    auth::model::Scope,
    devices::model::DeviceKind,
    entities::{JsonList, device, follow_up, gift, loan},
};

/// How long after its day a follow-up may still be asked: a loan whose day passed longer ago
/// than this (lendhub was not running, or it is older than this feature) is never asked.
pub const LATE_DAYS: i64 = 14;

/// A loan or gift whose day has come.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Due {
    pub organisation_id: i32,
    pub hub_id: i32,
    pub borrower_id: i32,
    pub device_id: i32,
    pub loan_id: Option<i32>,
    pub gift_id: Option<i32>,
}

fn asked(after_days: i32, column: follow_up::Column, of: Expr) -> Expr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(follow_up::Entity)
            .and_where(Expr::col((follow_up::Entity, column)).eq(of))
            .and_where(Expr::col((follow_up::Entity, follow_up::Column::AfterDays)).eq(after_days))
            .to_owned(),
    )
}

/// Loans that began between `after_days` (and `LATE_DAYS` more) days before `now` and have not
/// been asked at that day; at most `limit`.
pub async fn loans_due(
    db: &impl ConnectionTrait,
    after_days: i32,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Due>, DbErr> {
    let day = now - Duration::days(i64::from(after_days));
    loan::Entity::find()
        .select_only()
        .columns([
            loan::Column::OrganisationId,
            loan::Column::HubId,
            loan::Column::BorrowerId,
            loan::Column::DeviceId,
        ])
        .column_as(loan::Column::Id, "loan_id")
        .column_as(Expr::val(Option::<i32>::None), "gift_id")
        .filter(loan::Column::IssuedAt.lte(day))
        .filter(loan::Column::IssuedAt.gt(day - Duration::days(LATE_DAYS)))
        .filter(
            asked(
                after_days,
                follow_up::Column::LoanId,
                Expr::col((loan::Entity, loan::Column::Id)),
            )
            .not(),
        )
        .order_by_asc(loan::Column::IssuedAt)
        .limit(limit)
        .into_model::<Due>()
        .all(db)
        .await
}

/// Gifts made without a loan first, as [`loans_due`].
pub async fn gifts_due(
    db: &impl ConnectionTrait,
    after_days: i32,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Due>, DbErr> {
    let day = now - Duration::days(i64::from(after_days));
    gift::Entity::find()
        .select_only()
        .columns([
            gift::Column::OrganisationId,
            gift::Column::HubId,
            gift::Column::BorrowerId,
            gift::Column::DeviceId,
        ])
        .column_as(Expr::val(Option::<i32>::None), "loan_id")
        .column_as(gift::Column::Id, "gift_id")
        .filter(gift::Column::LoanId.is_null())
        .filter(gift::Column::GivenAt.lte(day))
        .filter(gift::Column::GivenAt.gt(day - Duration::days(LATE_DAYS)))
        .filter(
            asked(
                after_days,
                follow_up::Column::GiftId,
                Expr::col((gift::Entity, gift::Column::Id)),
            )
            .not(),
        )
        .order_by_asc(gift::Column::GivenAt)
        .limit(limit)
        .into_model::<Due>()
        .all(db)
        .await
}

/// Writes the follow-up unless that loan or gift was already asked at that day (by another
/// instance a moment ago): then `None`.
pub async fn insert(
    db: &impl ConnectionTrait,
    row: follow_up::ActiveModel,
) -> Result<Option<follow_up::Model>, DbErr> {
    let key = match &row.loan_id {
        Set(Some(_)) => follow_up::Column::LoanId,
        _ => follow_up::Column::GiftId,
    };
    let result = follow_up::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([key, follow_up::Column::AfterDays])
                .target_and_where(Expr::col(key).is_not_null())
                .do_nothing()
                .to_owned(),
        )
        .try_insert()
        .exec_with_returning(db)
        .await?;
    Ok(match result {
        TryInsertResult::Inserted(row) => Some(row),
        TryInsertResult::Empty | TryInsertResult::Conflicted => None,
    })
}

pub async fn by_key(db: &impl ConnectionTrait, key_hash: &str) -> Result<Option<follow_up::Model>, DbErr> {
    follow_up::Entity::find()
        .filter(follow_up::Column::KeyHash.eq(key_hash))
        .one(db)
        .await
}

fn scoped(scope: &Scope) -> Condition {
    scope.condition(follow_up::Column::OrganisationId, follow_up::Column::HubId)
}

pub async fn find(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i32,
) -> Result<Option<follow_up::Model>, DbErr> {
    follow_up::Entity::find_by_id(id)
        .filter(scoped(scope))
        .one(db)
        .await
}

/// Records the answers if the follow-up is still waiting for them; answers whether it was.
pub async fn save_answers(
    db: &impl ConnectionTrait,
    id: i32,
    answers: &Answers,
    by: Option<i32>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let helped: JsonList<_> = answers.helped_with.clone().into();
    let result = follow_up::Entity::update_many()
        .col_expr(follow_up::Column::Status, Expr::value(FollowUpStatus::Answered))
        .col_expr(follow_up::Column::AnsweredAt, Expr::value(now))
        .col_expr(follow_up::Column::AnsweredBy, Expr::value(by))
        .col_expr(follow_up::Column::StillUsing, Expr::value(answers.still_using))
        .col_expr(follow_up::Column::HowOften, Expr::value(answers.how_often))
        .col_expr(follow_up::Column::HelpedWith, Expr::value(helped))
        .col_expr(follow_up::Column::Confidence, Expr::value(answers.confidence))
        .col_expr(
            follow_up::Column::ConfidenceBefore,
            Expr::value(answers.confidence_before),
        )
        .filter(follow_up::Column::Id.eq(id))
        .filter(follow_up::Column::Status.eq(FollowUpStatus::Asked))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Follow-ups within the scope, by day then id, after `after`; and how many match.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    due_by: Option<NaiveDate>,
    status: Option<FollowUpStatus>,
    after: Option<(NaiveDate, i32)>,
    limit: u64,
) -> Result<(Vec<follow_up::Model>, u64), DbErr> {
    let mut filter = scoped(scope);
    if let Some(due_by) = due_by {
        filter = filter.add(follow_up::Column::DueOn.lte(due_by));
    }
    if let Some(status) = status {
        filter = filter.add(follow_up::Column::Status.eq(status));
    }
    let total = follow_up::Entity::find().filter(filter.clone()).count(db).await?;
    let mut query = follow_up::Entity::find().filter(filter);
    if let Some((due_on, id)) = after {
        query = query.filter(
            Condition::any().add(follow_up::Column::DueOn.gt(due_on)).add(
                follow_up::Column::DueOn
                    .eq(due_on)
                    .and(follow_up::Column::Id.gt(id)),
            ),
        );
    }
    let rows = query
        .order_by_asc(follow_up::Column::DueOn)
        .order_by_asc(follow_up::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// A person's follow-ups within the scope (for their export).
pub async fn of_borrower(
    db: &impl ConnectionTrait,
    scope: &Scope,
    borrower_id: i32,
) -> Result<Vec<follow_up::Model>, DbErr> {
    follow_up::Entity::find()
        .filter(scoped(scope))
        .filter(follow_up::Column::BorrowerId.eq(borrower_id))
        .order_by_asc(follow_up::Column::Id)
        .limit(100)
        .all(db)
        .await
}

/// The kind of device a follow-up asks about.
pub async fn device_kind(
    db: &impl ConnectionTrait,
    row: &follow_up::Model,
) -> Result<Option<DeviceKind>, DbErr> {
    let device_id = match (row.loan_id, row.gift_id) {
        (Some(id), _) => loan::Entity::find_by_id(id).one(db).await?.map(|l| l.device_id),
        (None, Some(id)) => gift::Entity::find_by_id(id).one(db).await?.map(|g| g.device_id),
        (None, None) => None,
    };
    let Some(device_id) = device_id else {
        return Ok(None);
    };
    Ok(device::Entity::find_by_id(device_id)
        .one(db)
        .await?
        .map(|d| d.kind))
}

/// Anonymising: the links stop working. The answers stay, naming nobody, for the figures.
pub async fn forget(db: &impl ConnectionTrait, borrower_ids: &[i32]) -> Result<(), DbErr> {
    follow_up::Entity::update_many()
        .col_expr(follow_up::Column::KeyHash, Expr::value(Option::<String>::None))
        .filter(follow_up::Column::BorrowerId.is_in(borrower_ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}
