//! What the public Open Referral feed reads: services a numbered page at a time, or one whole,
//! with the organisations that list them. No staff, and nothing about any person.

use std::collections::BTreeMap;

use chrono::Utc;
use sea_orm::ConnectionTrait;

use super::{
    ServiceView,
    published::{matches, published},
    views,
};
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
    let start = (page - 1) * per_page;
    let (rows, listed) = repo::numbered_page(&db.read, &words, start, per_page).await?;
    let mut services = views(&db.read, rows).await?;
    // The published hubs and courses follow the directory's entries, in a fixed order.
    let published: Vec<ServiceView> = published(&db.read, Utc::now())
        .await?
        .into_iter()
        .filter(|s| matches(s, &words))
        .collect();
    let total = listed + published.len() as u64;
    let skip = usize::try_from(start.saturating_sub(listed)).unwrap_or(usize::MAX);
    let room = usize::try_from(per_page)
        .unwrap_or(usize::MAX)
        .saturating_sub(services.len());
    services.extend(published.into_iter().skip(skip).take(room));
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
    let services = match repo::by_uuid(&db.read, uuid).await? {
        Some(row) => views(&db.read, vec![row]).await?,
        None => published(&db.read, Utc::now())
            .await?
            .into_iter()
            .filter(|s| s.uuid == uuid)
            .collect(),
    };
    let listers = listers(&db.read, &services).await?;
    Ok(services.first().and_then(|s| {
        listers
            .get(&s.organisation_id)
            .map(|l| openreferral::service_full(s, l))
    }))
}
