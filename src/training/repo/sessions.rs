//! Rows for sessions: written, found (one locked while its enrolments are counted), listed by
//! start, by id for an export, and the devices used in them.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, JoinType,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::entities::{
    device::{self, Entity as Device},
    session_device::{self, Entity as SessionDevice},
    training_session::{self, Entity as TrainingSession},
};

pub async fn insert_session(
    db: &impl ConnectionTrait,
    row: training_session::ActiveModel,
) -> Result<training_session::Model, DbErr> {
    row.insert(db).await
}

pub async fn update_session(
    db: &impl ConnectionTrait,
    row: training_session::ActiveModel,
) -> Result<training_session::Model, DbErr> {
    row.update(db).await
}

pub async fn session(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
) -> Result<Option<training_session::Model>, DbErr> {
    TrainingSession::find_by_id(id)
        .filter(training_session::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await
}

/// The session, locked until the transaction ends on PostgreSQL (SQLite's single writer already
/// serialises), so enrolments against its capacity are counted one at a time.
pub async fn lock_session(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
) -> Result<Option<training_session::Model>, DbErr> {
    TrainingSession::find_by_id(id)
        .filter(training_session::Column::OrganisationId.eq(organisation_id))
        .lock_exclusive()
        .one(db)
        .await
}

/// Sessions starting in `[from, to)`, optionally at one hub or with one trainer, earliest first.
pub async fn sessions(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    hub_id: Option<i32>,
    trainer_id: Option<i32>,
) -> Result<Vec<training_session::Model>, DbErr> {
    let mut query = TrainingSession::find()
        .filter(training_session::Column::OrganisationId.eq(organisation_id))
        .filter(training_session::Column::StartsAt.gte(from))
        .filter(training_session::Column::StartsAt.lt(to));
    if let Some(hub_id) = hub_id {
        query = query.filter(training_session::Column::HubId.eq(hub_id));
    }
    if let Some(trainer_id) = trainer_id {
        query = query.filter(training_session::Column::TrainerId.eq(trainer_id));
    }
    query
        .order_by_asc(training_session::Column::StartsAt)
        .order_by_asc(training_session::Column::Id)
        .limit(500)
        .all(db)
        .await
}

pub async fn add_devices(
    db: &impl ConnectionTrait,
    session_id: i32,
    device_ids: &[i32],
) -> Result<(), DbErr> {
    if device_ids.is_empty() {
        return Ok(());
    }
    let rows = device_ids.iter().map(|&device_id| session_device::ActiveModel {
        session_id: Set(session_id),
        device_id: Set(device_id),
    });
    SessionDevice::insert_many(rows)
        .on_conflict_do_nothing()
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The asset tags of the devices used in a session.
pub async fn session_devices(db: &impl ConnectionTrait, session_id: i32) -> Result<Vec<String>, DbErr> {
    Device::find()
        .select_only()
        .column(device::Column::AssetTag)
        .join_rev(
            JoinType::InnerJoin,
            SessionDevice::belongs_to(Device)
                .from(session_device::Column::DeviceId)
                .to(device::Column::Id)
                .into(),
        )
        .filter(session_device::Column::SessionId.eq(session_id))
        .order_by_asc(device::Column::AssetTag)
        .into_tuple()
        .all(db)
        .await
}

/// The ids of the sessions a device was used in.
pub async fn sessions_of_device(db: &impl ConnectionTrait, device_id: i32) -> Result<Vec<i32>, DbErr> {
    SessionDevice::find()
        .select_only()
        .column(session_device::Column::SessionId)
        .filter(session_device::Column::DeviceId.eq(device_id))
        .into_tuple()
        .all(db)
        .await
}

pub async fn sessions_by_ids(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    ids: Vec<i32>,
) -> Result<Vec<training_session::Model>, DbErr> {
    TrainingSession::find()
        .filter(training_session::Column::OrganisationId.eq(organisation_id))
        .filter(training_session::Column::Id.is_in(ids))
        .order_by_desc(training_session::Column::StartsAt)
        .all(db)
        .await
}

/// Up to `limit` of the organisation's sessions with ids above `after`, by id: one batch of an
/// export.
pub async fn sessions_after(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    after: i32,
    limit: u64,
) -> Result<Vec<training_session::Model>, DbErr> {
    TrainingSession::find()
        .filter(training_session::Column::OrganisationId.eq(organisation_id))
        .filter(training_session::Column::Id.gt(after))
        .order_by_asc(training_session::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Which organisation each of `ids` belongs to (ids only).
pub async fn organisations_of_sessions(
    db: &impl ConnectionTrait,
    ids: Vec<i32>,
) -> Result<Vec<(i32, i32)>, DbErr> {
    use sea_orm::QuerySelect;
    TrainingSession::find()
        .select_only()
        .column(training_session::Column::Id)
        .column(training_session::Column::OrganisationId)
        .filter(training_session::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await
}
