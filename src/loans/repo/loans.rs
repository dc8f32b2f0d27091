//! Rows for loans and their extensions: written, found within the caller's scope (another hub's
//! loan is as if it were not there), listed and counted by filter a page at a time, and read by id
//! for an export.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};

use crate::loans::model::LoanStatus;
use crate::{
    auth::model::Scope,
    entities::{
        agreement,
        loan::{self, Entity as Loan},
        loan_extension::{self, Entity as LoanExtension},
    },
};

pub async fn insert_loan(db: &impl ConnectionTrait, row: loan::ActiveModel) -> Result<loan::Model, DbErr> {
    row.insert(db).await
}

/// Writes many loans at once (demo data).
pub async fn insert_many(db: &impl ConnectionTrait, rows: Vec<loan::ActiveModel>) -> Result<(), DbErr> {
    Loan::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

pub async fn update_loan(db: &impl ConnectionTrait, row: loan::ActiveModel) -> Result<loan::Model, DbErr> {
    row.update(db).await
}

/// One loan within the caller's scope: another organisation's, or another hub's for hub staff,
/// is `None` as if it were not there.
pub async fn find_loan(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i32,
) -> Result<Option<loan::Model>, DbErr> {
    Loan::find_by_id(id).filter(scoped(scope)).one(db).await
}

fn scoped(scope: &Scope) -> Condition {
    scope.condition(loan::Column::OrganisationId, loan::Column::HubId)
}

/// Those of `ids` that are loans within the scope.
pub async fn ids_within(db: &impl ConnectionTrait, scope: &Scope, ids: &[i32]) -> Result<Vec<i32>, DbErr> {
    Loan::find()
        .select_only()
        .column(loan::Column::Id)
        .filter(scoped(scope))
        .filter(loan::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await
}

/// The device's open loan within the scope.
pub async fn open_loan_of_device(
    db: &impl ConnectionTrait,
    scope: &Scope,
    device_id: i32,
) -> Result<Option<loan::Model>, DbErr> {
    Loan::find()
        .filter(scoped(scope))
        .filter(loan::Column::DeviceId.eq(device_id))
        .filter(loan::Column::Status.eq(LoanStatus::Open))
        .one(db)
        .await
}

/// The device's most recent loan, whatever its status.
pub async fn last_loan_of_device(
    db: &impl ConnectionTrait,
    device_id: i32,
) -> Result<Option<loan::Model>, DbErr> {
    Loan::find()
        .filter(loan::Column::DeviceId.eq(device_id))
        .order_by_desc(loan::Column::Id)
        .one(db)
        .await
}

/// The device's last hundred loans within the scope, the latest first.
pub async fn loans_of_device(
    db: &impl ConnectionTrait,
    scope: &Scope,
    device_id: i32,
) -> Result<Vec<loan::Model>, DbErr> {
    Loan::find()
        .filter(scoped(scope))
        .filter(loan::Column::DeviceId.eq(device_id))
        .order_by_desc(loan::Column::Id)
        .limit(100)
        .all(db)
        .await
}

/// The borrower's loans within the scope (hub staff: at their hubs only), the latest first.
pub async fn loans_of_borrower(
    db: &impl ConnectionTrait,
    scope: &Scope,
    borrower_id: i32,
) -> Result<Vec<loan::Model>, DbErr> {
    Loan::find()
        .filter(scoped(scope))
        .filter(loan::Column::BorrowerId.eq(borrower_id))
        .order_by_desc(loan::Column::Id)
        .all(db)
        .await
}

/// The open loans of these borrowers (a page of search results at most), the soonest due first.
pub async fn open_of_borrowers(
    db: &impl ConnectionTrait,
    scope: &Scope,
    borrower_ids: &[i32],
) -> Result<Vec<loan::Model>, DbErr> {
    Loan::find()
        .filter(scoped(scope))
        .filter(loan::Column::Status.eq(LoanStatus::Open))
        .filter(loan::Column::BorrowerId.is_in(borrower_ids.iter().copied()))
        .order_by_asc(loan::Column::DueOn)
        .order_by_asc(loan::Column::Id)
        .all(db)
        .await
}

/// Which loans a list holds, beyond the caller's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoanFilter {
    pub status: LoanStatus,
    /// Only loans whose agreement is signed (`true`) or not (`false`).
    pub signed: Option<bool>,
    pub borrower_id: Option<i32>,
    /// Only loans due on or after this date.
    pub due_from: Option<NaiveDate>,
    /// Only loans due before this date (the overdue list: before today).
    pub due_before: Option<NaiveDate>,
}

impl LoanFilter {
    pub fn open() -> Self {
        Self {
            status: LoanStatus::Open,
            signed: None,
            borrower_id: None,
            due_from: None,
            due_before: None,
        }
    }

    fn condition(&self, scope: &Scope) -> Condition {
        let mut condition = scoped(scope).add(loan::Column::Status.eq(self.status));
        if let Some(borrower) = self.borrower_id {
            condition = condition.add(loan::Column::BorrowerId.eq(borrower));
        }
        if let Some(date) = self.due_from {
            condition = condition.add(loan::Column::DueOn.gte(date));
        }
        if let Some(date) = self.due_before {
            condition = condition.add(loan::Column::DueOn.lt(date));
        }
        if let Some(signed) = self.signed {
            let agreement = Query::select()
                .expr(Expr::val(1))
                .from(agreement::Entity)
                .and_where(
                    Expr::col((agreement::Entity, agreement::Column::LoanId))
                        .equals((loan::Entity, loan::Column::Id)),
                )
                .to_owned();
            let exists = Expr::exists(agreement);
            condition = condition.add(if signed { exists } else { exists.not() });
        }
        condition
    }
}

/// The loans within the scope that `filter` holds, the soonest due (or longest overdue) first:
/// up to `limit` of them after the (due date, id) `after` of the page before.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    filter: &LoanFilter,
    after: Option<(NaiveDate, i32)>,
    limit: u64,
) -> Result<Vec<loan::Model>, DbErr> {
    let mut query = Loan::find().filter(filter.condition(scope));
    if let Some((due_on, id)) = after {
        query = query.filter(
            Condition::any().add(loan::Column::DueOn.gt(due_on)).add(
                Condition::all()
                    .add(loan::Column::DueOn.eq(due_on))
                    .add(loan::Column::Id.gt(id)),
            ),
        );
    }
    query
        .order_by_asc(loan::Column::DueOn)
        .order_by_asc(loan::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// How many loans within the scope `filter` holds.
pub async fn count(db: &impl ConnectionTrait, scope: &Scope, filter: &LoanFilter) -> Result<u64, DbErr> {
    Loan::find().filter(filter.condition(scope)).count(db).await
}

/// Which of `loan_ids` have a signed agreement.
pub async fn signed_of(db: &impl ConnectionTrait, loan_ids: &[i32]) -> Result<Vec<i32>, DbErr> {
    agreement::Entity::find()
        .select_only()
        .column(agreement::Column::LoanId)
        .filter(agreement::Column::LoanId.is_in(loan_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await
}

pub async fn insert_extension(
    db: &impl ConnectionTrait,
    row: loan_extension::ActiveModel,
) -> Result<(), DbErr> {
    row.insert(db).await?;
    Ok(())
}

pub async fn extensions_of(
    db: &impl ConnectionTrait,
    loan_id: i32,
) -> Result<Vec<loan_extension::Model>, DbErr> {
    LoanExtension::find()
        .filter(loan_extension::Column::LoanId.eq(loan_id))
        .order_by_asc(loan_extension::Column::Id)
        .all(db)
        .await
}

/// Up to `limit` of the organisation's loans with ids above `after`, by id: one batch of an
/// export.
pub async fn batch_after(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    after: i32,
    limit: u64,
) -> Result<Vec<loan::Model>, DbErr> {
    Loan::find()
        .filter(loan::Column::OrganisationId.eq(organisation_id))
        .filter(loan::Column::Id.gt(after))
        .order_by_asc(loan::Column::Id)
        .limit(limit)
        .all(db)
        .await
}
