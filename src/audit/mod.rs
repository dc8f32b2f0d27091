//! The append-only audit log: every change writes one event in the same transaction as the change.

pub mod model;
pub mod repo;

pub use model::{Actor, AuditAction, EntityRef, NewEvent};

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::{auth::Staff, error::AppError};

// What other features may read and write of this feature's tables: they come here, never to
// `repo` (`.ci/imports.py` checks), so each use is one the feature has chosen to share.
pub use repo::{for_entity, insert, insert_many, of_action};

/// Writes the event of a change `staff` made, in the change's own transaction.
pub async fn record(
    db: &impl ConnectionTrait,
    staff: &Staff,
    entity: EntityRef,
    action: AuditAction,
    details: Value,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    repo::insert(
        db,
        NewEvent {
            organisation_id: staff.organisation_id(),
            at,
            actor: Actor::Staff(staff),
            entity,
            action,
            details,
        },
    )
    .await?;
    Ok(())
}
