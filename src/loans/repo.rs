//! Rows for loans, extensions, checks, repairs and disposals, and the device status change that
//! goes with each transition.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};

use super::model::LoanStatus;
use crate::{
    auth::model::Scope,
    devices::model::{AssetTag, DeviceStatus},
    entities::{
        agreement,
        device::{self, Entity as Device},
        device_check, disposal,
        loan::{self, Entity as Loan},
        loan_extension::{self, Entity as LoanExtension},
        repair::{self, Entity as Repair},
    },
};

/// The device, locked for the rest of the transaction on PostgreSQL (SQLite's `BEGIN IMMEDIATE`
/// already holds the only write lock).
pub async fn lock_device(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    tag: &AssetTag,
) -> Result<Option<device::Model>, DbErr> {
    let query = Device::find()
        .filter(device::Column::AssetTag.eq(tag.as_str()))
        .filter(device::Column::OrganisationId.eq(organisation_id));
    if db.get_database_backend() == DbBackend::Postgres {
        query.lock_exclusive().one(db).await
    } else {
        query.one(db).await
    }
}

pub async fn lock_device_by_id(db: &impl ConnectionTrait, id: i32) -> Result<Option<device::Model>, DbErr> {
    let query = Device::find_by_id(id);
    if db.get_database_backend() == DbBackend::Postgres {
        query.lock_exclusive().one(db).await
    } else {
        query.one(db).await
    }
}

/// Replaces the accessories a device has (the checks found some missing).
pub async fn set_accessories(
    db: &impl ConnectionTrait,
    device_id: i32,
    accessories: Vec<String>,
) -> Result<(), DbErr> {
    Device::update_many()
        .col_expr(
            device::Column::Accessories,
            sea_orm::sea_query::Expr::value(crate::entities::JsonList::from(accessories)),
        )
        .filter(device::Column::Id.eq(device_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Makes `hub_id` the device's home (it came back there).
pub async fn set_home_hub(db: &impl ConnectionTrait, device_id: i32, hub_id: i32) -> Result<(), DbErr> {
    Device::update_many()
        .col_expr(device::Column::HubId, sea_orm::sea_query::Expr::value(hub_id))
        .filter(device::Column::Id.eq(device_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Moves a device from `from` to `to`, only if it is still in `from`. Returns whether it moved.
pub async fn set_status(
    db: &impl ConnectionTrait,
    device_id: i32,
    from: DeviceStatus,
    to: DeviceStatus,
    condition: Option<crate::devices::model::Condition>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = Device::update_many()
        .col_expr(device::Column::Status, sea_orm::sea_query::Expr::value(to))
        .col_expr(device::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now));
    if let Some(condition) = condition {
        update = update.col_expr(
            device::Column::Condition,
            sea_orm::sea_query::Expr::value(condition),
        );
    }
    let result = update
        .filter(device::Column::Id.eq(device_id))
        .filter(device::Column::Status.eq(from))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn insert_loan(db: &impl ConnectionTrait, row: loan::ActiveModel) -> Result<loan::Model, DbErr> {
    row.insert(db).await
}

/// Writes many loans at once (demo data).
pub async fn insert_many(db: &impl ConnectionTrait, rows: Vec<loan::ActiveModel>) -> Result<(), DbErr> {
    Loan::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

/// Up to `limit` available devices of an organisation, by id: (id, hub) (demo data).
pub async fn available_devices(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    limit: u64,
) -> Result<Vec<(i32, i32)>, DbErr> {
    Device::find()
        .select_only()
        .column(device::Column::Id)
        .column(device::Column::HubId)
        .filter(device::Column::OrganisationId.eq(organisation_id))
        .filter(device::Column::Status.eq(DeviceStatus::Available))
        .order_by_asc(device::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// Marks devices on loan (demo data; real loans go through `set_status`).
pub async fn mark_on_loan(db: &impl ConnectionTrait, ids: Vec<i32>, now: DateTime<Utc>) -> Result<(), DbErr> {
    Device::update_many()
        .col_expr(device::Column::Status, DeviceStatus::OnLoan.as_str().into())
        .col_expr(device::Column::UpdatedAt, now.into())
        .filter(device::Column::Id.is_in(ids))
        .exec(db)
        .await?;
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

pub async fn insert_check(db: &impl ConnectionTrait, row: device_check::ActiveModel) -> Result<(), DbErr> {
    row.insert(db).await?;
    Ok(())
}

pub async fn insert_repair(
    db: &impl ConnectionTrait,
    row: repair::ActiveModel,
) -> Result<repair::Model, DbErr> {
    row.insert(db).await
}

pub async fn find_repair(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
) -> Result<Option<repair::Model>, DbErr> {
    Repair::find_by_id(id)
        .filter(repair::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await
}

pub async fn repairs_of_device(
    db: &impl ConnectionTrait,
    device_id: i32,
) -> Result<Vec<repair::Model>, DbErr> {
    Repair::find()
        .filter(repair::Column::DeviceId.eq(device_id))
        .order_by_desc(repair::Column::Id)
        .all(db)
        .await
}

pub async fn update_repair(
    db: &impl ConnectionTrait,
    row: repair::Model,
    outcome: repair::ActiveModel,
) -> Result<repair::Model, DbErr> {
    let mut active = row.into_active_model();
    active.outcome = outcome.outcome;
    active.cost_pence = outcome.cost_pence;
    active.notes = outcome.notes;
    active.closed_by = outcome.closed_by;
    active.closed_at = outcome.closed_at;
    active.update(db).await
}

pub async fn insert_disposal(db: &impl ConnectionTrait, row: disposal::ActiveModel) -> Result<(), DbErr> {
    row.insert(db).await?;
    Ok(())
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
