//! Hub rows.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder,
};

use crate::entities::hub::{self, Entity as Hub};

pub async fn insert(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    name: &str,
    address: Option<&str>,
    opening_hours: Option<&str>,
    now: DateTime<Utc>,
) -> Result<hub::Model, DbErr> {
    hub::ActiveModel {
        organisation_id: Set(organisation_id),
        name: Set(name.to_owned()),
        address: Set(address.map(str::to_owned)),
        opening_hours: Set(opening_hours.map(str::to_owned)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
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
