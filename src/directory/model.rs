//! The signposting directory's words and rules: the areas of need a service meets (the report's
//! list), what a service entry must hold, and what a signpost on a borrower records.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    auth::model::parse_email,
    enums::string_enum,
    error::FieldError,
    people::model::{parse_phone, parse_postcode},
    validate::{at_most, collect, optional_text, required_text},
};

string_enum!(
    /// The areas of need a partner's service meets, after the report's list.
    ImpactArea, "impact_areas" {
        CommunitySupport = "community_support" / "Community support",
        Befriending = "befriending" / "Befriending",
        FoodAndMedicine = "food_and_medicine" / "Food and medicine",
        MentalHealth = "mental_health" / "Mental health",
        YoungPeopleAndFamilies = "young_people_and_families" / "Young people and families",
        Isolation = "isolation" / "Isolation",
        ElderlySupport = "elderly_support" / "Elderly support",
        Health = "health" / "Health",
        DomesticAbuse = "domestic_abuse" / "Domestic abuse",
        SocialServices = "social_services" / "Social services",
        MoneyAdvice = "money_advice" / "Money advice",
        Employment = "employment" / "Employment",
        DigitalInclusion = "digital_inclusion" / "Digital inclusion",
    }
);

/// The most places one service may list.
pub const MAX_LOCATIONS: usize = 20;

/// Where a service is found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationRequest {
    #[schema(value_type = String, required = true, format = "line", min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(max_length = 300)]
    pub address: Option<String>,
    #[schema(format = "line", max_length = 10)]
    pub postcode: Option<String>,
}

/// `POST /directory/services` and `PATCH /directory/services/{id}` (the whole entry each time).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceRequest {
    #[schema(value_type = String, required = true, format = "line", min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// The areas of need it meets: at least one.
    #[schema(value_type = Vec<ImpactArea>, min_items = 1, max_items = 13)]
    #[serde(default)]
    pub impact_areas: Vec<ImpactArea>,
    /// Who runs it, as people know them.
    #[schema(format = "line", max_length = 200)]
    pub provider: Option<String>,
    #[schema(format = "line", max_length = 254)]
    pub email: Option<String>,
    #[schema(format = "line", max_length = 30)]
    pub phone: Option<String>,
    /// Its web page, `https://...`.
    #[schema(format = "line", max_length = 300)]
    pub url: Option<String>,
    /// How to refer someone: who to call, what to send.
    #[schema(max_length = 2000)]
    pub referral_notes: Option<String>,
    #[schema(max_items = 20)]
    #[serde(default)]
    pub locations: Vec<LocationRequest>,
    /// When it is open, as people write it: "Mon-Fri 9-5".
    #[schema(max_length = 500)]
    pub opening_times: Option<String>,
}

/// A place, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub name: String,
    pub address: Option<String>,
    pub postcode: Option<String>,
}

impl Location {
    /// What the search by place matches: the name and address, lower-cased.
    pub fn place_text(&self) -> String {
        [Some(self.name.as_str()), self.address.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    }
}

/// A service entry, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewService {
    pub name: String,
    pub description: Option<String>,
    pub impact_areas: Vec<ImpactArea>,
    pub provider: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub url: Option<String>,
    pub referral_notes: Option<String>,
    pub locations: Vec<Location>,
    pub opening_times: Option<String>,
}

impl NewService {
    /// The name as the directory compares it: one service a name, however it is written.
    pub fn name_key(&self) -> String {
        self.name.to_lowercase()
    }

    /// What the search matches: name, provider and description, lower-cased.
    pub fn search_text(&self) -> String {
        [
            Some(self.name.as_str()),
            self.provider.as_deref(),
            self.description.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
    }
}

/// An `http(s)://` address with a host, or none.
fn optional_url(field: &str, text: Option<&str>) -> Result<Option<String>, FieldError> {
    let url = optional_text(field, "the web address", text, 300)?;
    if let Some(url) = &url {
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
        if !host.is_some_and(|h| h.contains('.') && !h.contains(char::is_whitespace)) {
            return Err(FieldError::new(
                field,
                "enter a web address like https://example.org",
            ));
        }
    }
    Ok(url)
}

fn location(n: usize, request: &LocationRequest) -> Result<Location, FieldError> {
    let field = |name: &str| format!("locations[{n}].{name}");
    let name = required_text(&field("name"), "the place's name", request.name.as_deref(), 100)?;
    let address = optional_text(&field("address"), "the address", request.address.as_deref(), 300)?;
    let postcode = match optional_text(
        &field("postcode"),
        "the postcode",
        request.postcode.as_deref(),
        10,
    )? {
        None => None,
        Some(text) => Some(parse_postcode(&text).map_err(|e| FieldError::new(field("postcode"), e.message))?),
    };
    Ok(Location {
        name,
        address,
        postcode,
    })
}

impl ServiceRequest {
    /// Every field at once, so a form can show all its problems.
    ///
    /// # Errors
    /// The fields that are wrong.
    pub fn parse(&self) -> Result<NewService, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = collect(
            &mut errors,
            required_text("name", "the service's name", self.name.as_deref(), 200),
        );
        let description = collect(
            &mut errors,
            optional_text(
                "description",
                "the description",
                self.description.as_deref(),
                2000,
            ),
        );
        let mut impact_areas: Vec<ImpactArea> = Vec::new();
        for area in &self.impact_areas {
            if !impact_areas.contains(area) {
                impact_areas.push(*area);
            }
        }
        if impact_areas.is_empty() {
            errors.push(FieldError::new(
                "impact_areas",
                "choose at least one area of need it meets",
            ));
        }
        let provider = collect(
            &mut errors,
            optional_text("provider", "who runs it", self.provider.as_deref(), 200),
        );
        let email = collect(
            &mut errors,
            optional_text("email", "the email address", self.email.as_deref(), 254)
                .and_then(|e| e.map(|e| parse_email("email", &e)).transpose()),
        );
        let phone = collect(
            &mut errors,
            optional_text("phone", "the phone number", self.phone.as_deref(), 30)
                .and_then(|p| p.map(|p| parse_phone(&p)).transpose()),
        );
        let url = collect(&mut errors, optional_url("url", self.url.as_deref()));
        let referral_notes = collect(
            &mut errors,
            optional_text(
                "referral_notes",
                "how to refer",
                self.referral_notes.as_deref(),
                2000,
            ),
        );
        let locations =
            collect(&mut errors, at_most("locations", &self.locations, MAX_LOCATIONS)).and_then(|()| {
                let places: Vec<Option<Location>> = self
                    .locations
                    .iter()
                    .enumerate()
                    .map(|(n, l)| collect(&mut errors, location(n, l)))
                    .collect();
                places.into_iter().collect::<Option<Vec<_>>>()
            });
        let opening_times = collect(
            &mut errors,
            optional_text(
                "opening_times",
                "the opening times",
                self.opening_times.as_deref(),
                500,
            ),
        );
        match (
            name,
            description,
            provider,
            email,
            phone,
            url,
            referral_notes,
            locations,
            opening_times,
        ) {
            (
                Some(name),
                Some(description),
                Some(provider),
                Some(email),
                Some(phone),
                Some(url),
                Some(referral_notes),
                Some(locations),
                Some(opening_times),
            ) if errors.is_empty() => Ok(NewService {
                name,
                description,
                impact_areas,
                provider,
                email,
                phone,
                url,
                referral_notes,
                locations,
                opening_times,
            }),
            _ => Err(errors),
        }
    }
}

/// `POST /borrowers/{id}/signposts`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignpostRequest {
    #[schema(value_type = i32, required = true)]
    pub service_id: Option<i32>,
    /// What was said or arranged; no more than the service needs.
    #[schema(max_length = 1000)]
    pub notes: Option<String>,
    /// The person agreed to their details being passed to the service.
    pub consent: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_entry_names_every_field_that_is_wrong() {
        let good = ServiceRequest {
            name: Some("Warm Welcome café".into()),
            impact_areas: vec![ImpactArea::Isolation, ImpactArea::Isolation],
            email: Some(" Hello@Example.org ".into()),
            url: Some("https://example.org/cafe".into()),
            locations: vec![LocationRequest {
                name: Some("Church hall".into()),
                address: None,
                postcode: Some("me14 1xx".into()),
            }],
            ..ServiceRequest::default()
        };
        let service = good.parse().unwrap();
        assert_eq!(service.impact_areas, [ImpactArea::Isolation]);
        assert_eq!(service.email.as_deref(), Some("hello@example.org"));
        assert_eq!(service.locations[0].postcode.as_deref(), Some("ME14 1XX"));
        assert_eq!(service.search_text(), "warm welcome café");
        let bad = ServiceRequest {
            name: None,
            impact_areas: vec![],
            email: Some("not an email".into()),
            phone: Some("12".into()),
            url: Some("javascript:alert(1)".into()),
            locations: vec![LocationRequest {
                name: None,
                address: None,
                postcode: Some("nowhere".into()),
            }],
            ..good
        };
        let fields: Vec<String> = bad.parse().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "name",
                "impact_areas",
                "email",
                "phone",
                "url",
                "locations[0].name"
            ]
        );
    }
}
