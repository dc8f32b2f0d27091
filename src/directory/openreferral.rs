//! The directory as Open Referral UK (HSDS 3.0, UK profile) describes services: what the public
//! feed sends for a service, its organisation, its areas of need (as taxonomy terms) and its
//! places. Built only from a service's own fields: nothing about any borrower reaches here.
//!
//! Ids the feed needs but lendhub does not keep (an organisation's, a place's, a term's) are
//! UUIDs derived by name (v5) under lendhub's own namespace, so they stay the same from one
//! request to the next.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{model::ImpactArea, service::ServiceView};
use crate::error::FieldError;

/// lendhub's namespace for the UUIDs it derives.
const NAMESPACE: Uuid = Uuid::from_u128(0x6c65_6e64_6875_4b21_9a3e_0f1d_5c2b_7e40);

/// The taxonomy the areas of need belong to.
pub const TAXONOMY_NAME: &str = "lendhub impact areas";

/// The profile this feed follows and its published API description.
pub const PROFILE_URL: &str = "https://github.com/openreferral/uk-profile";
pub const PROFILE_OPENAPI_URL: &str =
    "https://raw.githubusercontent.com/openreferral/uk-profile/main/openapi.json";

pub fn derived(what: &str) -> String {
    Uuid::new_v5(&NAMESPACE, what.as_bytes()).to_string()
}

pub fn taxonomy_id() -> String {
    derived("taxonomy:impact_areas")
}

pub fn term_id(area: ImpactArea) -> String {
    derived(&format!("impact_area:{}", area.as_str()))
}

/// The area a term's id names, if any.
pub fn area_of_term(id: &str) -> Option<ImpactArea> {
    ImpactArea::ALL.iter().copied().find(|a| term_id(*a) == id)
}

/// The organisation that lists services, as the feed names it.
#[derive(Debug, Clone)]
pub struct Lister {
    pub id: i32,
    pub name: String,
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub fn taxonomy_term(area: ImpactArea) -> Value {
    json!({
        "id": term_id(area),
        "name": area.label(),
        "description": format!("Services that help with {}", area.label().to_lowercase()),
        "taxonomy": TAXONOMY_NAME,
        "taxonomy_id": taxonomy_id(),
        "term": area.as_str(),
    })
}

pub fn taxonomy() -> Value {
    json!({
        "id": taxonomy_id(),
        "name": TAXONOMY_NAME,
        "description": "The areas of need a partner's service meets, as the scheme's signposting directory sorts them",
    })
}

/// Who provides the service: the provider named on it, else the organisation that lists it.
fn organization(service: &ServiceView, lister: &Lister) -> Value {
    match &service.provider {
        Some(provider) => json!({
            "id": derived(&format!("provider:{}", provider.to_lowercase())),
            "name": provider,
            "description": format!("Listed by {}", lister.name),
        }),
        None => {
            let mut org = json!({
                "id": derived(&format!("organisation:{}:{}", lister.id, lister.created_at.timestamp_micros())),
                "name": lister.name,
                "description": lister.name,
            });
            if let Some(email) = &lister.email {
                org["email"] = json!(email);
            }
            org
        }
    }
}

/// A service's one-to-one fields and its organisation: an item of the paged list.
pub fn service_summary(service: &ServiceView, lister: &Lister) -> Value {
    let org = organization(service, lister);
    let mut value = json!({
        "id": service.uuid,
        "organization_id": org["id"],
        "name": service.name,
        "status": "active",
        "last_modified": service.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "organization": org,
    });
    let optional = [
        ("description", &service.description),
        ("url", &service.url),
        ("email", &service.email),
    ];
    for (key, text) in optional {
        if let Some(text) = text {
            value[key] = json!(text);
        }
    }
    value
}

/// A place's address lines: the first line, and the town (the last line), as HSDS asks.
fn address_parts(address: &str) -> (String, String) {
    let lines: Vec<&str> = address
        .lines()
        .flat_map(|l| l.split(','))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let first = lines.first().copied().unwrap_or_default().to_owned();
    let town = if lines.len() > 1 {
        lines.last().copied().unwrap_or_default().to_owned()
    } else {
        String::new()
    };
    (first, town)
}

/// The whole service: its summary with its areas of need, places and opening times.
pub fn service_full(service: &ServiceView, lister: &Lister) -> Value {
    let mut value = service_summary(service, lister);
    value["attributes"] = service
        .impact_areas
        .iter()
        .map(|area| {
            json!({
                "id": derived(&format!("attribute:{}:{}", service.uuid, area.as_str())),
                "link_id": service.uuid,
                "link_type": "service",
                "taxonomy_term_id": term_id(*area),
                "taxonomy_term": taxonomy_term(*area),
            })
        })
        .collect();
    value["service_at_locations"] = service
        .locations
        .iter()
        .map(|place| {
            let location_id = derived(&format!("location:{}:{}", service.uuid, place.id));
            let mut location = json!({
                "id": location_id,
                "location_type": "physical",
                "name": place.name,
            });
            if place.address.is_some() || place.postcode.is_some() {
                let (first, town) = address_parts(place.address.as_deref().unwrap_or_default());
                location["addresses"] = json!([{
                    "id": derived(&format!("address:{location_id}")),
                    "location_id": location_id,
                    "address_1": if first.is_empty() { place.name.clone() } else { first },
                    "city": town,
                    "state_province": "",
                    "postal_code": place.postcode.clone().unwrap_or_default(),
                    "country": "GB",
                    "address_type": "physical",
                }]);
            }
            json!({
                "id": derived(&format!("service_at_location:{}:{}", service.uuid, place.id)),
                "service_id": service.uuid,
                "location_id": location_id,
                "location": location,
            })
        })
        .collect();
    value["schedules"] = match &service.opening_times {
        None => json!([]),
        Some(text) => json!([{
            "id": derived(&format!("schedule:{}", service.uuid)),
            "service_id": service.uuid,
            "description": text,
        }]),
    };
    value
}

/// The most items a page of the feed holds.
pub const MOST_PER_PAGE: u64 = 100;

/// A page's number (from 1; 1 unless asked) and size (1 to [`MOST_PER_PAGE`]; 50 unless asked).
///
/// # Errors
/// A `FieldError` naming `page` or `per_page`.
pub fn page_numbers(page: Option<u64>, per_page: Option<u64>) -> Result<(u64, u64), FieldError> {
    let page = page.unwrap_or(1);
    if !(1..=1_000_000).contains(&page) {
        return Err(FieldError::new("page", "page must be a number from 1 to 1000000"));
    }
    let per_page = per_page.unwrap_or(50);
    if !(1..=MOST_PER_PAGE).contains(&per_page) {
        return Err(FieldError::new(
            "per_page",
            format!("per_page must be a number from 1 to {MOST_PER_PAGE}"),
        ));
    }
    Ok((page, per_page))
}

/// The page of a list held whole in memory (the one taxonomy, its thirteen terms).
pub fn page_of(all: Vec<Value>, page: u64, per_page: u64) -> Value {
    let total = all.len() as u64;
    let skip = usize::try_from((page - 1) * per_page).unwrap_or(usize::MAX);
    let take = usize::try_from(per_page).unwrap_or(usize::MAX);
    let contents: Vec<Value> = all.into_iter().skip(skip).take(take).collect();
    self::page(&contents, total, page, per_page)
}

/// The page fields HSDS wraps a list in, for `total` items shown `per_page` at a time.
pub fn page(contents: &[Value], total: u64, page_number: u64, per_page: u64) -> Value {
    let total_pages = total.div_ceil(per_page).max(1);
    json!({
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": contents.len(),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": contents.is_empty(),
        "contents": contents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_stay_the_same_and_name_their_term() {
        assert_eq!(term_id(ImpactArea::MoneyAdvice), term_id(ImpactArea::MoneyAdvice));
        assert_ne!(term_id(ImpactArea::MoneyAdvice), term_id(ImpactArea::Health));
        assert_eq!(
            area_of_term(&term_id(ImpactArea::Health)),
            Some(ImpactArea::Health)
        );
        assert_eq!(
            address_parts("1 High Street\nMaidstone"),
            ("1 High Street".to_owned(), "Maidstone".to_owned())
        );
        let p = page(&[json!(1)], 51, 2, 50);
        assert_eq!(
            (p["total_pages"].as_u64(), p["last_page"].as_bool()),
            (Some(2), Some(true))
        );
    }
}
