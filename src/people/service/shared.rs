//! Another organisation's borrowers, read under a sharing agreement: every function here takes
//! the `Grant` that only the sharing service makes, and reads only the people of the grant's
//! other organisation who consented to sharing with partners. An organisation that lends a
//! partner's learner a device keeps its own record of them, made here from the shared one.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, SqlErr};

use super::{insert_new, repo};
use crate::{
    auth::Staff,
    entities::borrower,
    error::AppError,
    people::model::{BorrowerDetails, Consents},
    sharing::service::Grant,
};

/// Which organisation each of `ids` belongs to: ids only, for asking which agreement applies.
pub async fn organisations_of(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<(i32, i32)>, AppError> {
    Ok(repo::organisations_of(db, ids).await?)
}

pub async fn find_shared(
    db: &impl ConnectionTrait,
    grant: &Grant,
    ids: &[i32],
) -> Result<Vec<borrower::Model>, AppError> {
    Ok(repo::shareable_many(db, grant.other_organisation_id(), ids).await?)
}

/// One shared borrower, locked (to enrol them, as `find_locked` does for one's own).
pub async fn find_shared_locked(
    db: &impl ConnectionTrait,
    grant: &Grant,
    id: i32,
) -> Result<Option<borrower::Model>, AppError> {
    Ok(repo::shareable_locked(db, grant.other_organisation_id(), id).await?)
}

pub async fn shared_page(
    db: &impl ConnectionTrait,
    grant: &Grant,
    after: Option<i32>,
    limit: u64,
) -> Result<Vec<borrower::Model>, AppError> {
    Ok(repo::shareable_page(db, grant.other_organisation_id(), after, limit).await?)
}

pub async fn shared_count(db: &impl ConnectionTrait, grant: &Grant) -> Result<u64, AppError> {
    Ok(repo::shareable_count(db, grant.other_organisation_id()).await?)
}

/// The organisation's own record of a partner's person, made to lend them a device.
pub async fn own_record_of(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    partner_borrower_id: i32,
) -> Result<Option<borrower::Model>, AppError> {
    Ok(repo::own_record_of(db, organisation_id, partner_borrower_id).await?)
}

/// Of a partner's people `ids`, which the organisation has its own record of, by the partner's id.
pub async fn own_records_of(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    ids: &[i32],
) -> Result<HashMap<i32, i32>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = repo::own_records_of(db, organisation_id, ids).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(partner, own)| partner.map(|p| (p, own)))
        .collect())
}

/// Adds `staff`'s organisation's own record of the partner's person `shared` (read under
/// `grant`), with `details` and `consents` as the person gave them at the counter, inside `db`'s
/// transaction. `Conflict` `already_recorded` when another request made it meanwhile.
pub async fn insert_from_partner(
    db: &impl ConnectionTrait,
    staff: &Staff,
    grant: &Grant,
    shared: &borrower::Model,
    details: &BorrowerDetails,
    consents: &Consents,
    now: DateTime<Utc>,
) -> Result<borrower::Model, AppError> {
    let row = insert_new(db, staff, details, consents, now).await?;
    repo::link_partner(db, row.id, shared.id, grant.agreement_id())
        .await
        .map_err(|err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
                code: "already_recorded",
                message: format!(
                    "{} already has a record with you: find them under Borrowers",
                    details.name
                ),
            },
            _ => err.into(),
        })?;
    Ok(borrower::Model {
        partner_borrower_id: Some(shared.id),
        partner_agreement_id: Some(grant.agreement_id()),
        ..row
    })
}

/// The records partners made of one of the organisation's borrowers to lend to them:
/// (organisation, record) ids only, for asking which agreement lets their loans be read.
pub async fn copies_of(db: &impl ConnectionTrait, borrower_id: i32) -> Result<Vec<(i32, i32)>, AppError> {
    Ok(repo::copies_of(db, borrower_id).await?)
}
