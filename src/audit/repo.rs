//! Audit rows: written once, read in order, never changed.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::model::{EntityRef, NewEvent};
use crate::entities::audit_event::{self, Entity as AuditEvent};

fn row(event: &NewEvent<'_>) -> audit_event::ActiveModel {
    let (entity_type, entity_id) = event.entity.parts();
    audit_event::ActiveModel {
        organisation_id: Set(event.organisation_id),
        at: Set(event.at),
        actor_staff_id: Set(event.actor.staff_id()),
        actor_label: Set(event.actor.label()),
        entity_type: Set(entity_type.to_owned()),
        entity_id: Set(entity_id),
        action: Set(event.action.as_str().to_owned()),
        details: Set(event.details.to_string()),
        ..Default::default()
    }
}

pub async fn insert(db: &impl ConnectionTrait, event: NewEvent<'_>) -> Result<(), DbErr> {
    AuditEvent::insert(row(&event)).exec_without_returning(db).await?;
    Ok(())
}

/// Every event about `entity`, oldest first.
pub async fn for_entity(
    db: &impl ConnectionTrait,
    entity: EntityRef,
) -> Result<Vec<audit_event::Model>, DbErr> {
    let (entity_type, entity_id) = entity.parts();
    AuditEvent::find()
        .filter(audit_event::Column::EntityType.eq(entity_type))
        .filter(audit_event::Column::EntityId.eq(entity_id))
        .order_by_asc(audit_event::Column::Id)
        .all(db)
        .await
}

/// The events of one kind about any of `ids` (of one entity type), newest first, at most `limit`.
pub async fn of_action(
    db: &impl ConnectionTrait,
    entity_type: &str,
    ids: &[i32],
    action: &str,
    limit: u64,
) -> Result<Vec<audit_event::Model>, DbErr> {
    AuditEvent::find()
        .filter(audit_event::Column::EntityType.eq(entity_type))
        .filter(audit_event::Column::EntityId.is_in(ids.iter().copied()))
        .filter(audit_event::Column::Action.eq(action))
        .order_by_desc(audit_event::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Many events in one statement: an import's "added" events.
pub async fn insert_many(db: &impl ConnectionTrait, events: Vec<NewEvent<'_>>) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    AuditEvent::insert_many(events.iter().map(row))
        .exec_without_returning(db)
        .await?;
    Ok(())
}
