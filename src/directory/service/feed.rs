//! What the public Open Referral feed reads: services a numbered page at a time, or one whole,
//! with the organisations that list them. No staff, and nothing about any person.

use std::collections::BTreeMap;

use sea_orm::ConnectionTrait;

use super::{ServiceView, views};
use crate::{
    db::Db,
    directory::{
        openreferral::{self, Lister},
        repo,
    },
    error::AppError,
    validate::search_text,
};

/// The organisations that list these services, as the public feed names them.
async fn listers(
    db: &impl ConnectionTrait,
    services: &[ServiceView],
) -> Result<BTreeMap<i32, Lister>, AppError> {
    let mut listers = BTreeMap::new();
    for service in services {
        if listers.contains_key(&service.organisation_id) {
            continue;
        }
        if let Some(org) = crate::organisations::service::find(db, service.organisation_id).await? {
            listers.insert(
                org.id,
                Lister {
                    id: org.id,
                    name: org.name,
                    email: org.email,
                    created_at: org.created_at,
                },
            );
        }
    }
    Ok(listers)
}

/// A numbered page of the public feed's services (`page` from 1), matching `search` if given.
///
/// # Errors
/// A `FieldError` naming `search`, `page` or `per_page`.
pub async fn feed_services(
    db: &Db,
    search: Option<&str>,
    page: Option<u64>,
    per_page: Option<u64>,
) -> Result<serde_json::Value, AppError> {
    let words: Vec<String> = search_text("search", search)?
        .map(|q| q.split(' ').map(str::to_owned).collect())
        .unwrap_or_default();
    let (page, per_page) = openreferral::page_numbers(page, per_page)?;
    let (rows, total) = repo::numbered_page(&db.read, &words, (page - 1) * per_page, per_page).await?;
    let services = views(&db.read, rows).await?;
    let listers = listers(&db.read, &services).await?;
    let contents: Vec<serde_json::Value> = services
        .iter()
        .filter_map(|s| {
            listers
                .get(&s.organisation_id)
                .map(|l| openreferral::service_summary(s, l))
        })
        .collect();
    Ok(openreferral::page(&contents, total, page, per_page))
}

/// One service of the public feed, whole, by its UUID.
pub async fn feed_service(db: &Db, uuid: &str) -> Result<Option<serde_json::Value>, AppError> {
    let Some(row) = repo::by_uuid(&db.read, uuid).await? else {
        return Ok(None);
    };
    let services = views(&db.read, vec![row]).await?;
    let listers = listers(&db.read, &services).await?;
    Ok(services.first().and_then(|s| {
        listers
            .get(&s.organisation_id)
            .map(|l| openreferral::service_full(s, l))
    }))
}
