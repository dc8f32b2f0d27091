//! The demo's signposting directory: a handful of the partner services a scheme in Kent would
//! list, each once however often the demo runs.

use chrono::Utc;

use crate::{
    db::{self, Db},
    directory::{
        model::{ImpactArea, LocationRequest, ServiceRequest},
        service,
    },
    error::AppError,
};

/// A place: its name, address and postcode.
type Place = (&'static str, &'static str, &'static str);

/// A service: its name, what it offers, the areas it meets, when it is open, and where.
type Demo = (
    &'static str,
    &'static str,
    &'static [ImpactArea],
    &'static str,
    Option<Place>,
);

const SERVICES: &[Demo] = &[
    (
        "Maidstone Food Bank",
        "Emergency food parcels, with advice on what else can help.",
        &[ImpactArea::FoodAndMedicine, ImpactArea::MoneyAdvice],
        "Tuesdays and Fridays, 10am to 1pm",
        Some(("St Faith's Church", "Station Road\nMaidstone", "ME14 1LH")),
    ),
    (
        "Befriending by phone",
        "A weekly call from the same volunteer, for anyone who feels alone.",
        &[
            ImpactArea::Befriending,
            ImpactArea::Isolation,
            ImpactArea::ElderlySupport,
        ],
        "Calls arranged to suit",
        None,
    ),
    (
        "Money and benefits advice",
        "Help to claim what people are owed, and with debts and bills.",
        &[ImpactArea::MoneyAdvice],
        "Mondays to Fridays, 9am to 5pm",
        Some(("Tonbridge library", "Avebury Avenue\nTonbridge", "TN9 1TG")),
    ),
    (
        "Digital drop-in",
        "Bring a phone, tablet or laptop and a question; no appointment needed.",
        &[ImpactArea::DigitalInclusion],
        "Wednesdays, 2pm to 4pm",
        Some(("Riverside hub", "High Street\nMaidstone", "ME14 1XX")),
    ),
    (
        "Job club",
        "CVs, applications and interview practice, with computers to use.",
        &[ImpactArea::Employment, ImpactArea::DigitalInclusion],
        "Thursdays, 10am to 12 noon",
        None,
    ),
];

/// Lists the demo services for the organisation, skipping any already there. Returns how many.
pub async fn list(db: &Db, organisation_id: i32) -> Result<usize, AppError> {
    let now = Utc::now();
    let tx = db::begin_write(db).await?;
    let Some(staff_id) = crate::auth::service::staff_of(&tx, organisation_id)
        .await?
        .first()
        .map(|s| s.id)
    else {
        return Ok(0);
    };
    let names: Vec<String> = SERVICES.iter().map(|s| s.0.to_owned()).collect();
    let listed = service::existing_names(&tx, &names).await?;
    let mut added = 0;
    for (name, description, areas, times, place) in SERVICES {
        if listed.contains(&name.to_lowercase()) {
            continue;
        }
        let request = ServiceRequest {
            name: Some((*name).to_owned()),
            description: Some((*description).to_owned()),
            impact_areas: areas.to_vec(),
            opening_times: Some((*times).to_owned()),
            locations: place
                .iter()
                .map(|(name, address, postcode)| LocationRequest {
                    name: Some((*name).to_owned()),
                    address: Some((*address).to_owned()),
                    postcode: Some((*postcode).to_owned()),
                })
                .collect(),
            ..ServiceRequest::default()
        };
        let new = request.parse().map_err(|mut e| AppError::Invalid(e.remove(0)))?;
        service::insert(&tx, organisation_id, staff_id, &new, now).await?;
        added += 1;
    }
    tx.commit().await?;
    Ok(added)
}
