//! Hub rows.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder,
};

use super::model::HubDetails;
use crate::entities::hub::{self, Entity as Hub};

pub async fn insert(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    details: &HubDetails,
    now: DateTime<Utc>,
) -> Result<hub::Model, DbErr> {
    hub::ActiveModel {
        organisation_id: Set(organisation_id),
        name: Set(details.name.clone()),
        address: Set(details.address.clone()),
        opening_hours: Set(details.opening_hours.clone()),
        phone: Set(details.phone.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Writes a hub's details; the caller has checked the hub is the organisation's.
pub async fn update(
    db: &impl ConnectionTrait,
    row: hub::Model,
    details: &HubDetails,
) -> Result<hub::Model, DbErr> {
    let mut row = hub::ActiveModel::from(row);
    row.name = Set(details.name.clone());
    row.address = Set(details.address.clone());
    row.opening_hours = Set(details.opening_hours.clone());
    row.phone = Set(details.phone.clone());
    row.update(db).await
}

pub async fn find(db: &impl ConnectionTrait, id: i32) -> Result<Option<hub::Model>, DbErr> {
    Hub::find_by_id(id).one(db).await
}

pub async fn list(db: &impl ConnectionTrait, organisation_id: i32) -> Result<Vec<hub::Model>, DbErr> {
    Hub::find()
        .filter(hub::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(hub::Column::Name)
        .all(db)
        .await
}
