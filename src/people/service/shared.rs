//! Another organisation's borrowers, read under a sharing agreement: every function here takes
//! the `Grant` that only the sharing service makes, and reads only the people of the grant's
//! other organisation who consented to sharing with partners.

use sea_orm::ConnectionTrait;

use super::repo;
use crate::{entities::borrower, error::AppError, sharing::service::Grant};

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
