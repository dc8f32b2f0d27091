//! The weekly digest's recipients and figures, and the dedupe keys it has written already.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::loan_device;
use crate::{
    auth::model::Role,
    devices::model::DeviceStatus,
    entities::{
        device::{self, Entity as Device},
        loan::{self, Entity as Loan},
        reminder::{self},
        staff_user::{self, Entity as StaffUser},
    },
    loans::model::LoanStatus,
};

/// Who gets the weekly digest: an organisation's active coordinators, or its admins if it has
/// none.
pub async fn digest_recipients(
    db: &impl ConnectionTrait,
    organisation_id: i32,
) -> Result<Vec<staff_user::Model>, DbErr> {
    let staff = StaffUser::find()
        .filter(staff_user::Column::OrganisationId.eq(organisation_id))
        .filter(staff_user::Column::Active.eq(true))
        .order_by_asc(staff_user::Column::Id)
        .all(db)
        .await?;
    let coordinators: Vec<_> = staff
        .iter()
        .filter(|s| s.role == Role::Coordinator)
        .cloned()
        .collect();
    Ok(if coordinators.is_empty() {
        staff.into_iter().filter(|s| s.role == Role::Admin).collect()
    } else {
        coordinators
    })
}

/// A device line in the digest.
#[derive(Debug, Clone, FromQueryResult)]
pub struct DigestDevice {
    pub asset_tag: String,
    pub hub_id: i32,
    pub date: Option<NaiveDate>,
    pub since: Option<DateTime<Utc>>,
    pub network: Option<String>,
}

/// Open loans past their due date: (tag, hub, due date).
pub async fn overdue_loans(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    today: NaiveDate,
) -> Result<Vec<DigestDevice>, DbErr> {
    Loan::find()
        .select_only()
        .column(device::Column::AssetTag)
        .column(loan::Column::HubId)
        .column_as(loan::Column::DueOn, "date")
        .column_as(loan::Column::IssuedAt, "since")
        .column_as(device::Column::SimNetwork, "network")
        .join(JoinType::InnerJoin, loan_device())
        .filter(loan::Column::OrganisationId.eq(organisation_id))
        .filter(loan::Column::Status.eq(LoanStatus::Open))
        .filter(loan::Column::DueOn.lt(today))
        .order_by_asc(loan::Column::DueOn)
        .limit(500)
        .into_model()
        .all(db)
        .await
}

/// SIM plans ending from `today` to `until`.
pub async fn sim_plans_ending(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    today: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<DigestDevice>, DbErr> {
    Device::find()
        .select_only()
        .column(device::Column::AssetTag)
        .column(device::Column::HubId)
        .column_as(device::Column::SimPlanEndsOn, "date")
        .column_as(device::Column::UpdatedAt, "since")
        .column_as(device::Column::SimNetwork, "network")
        .filter(device::Column::OrganisationId.eq(organisation_id))
        .filter(device::Column::Status.ne(DeviceStatus::Retired))
        .filter(device::Column::SimPlanEndsOn.between(today, until))
        .order_by_asc(device::Column::SimPlanEndsOn)
        .limit(500)
        .into_model()
        .all(db)
        .await
}

/// Devices waiting for their checks since before `before`.
pub async fn waiting_for_checks(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    before: DateTime<Utc>,
) -> Result<Vec<DigestDevice>, DbErr> {
    Device::find()
        .select_only()
        .column(device::Column::AssetTag)
        .column(device::Column::HubId)
        .column_as(device::Column::PurchasedOn, "date")
        .column_as(device::Column::UpdatedAt, "since")
        .column_as(device::Column::SimNetwork, "network")
        .filter(device::Column::OrganisationId.eq(organisation_id))
        .filter(device::Column::Status.eq(DeviceStatus::AwaitingChecks))
        .filter(device::Column::UpdatedAt.lt(before))
        .order_by_asc(device::Column::UpdatedAt)
        .limit(500)
        .into_model()
        .all(db)
        .await
}

/// Which of these dedupe keys the outbox holds already.
pub async fn existing_keys(db: &impl ConnectionTrait, keys: Vec<String>) -> Result<Vec<String>, DbErr> {
    reminder::Entity::find()
        .select_only()
        .column(reminder::Column::DedupeKey)
        .filter(reminder::Column::DedupeKey.is_in(keys))
        .into_tuple()
        .all(db)
        .await
}
