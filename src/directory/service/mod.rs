//! The signposting directory: every staff member searches the whole scheme's services, admins and
//! coordinators list and change their own organisation's, and staff record a signpost on a
//! borrower. The public Open Referral feed reads through `feed_*`, which hold no one's details.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    model::{ImpactArea, NewService, ServiceRequest},
    repo::{self, Filter},
};
use crate::{
    audit::{AuditAction, EntityRef, record},
    auth::{Action, Staff},
    db::{self, Db},
    entities::{directory_location, directory_service, directory_service_area},
    error::{AppError, FieldError},
    validate::{optional_text, search_text},
};

// What other features may read and write of this feature's tables.
pub use super::repo::forget_signposts as forget;

/// A place as the directory shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LocationView {
    pub id: i32,
    pub name: String,
    pub address: Option<String>,
    pub postcode: Option<String>,
}

/// A service as the directory shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServiceView {
    pub id: i32,
    /// Its id in the Open Referral feed.
    pub uuid: String,
    /// The organisation that lists it (and alone may change it).
    pub organisation_id: i32,
    pub name: String,
    pub description: Option<String>,
    pub impact_areas: Vec<ImpactArea>,
    pub provider: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub url: Option<String>,
    pub referral_notes: Option<String>,
    pub locations: Vec<LocationView>,
    pub opening_times: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServicePage {
    pub items: Vec<ServiceView>,
    pub total: u64,
    pub next_cursor: Option<String>,
}

/// `GET /directory/services`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// Words in the name, who runs it or the description.
    pub q: Option<String>,
    /// An area of need, like `money_advice`.
    #[param(value_type = Option<ImpactArea>)]
    pub area: Option<String>,
    /// A place: a town, a place's name or the start of a postcode.
    #[param(max_length = 50)]
    pub place: Option<String>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^[0-9]{1,9}$")]
    pub cursor: Option<String>,
    /// How many a page holds (1 to 100; 25 unless given).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
}

/// A signpost as a borrower's page and export show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SignpostView {
    pub id: i32,
    pub borrower_id: i32,
    pub service_id: i32,
    pub service_name: String,
    pub notes: Option<String>,
    /// They agreed to their details being passed to the service.
    pub consent: bool,
    pub made_at: DateTime<Utc>,
}

/// Services with their areas and places, read for a page of rows at once.
async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<directory_service::Model>,
) -> Result<Vec<ServiceView>, AppError> {
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let (areas, places) = repo::details_of(db, &ids).await?;
    let mut areas_of: BTreeMap<i32, Vec<ImpactArea>> = BTreeMap::new();
    for directory_service_area::Model { service_id, area } in areas {
        if let Ok(area) = ImpactArea::parse(&area) {
            areas_of.entry(service_id).or_default().push(area);
        }
    }
    let mut places_of: BTreeMap<i32, Vec<LocationView>> = BTreeMap::new();
    for directory_location::Model {
        id,
        service_id,
        name,
        address,
        postcode,
        ..
    } in places
    {
        places_of.entry(service_id).or_default().push(LocationView {
            id,
            name,
            address,
            postcode,
        });
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut impact_areas = areas_of.remove(&row.id).unwrap_or_default();
            impact_areas.sort_by_key(|a| ImpactArea::ALL.iter().position(|b| b == a));
            ServiceView {
                impact_areas,
                locations: places_of.remove(&row.id).unwrap_or_default(),
                id: row.id,
                uuid: row.uuid,
                organisation_id: row.organisation_id,
                name: row.name,
                description: row.description,
                provider: row.provider,
                email: row.email,
                phone: row.phone,
                url: row.url,
                referral_notes: row.referral_notes,
                opening_times: row.opening_times,
                updated_at: row.updated_at,
            }
        })
        .collect())
}

/// Reads a search as the API and the page send it.
///
/// # Errors
/// A `FieldError` naming `q`, `area`, `place`, `cursor` or `limit`.
pub fn filter_of(query: &DirectoryQuery) -> Result<(Filter, Option<i32>, u64), FieldError> {
    let words = search_text("q", query.q.as_deref())?
        .map(|q| q.split(' ').map(str::to_owned).collect())
        .unwrap_or_default();
    let area = match query.area.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        None => None,
        Some(text) => Some(ImpactArea::parse(text).map_err(|e| FieldError::new("area", e.message))?),
    };
    let place = optional_text("place", "the place", query.place.as_deref(), 50)?;
    let after = crate::paging::id_cursor(query.cursor.as_deref())?;
    let limit = crate::paging::page_size(query.limit, 25, 100)?;
    Ok((Filter { words, area, place }, after, limit))
}

/// The directory's services that match, a page at a time in name order.
pub async fn search(db: &Db, staff: &Staff, query: &DirectoryQuery) -> Result<ServicePage, AppError> {
    staff.require(Action::ViewDirectory)?;
    let (filter, after, limit) = filter_of(query)?;
    let (rows, total) = repo::search(&db.read, &filter, after, limit + 1).await?;
    let (rows, next) = crate::paging::cut_by(rows, limit, |r| r.id.to_string());
    Ok(ServicePage {
        items: views(&db.read, rows).await?,
        total,
        next_cursor: next,
    })
}

pub async fn get(db: &Db, staff: &Staff, id: i32) -> Result<ServiceView, AppError> {
    staff.require(Action::ViewDirectory)?;
    let row = repo::find(&db.read, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no service with id {id}")))?;
    Ok(views(&db.read, vec![row]).await?.remove(0))
}

/// A name the directory has already (compared lower-cased) is a conflict, not a server error.
fn taken(err: sea_orm::DbErr, name: &str) -> AppError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code: "service_exists",
            message: format!("{name} is already in the directory"),
        },
        _ => err.into(),
    }
}

fn first(mut errors: Vec<FieldError>) -> AppError {
    AppError::Invalid(errors.remove(0))
}

fn columns(row: &mut directory_service::ActiveModel, new: &NewService, now: DateTime<Utc>) {
    row.name = Set(new.name.clone());
    row.name_key = Set(new.name_key());
    row.description = Set(new.description.clone());
    row.provider = Set(new.provider.clone());
    row.email = Set(new.email.clone());
    row.phone = Set(new.phone.clone());
    row.url = Set(new.url.clone());
    row.referral_notes = Set(new.referral_notes.clone());
    row.opening_times = Set(new.opening_times.clone());
    row.search_text = Set(Some(new.search_text()));
    row.updated_at = Set(now);
}

/// Writes a checked service for the organisation, in the caller's transaction (the import's
/// too): its row, areas and places.
pub async fn insert(
    tx: &impl ConnectionTrait,
    organisation_id: i32,
    staff_id: i32,
    new: &NewService,
    now: DateTime<Utc>,
) -> Result<directory_service::Model, AppError> {
    let mut row = directory_service::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4().to_string()),
        organisation_id: Set(organisation_id),
        created_by: Set(staff_id),
        created_at: Set(now),
        ..Default::default()
    };
    columns(&mut row, new, now);
    let row = repo::insert(tx, row).await.map_err(|e| taken(e, &new.name))?;
    repo::set_details(tx, row.id, &new.impact_areas, &new.locations).await?;
    Ok(row)
}

/// Which of these names (lower-cased) the directory already has.
pub async fn existing_names(
    db: &impl ConnectionTrait,
    names: &[String],
) -> Result<std::collections::HashSet<String>, AppError> {
    Ok(repo::existing_names(db, names).await?)
}

/// Lists a service of the caller's organisation (admins and coordinators).
pub async fn add(
    db: &Db,
    staff: &Staff,
    request: &ServiceRequest,
    now: DateTime<Utc>,
) -> Result<ServiceView, AppError> {
    staff.require(Action::ManageDirectory)?;
    let new = request.parse().map_err(first)?;
    let tx = db::begin_write(db).await?;
    let row = insert(&tx, staff.organisation_id(), staff.id(), &new, now).await?;
    let details = json!({"service_id": row.id});
    let entity = EntityRef::Organisation(staff.organisation_id());
    record(&tx, staff, entity, AuditAction::ServiceListed, details, now).await?;
    tx.commit().await?;
    get(db, staff, row.id).await
}

/// Changes a service the caller's organisation lists: the whole entry, as the form sends it.
pub async fn update(
    db: &Db,
    staff: &Staff,
    id: i32,
    request: &ServiceRequest,
    now: DateTime<Utc>,
) -> Result<ServiceView, AppError> {
    staff.require(Action::ManageDirectory)?;
    let existing = repo::find(&db.read, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no service with id {id}")))?;
    if existing.organisation_id != staff.organisation_id() {
        return Err(AppError::Forbidden(
            "another organisation lists this service: ask them to change it".into(),
        ));
    }
    let new = request.parse().map_err(first)?;
    let tx = db::begin_write(db).await?;
    let mut row = directory_service::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    columns(&mut row, &new, now);
    if !repo::update(&tx, staff.organisation_id(), row)
        .await
        .map_err(|e| taken(e, &new.name))?
    {
        return Err(AppError::NotFound(format!("there is no service with id {id}")));
    }
    repo::set_details(&tx, id, &new.impact_areas, &new.locations).await?;
    let details = json!({"service_id": id});
    let entity = EntityRef::Organisation(staff.organisation_id());
    record(&tx, staff, entity, AuditAction::ServiceChanged, details, now).await?;
    tx.commit().await?;
    get(db, staff, id).await
}

mod feed;
mod published;
mod signposts;

pub use feed::*;
pub use signposts::*;
