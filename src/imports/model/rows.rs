//! A row turned into the request lendhub's own forms send, with every cell that does not read as
//! `(field, message)`.

use std::collections::HashMap;

use super::{
    cells::{kind_from_word, list, parse_uk_date, yes},
    fields::squash,
};
use crate::{
    devices::model::{DeviceRequest, SimRequest},
    directory::model::{ImpactArea, LocationRequest, ServiceRequest},
    money,
    people::model::{BorrowerRequest, ConsentRequest},
};

/// A device row as the device form would send it, with the hub still a name. Problems lendhub's
/// own form cannot have (a date or cost as a spreadsheet writes it) are found here.
pub struct DeviceRow {
    pub request: DeviceRequest,
    pub hub: Option<String>,
}

/// The row as far as it reads, and `(field, message)` for each cell that does not.
pub fn device_row<S: std::hash::BuildHasher>(
    cells: &HashMap<&str, &str, S>,
) -> (DeviceRow, Vec<(&'static str, String)>) {
    let mut errors = Vec::new();
    let get = |field: &str| cells.get(field).copied();
    let kind = get("kind").map(|text| match kind_from_word(text) {
        Some(kind) => kind.to_owned(),
        None => {
            errors.push((
                "kind",
                format!("{text:?} is not a kind lendhub knows: say laptop, tablet or mifi"),
            ));
            String::new()
        }
    });
    let date = |errors: &mut Vec<(&'static str, String)>, field: &'static str| {
        get(field).and_then(|text| match parse_uk_date(text) {
            Some(date) => Some(date.to_string()),
            None => {
                errors.push((
                    field,
                    format!("{text:?} is not a date: write 14/03/2026 or 2026-03-14"),
                ));
                None
            }
        })
    };
    let purchased_on = date(&mut errors, "purchased_on");
    let plan_ends_on = date(&mut errors, "sim_plan_ends_on");
    let purchase_cost_pence = get("purchase_cost").and_then(|text| match money::parse_pounds(text) {
        Some(pence) if pence <= money::MAX_PENCE => Some(pence),
        Some(_) => {
            errors.push(("purchase_cost", "the cost can be at most £100,000.00".to_owned()));
            None
        }
        None => {
            errors.push((
                "purchase_cost",
                format!("{text:?} is not an amount: write 249.99 or £249.99"),
            ));
            None
        }
    });
    let allowance_gb = get("sim_allowance_gb").and_then(|text| {
        let number = text
            .trim()
            .trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .trim();
        match number.parse::<i32>() {
            Ok(gb) => Some(gb),
            Err(_) => {
                errors.push(("sim_allowance_gb", format!("{text:?} is not a number of GB")));
                None
            }
        }
    });
    let sim = [
        get("sim_iccid"),
        get("sim_network"),
        get("sim_allowance_gb"),
        get("sim_plan_ends_on"),
    ]
    .iter()
    .any(Option::is_some)
    .then(|| SimRequest {
        iccid: get("sim_iccid").map(str::to_owned),
        network: get("sim_network").map(str::to_owned),
        allowance_gb,
        plan_ends_on,
    });
    let condition = get("condition").map(str::to_lowercase);
    let request = DeviceRequest {
        kind,
        make: get("make").map(str::to_owned),
        model: get("model").map(str::to_owned),
        hub_id: None,
        serial_number: get("serial_number").map(str::to_owned),
        imei: get("imei").map(str::to_owned),
        asset_tag: get("asset_tag").map(str::to_owned),
        condition,
        accessories: list(get("accessories")),
        funding_source: get("funding_source").map(str::to_owned),
        purchased_on,
        purchase_cost_pence,
        notes: get("notes").map(str::to_owned),
        sim,
    };
    let row = DeviceRow {
        request,
        hub: get("hub").map(str::to_owned),
    };
    (row, errors)
}

/// # Errors
/// `(field, message)` for each cell that does not read.
pub fn borrower_row<S: std::hash::BuildHasher>(
    cells: &HashMap<&str, &str, S>,
) -> Result<BorrowerRequest, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let get = |field: &str| cells.get(field).copied();
    let mut flag = |field: &'static str| {
        get(field).and_then(|text| match yes(text) {
            Some(value) => Some(value),
            None => {
                errors.push((field, format!("{text:?} is not yes or no")));
                None
            }
        })
    };
    let large_print = flag("large_print");
    let prefers_phone = flag("prefers_phone");
    let barriers = list(get("barriers")).map(|items| {
        items
            .into_iter()
            .map(|b| b.to_lowercase().replace([' ', '-'], "_"))
            .collect()
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(BorrowerRequest {
        name: get("name").map(str::to_owned),
        email: get("email").map(str::to_owned),
        phone: get("phone").map(str::to_owned),
        address: get("address").map(str::to_owned),
        postcode: get("postcode").map(str::to_owned),
        barriers,
        consent: Some(ConsentRequest {
            data_processing: Some(true),
            ..ConsentRequest::default()
        }),
        large_print,
        preferred_language: get("preferred_language").map(str::to_owned),
        accessibility_needs: get("accessibility_needs").map(str::to_owned),
        referral_source: get("referral_source").map(str::to_owned),
        resident_of_organisation_id: None,
        prefers_phone,
    })
}

/// The area of need a cell names, by its code or its words in any case: `money_advice`, "Money
/// advice", "food & medicine".
fn impact_area(text: &str) -> Option<ImpactArea> {
    let word = squash(&text.replace('&', "and"));
    ImpactArea::ALL
        .iter()
        .copied()
        .find(|a| squash(a.as_str()) == word || squash(a.label()) == word)
}

/// A directory row as the service form would send it.
///
/// # Errors
/// `(field, message)` for an area of need lendhub does not know.
pub fn service_row<S: std::hash::BuildHasher>(
    cells: &HashMap<&str, &str, S>,
) -> Result<ServiceRequest, Vec<(&'static str, String)>> {
    let get = |field: &str| cells.get(field).copied();
    let mut impact_areas = Vec::new();
    for item in get("impact_areas")
        .map(|t| {
            t.split([';', '|', '\n', ','])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
    {
        match impact_area(item) {
            Some(area) => impact_areas.push(area),
            None => {
                let known: Vec<&str> = ImpactArea::ALL.iter().map(|a| a.label()).collect();
                return Err(vec![(
                    "impact_areas",
                    format!(
                        "{item:?} is not an area of need lendhub knows: use {}",
                        known.join(", ")
                    ),
                )]);
            }
        }
    }
    let place = LocationRequest {
        name: get("location_name").map(str::to_owned),
        address: get("address").map(str::to_owned),
        postcode: get("postcode").map(str::to_owned),
    };
    let has_place = place.name.is_some() || place.address.is_some() || place.postcode.is_some();
    Ok(ServiceRequest {
        name: get("name").map(str::to_owned),
        description: get("description").map(str::to_owned),
        impact_areas,
        provider: get("provider").map(str::to_owned),
        email: get("email").map(str::to_owned),
        phone: get("phone").map(str::to_owned),
        url: get("url").map(str::to_owned),
        referral_notes: get("referral_notes").map(str::to_owned),
        // A place with no name of its own is called by its address's first line.
        locations: if has_place {
            vec![LocationRequest {
                name: place.name.clone().or_else(|| {
                    place
                        .address
                        .as_deref()
                        .and_then(|a| a.lines().next())
                        .map(str::to_owned)
                        .or_else(|| place.postcode.clone())
                }),
                ..place
            }]
        } else {
            Vec::new()
        },
        opening_times: get("opening_times").map(str::to_owned),
    })
}

/// The import field a form field's error is about: `hub_id` is the hub column,
/// `sim.iccid` the `sim_iccid` column.
pub fn field_of_error(field: &str) -> String {
    match field {
        "hub_id" => "hub".to_owned(),
        "purchase_cost_pence" => "purchase_cost".to_owned(),
        "locations[0].name" => "location_name".to_owned(),
        "locations[0].address" => "address".to_owned(),
        "locations[0].postcode" => "postcode".to_owned(),
        other => other.replace('.', "_"),
    }
}
