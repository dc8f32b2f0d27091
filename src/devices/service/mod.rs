//! Adding, changing, finding and listing devices. Each change and its audit event are written in
//! one transaction.

mod editing;
mod finding;
mod return_to;
mod view;

pub use editing::*;
pub use finding::*;
pub use return_to::*;
pub use view::*;

// What other features may read and write of this feature's tables: they come here, never to
// `repo` (`.ci/imports.py` checks), so each use is one the feature has chosen to share.
pub use super::repo::{
    added_between, batch_after, existing_serials, existing_tags, find, find_by_tag, find_many,
    insert_returning_tags, list as list_rows, new_row,
};

/// Merges the SQLite search index into one segment, a step of 500 pages to a write transaction so
/// that loans wait for no more than one step. Devices added in many small writes, or a large
/// import, leave it in many segments, and a search reads every one: at a million devices a rare
/// serial number was found in 0.5 ms instead of 0.8 once they were merged. Nothing to do on
/// PostgreSQL.
pub async fn tidy_search_index(db: &crate::db::Db) -> Result<u32, crate::error::AppError> {
    if db.backend() != sea_orm::DbBackend::Sqlite {
        return Ok(0);
    }
    let mut steps = 0;
    // Bounded, as every loop the server runs: 100,000 steps are 200 GB of index.
    while steps < 100_000 {
        let tx = crate::db::begin_write(db).await?;
        let merged = super::repo::merge_search_index(&tx, 500).await?;
        tx.commit().await?;
        if !merged {
            break;
        }
        steps += 1;
    }
    Ok(steps)
}

/// The daily tidy of the search index, logged.
pub async fn tidy_search_index_tick(db: &crate::db::Db) {
    match tidy_search_index(db).await {
        Ok(steps) => tracing::info!(steps, "search index tidied"),
        Err(err) => tracing::error!(%err, "tidying the search index failed; will try again tomorrow"),
    }
}
