//! Counts for the dashboard and the summary: each one query that an index answers (a group-by
//! over the devices of an organisation, counts of loans by status, due date or issue time, of
//! sessions by start), never rows read into memory to be counted there.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Alias, Expr, ExprTrait, Func, Query},
};

pub mod funder;
pub mod outcomes;
pub mod presence;
pub mod tallies;

use crate::{
    devices::model::{DeviceKind, DeviceStatus},
    entities::{
        device::{self, Entity as Device},
        device_tally::{self, Entity as DeviceTally},
        enrolment::{self, Entity as Enrolment},
        loan::{self, Entity as Loan},
        open_loan_tally::{self, Entity as OpenLoanTally},
        repair::{self, Entity as Repair},
        training_session::{self, Entity as TrainingSession},
    },
    training::model::Attendance,
};

/// How many devices of each (hub, status, kind), from the tallies the database keeps.
pub async fn device_counts(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    hubs: Option<&[i32]>,
) -> Result<Vec<(i32, DeviceStatus, DeviceKind, i64)>, DbErr> {
    let mut query = DeviceTally::find()
        .select_only()
        .column(device_tally::Column::HubId)
        .column(device_tally::Column::Status)
        .column(device_tally::Column::Kind)
        .column(device_tally::Column::N)
        .filter(device_tally::Column::OrganisationId.eq(organisation_id))
        .filter(device_tally::Column::N.gt(0));
    if let Some(hubs) = hubs {
        query = query.filter(device_tally::Column::HubId.is_in(hubs.iter().copied()));
    }
    query.into_tuple().all(db).await
}

fn loans(organisation_id: i32, hubs: Option<&[i32]>) -> sea_orm::Select<Loan> {
    let mut query = Loan::find().filter(loan::Column::OrganisationId.eq(organisation_id));
    if let Some(hubs) = hubs {
        query = query.filter(loan::Column::HubId.is_in(hubs.iter().copied()));
    }
    query
}

/// Open loans, and of them those due before `today`, those due in `[today, week_end]`, and those
/// not signed: sums over the tallies of open loans by due day, one row a day a hub.
pub async fn open_loans(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    hubs: Option<&[i32]>,
    today: NaiveDate,
    week_end: NaiveDate,
) -> Result<OpenLoans, DbErr> {
    let mut query = OpenLoanTally::find()
        .select_only()
        .column(open_loan_tally::Column::DueOn)
        .column(open_loan_tally::Column::N)
        .column(open_loan_tally::Column::Signed)
        .filter(open_loan_tally::Column::OrganisationId.eq(organisation_id))
        .filter(open_loan_tally::Column::N.gt(0));
    if let Some(hubs) = hubs {
        query = query.filter(open_loan_tally::Column::HubId.is_in(hubs.iter().copied()));
    }
    let mut counts = OpenLoans::default();
    for (due_on, n, signed) in query.into_tuple::<(NaiveDate, i64, i64)>().all(db).await? {
        let n = n.unsigned_abs();
        counts.open += n;
        counts.unsigned += n.saturating_sub(signed.unsigned_abs());
        if due_on < today {
            counts.overdue += n;
        } else if due_on <= week_end {
            counts.due_this_week += n;
        }
    }
    Ok(counts)
}

/// Open loans by when they are due and whether they are signed.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenLoans {
    pub open: u64,
    pub overdue: u64,
    pub due_this_week: u64,
    pub unsigned: u64,
}

/// Loans issued in `[from, to)`.
pub async fn issued_between(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    hubs: Option<&[i32]>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<u64, DbErr> {
    loans(organisation_id, hubs)
        .filter(loan::Column::IssuedAt.gte(from))
        .filter(loan::Column::IssuedAt.lt(to))
        .count(db)
        .await
}

pub(super) fn sessions(
    organisation_id: i32,
    hubs: Option<&[i32]>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sea_orm::Select<TrainingSession> {
    let mut query = TrainingSession::find()
        .filter(training_session::Column::OrganisationId.eq(organisation_id))
        .filter(training_session::Column::StartsAt.gte(from))
        .filter(training_session::Column::StartsAt.lt(to))
        // A cancelled session did not happen.
        .filter(training_session::Column::CancelledAt.is_null());
    if let Some(hubs) = hubs {
        query = query.filter(training_session::Column::HubId.is_in(hubs.iter().copied()));
    }
    query
}

/// Sessions starting in `[from, to)`, and how many learners were marked each way in them.
pub async fn training_between(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    hubs: Option<&[i32]>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<(u64, Vec<(Option<Attendance>, i64)>), DbErr> {
    let held = sessions(organisation_id, hubs, from, to).count(db).await?;
    let ids = sessions(organisation_id, hubs, from, to)
        .select_only()
        .column(training_session::Column::Id)
        .into_query();
    let marks = Enrolment::find()
        .select_only()
        .column(enrolment::Column::Attendance)
        .column_as(enrolment::Column::Id.count(), "n")
        .filter(enrolment::Column::SessionId.in_subquery(ids))
        .group_by(enrolment::Column::Attendance)
        .into_tuple()
        .all(db)
        .await?;
    Ok((held, marks))
}

/// The row's device (its `device_id`) is the organisation's, at `hubs`: checked row by row by
/// primary key, so a count costs a lookup per counted row, never a read of every device.
pub(super) fn device_scope(
    device_id: impl sea_orm::sea_query::IntoColumnRef,
    organisation_id: i32,
    hubs: Option<&[i32]>,
) -> Expr {
    let mut query = Query::select();
    query
        .expr(Expr::val(1))
        .from(Device)
        .and_where(Expr::col((Device, device::Column::Id)).equals(device_id))
        .and_where(Expr::col((Device, device::Column::OrganisationId)).eq(organisation_id));
    if let Some(hubs) = hubs {
        query.and_where(Expr::col((Device, device::Column::HubId)).is_in(hubs.iter().copied()));
    }
    Expr::exists(query)
}

/// The organisation's repairs, of devices at `hubs` when given.
pub(super) fn repairs_of(organisation_id: i32, hubs: Option<&[i32]>) -> sea_orm::Select<Repair> {
    let query = Repair::find().filter(repair::Column::OrganisationId.eq(organisation_id));
    match hubs {
        Some(_) => query.filter(device_scope(
            (Repair, repair::Column::DeviceId),
            organisation_id,
            hubs,
        )),
        None => query,
    }
}

/// The sum of repair costs in pence, each taken at most [`crate::money::MAX_PENCE`] (as every cost
/// is checked to be), so no number of rows overflows it; cast back from PostgreSQL's numeric.
fn cost_sum() -> Expr {
    let bounded = Expr::case(
        Expr::col(repair::Column::CostPence).gt(crate::money::MAX_PENCE),
        crate::money::MAX_PENCE,
    )
    .finally(Expr::col(repair::Column::CostPence));
    Func::cast_as(Func::sum(bounded), Alias::new("bigint")).into()
}

/// Repairs open now, and those closed since `since` with their cost in pence (PostgreSQL sums
/// bigints as numeric, so the sum is cast back).
pub async fn repairs(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    hubs: Option<&[i32]>,
    since: DateTime<Utc>,
) -> Result<(u64, u64, i64), DbErr> {
    let of_devices = || repairs_of(organisation_id, hubs);
    let open = of_devices()
        .filter(repair::Column::ClosedAt.is_null())
        .count(db)
        .await?;
    let (closed, cost): (i64, Option<i64>) = of_devices()
        .select_only()
        .column_as(repair::Column::Id.count(), "n")
        .column_as(cost_sum(), "cost")
        .filter(repair::Column::ClosedAt.gte(since))
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((0, None));
    Ok((open, closed.unsigned_abs(), cost.unwrap_or(0)))
}

fn devices(organisation_id: i32, hubs: Option<&[i32]>) -> sea_orm::Select<Device> {
    let mut query = Device::find().filter(device::Column::OrganisationId.eq(organisation_id));
    if let Some(hubs) = hubs {
        query = query.filter(device::Column::HubId.is_in(hubs.iter().copied()));
    }
    query
}

/// Devices in use whose SIM plan ends in `[today, until]`.
pub async fn sims_ending(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    hubs: Option<&[i32]>,
    today: NaiveDate,
    until: NaiveDate,
) -> Result<u64, DbErr> {
    devices(organisation_id, hubs)
        .filter(device::Column::Status.ne(DeviceStatus::Retired))
        .filter(device::Column::SimPlanEndsOn.gte(today))
        .filter(device::Column::SimPlanEndsOn.lte(until))
        .count(db)
        .await
}

/// Devices that have waited for their checks since before `before`.
pub async fn waiting_for_checks(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    hubs: Option<&[i32]>,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    devices(organisation_id, hubs)
        .filter(device::Column::Status.eq(DeviceStatus::AwaitingChecks))
        .filter(device::Column::UpdatedAt.lt(before))
        .count(db)
        .await
}
