//! What organisations publish in the open feed besides their directory entries: each hub's
//! device lending (for an organisation that publishes its lending), and each course with
//! sessions open to book in the next 90 days (for one that publishes its training). Made afresh
//! from hubs and sessions, so the feed is never behind them; their ids are derived from the hub
//! and the course, so they stay the same. Nothing about any person.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::{LocationView, ServiceView};
use crate::{
    directory::{model::ImpactArea, openreferral::derived},
    entities::organisation,
    error::AppError,
    hubs, organisations, training,
};

/// The sessions a published course lists, at most.
const SESSIONS_LISTED: usize = 10;

fn lending(org: &organisation::Model, hub: crate::entities::hub::Model) -> ServiceView {
    ServiceView {
        id: 0,
        uuid: derived(&format!("hub_lending:{}", hub.id)),
        organisation_id: org.id,
        name: format!("Device lending at {}", hub.name),
        description: Some(format!(
            "Borrow a laptop, tablet or 4G MiFi hotspot from {}, with help to get online. Ask at the hub, or ask a partner to refer you.",
            org.name
        )),
        impact_areas: vec![ImpactArea::DigitalInclusion],
        provider: Some(org.name.clone()),
        email: org.email.clone(),
        phone: hub.phone.or_else(|| org.phone.clone()),
        url: None,
        referral_notes: None,
        locations: vec![LocationView {
            id: hub.id,
            name: hub.name,
            address: hub.address,
            postcode: None,
        }],
        opening_times: hub.opening_hours,
        updated_at: hub.created_at,
    }
}

fn training(
    org: &organisation::Model,
    course: &training::service::OpenCourse,
    now: DateTime<Utc>,
) -> ServiceView {
    let mut places: Vec<LocationView> = Vec::new();
    for session in &course.sessions {
        if let (Some(id), Some(name)) = (session.hub_id, &session.hub_name)
            && !places.iter().any(|p| p.id == id)
        {
            places.push(LocationView {
                id,
                name: name.clone(),
                address: None,
                postcode: None,
            });
        }
    }
    let listed: Vec<String> = course
        .sessions
        .iter()
        .take(SESSIONS_LISTED)
        .map(|s| format!("{} ({})", s.when(), s.place()))
        .collect();
    ServiceView {
        id: 0,
        uuid: derived(&format!("course:{}", course.course_id)),
        organisation_id: org.id,
        name: format!("{}: training by {}", course.title, org.name),
        description: Some(format!(
            "Free digital-skills sessions with places to book. Coming up: {}.",
            listed.join("; ")
        )),
        impact_areas: vec![ImpactArea::DigitalInclusion],
        provider: Some(org.name.clone()),
        email: org.email.clone(),
        phone: org.phone.clone(),
        url: None,
        referral_notes: Some(format!("To book a place, contact {}.", org.name)),
        locations: places,
        opening_times: None,
        updated_at: now,
    }
}

/// Every published service, lending first then training, each organisation's in turn.
pub async fn published(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Vec<ServiceView>, AppError> {
    let mut services = Vec::new();
    for org in organisations::service::publishing(db).await? {
        if org.publish_lending {
            for hub in hubs::service::list_rows(db, org.id).await? {
                services.push(lending(&org, hub));
            }
        }
        if org.publish_training {
            for course in training::service::open_to_book(db, org.id, now).await? {
                services.push(training(&org, &course, now));
            }
        }
    }
    Ok(services)
}

/// Whether a published service matches every one of `words` (lower-cased) in its name or
/// description.
pub fn matches(service: &ServiceView, words: &[String]) -> bool {
    let text = format!(
        "{} {}",
        service.name,
        service.description.as_deref().unwrap_or_default()
    )
    .to_lowercase();
    words.iter().all(|w| text.contains(&w.to_lowercase()))
}
