//! One row of each export from its database row: dates, costs, lists and yes or no written as the
//! import reads them, and a borrower's postcode cut to its district when pseudonymised.

use crate::{
    entities::{borrower, device, enrolment, loan, training_session},
    money,
};

fn text(value: Option<&str>) -> String {
    value.unwrap_or_default().to_owned()
}

fn date(value: Option<chrono::NaiveDate>) -> String {
    value.map(|d| d.to_string()).unwrap_or_default()
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}

/// A list cell: `charger; case`.
fn list(items: &[String]) -> String {
    items.join("; ")
}

/// A cost as the import reads it: `249.99`.
fn cost(pence: Option<i64>) -> String {
    pence
        .map(|p| money::pounds(p).trim_start_matches('£').to_owned())
        .unwrap_or_default()
}

pub fn device_row(device: &device::Model, hub: &str) -> Vec<String> {
    vec![
        device.asset_tag.clone(),
        device.kind.as_str().to_owned(),
        device.make.clone(),
        device.model.clone(),
        text(device.serial_number.as_deref()),
        text(device.imei.as_deref()),
        hub.to_owned(),
        device.status.as_str().to_owned(),
        device.condition.as_str().to_owned(),
        list(&device.accessories),
        text(device.funding_source.as_deref()),
        date(device.purchased_on),
        cost(device.purchase_cost_pence),
        text(device.notes.as_deref()),
        text(device.sim_iccid.as_deref()),
        text(device.sim_network.as_deref()),
        device
            .sim_allowance_gb
            .map(|gb| gb.to_string())
            .unwrap_or_default(),
        date(device.sim_plan_ends_on),
    ]
}

pub fn loan_row(loan: &loan::Model, asset_tag: &str, hub: &str) -> Vec<String> {
    vec![
        loan.id.to_string(),
        asset_tag.to_owned(),
        loan.borrower_id.to_string(),
        hub.to_owned(),
        loan.status.as_str().to_owned(),
        crate::dates::today(loan.issued_at).to_string(),
        loan.due_on.to_string(),
        date(loan.returned_at.map(crate::dates::today)),
        loan.return_condition
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        date(loan.lost_at.map(crate::dates::today)),
    ]
}

pub fn borrower_row(borrower: &borrower::Model, pseudonymised: bool) -> Vec<String> {
    let added_on = crate::dates::today(borrower.created_at).to_string();
    if pseudonymised {
        return vec![
            borrower.id.to_string(),
            postcode_district(borrower.postcode.as_deref()),
            list(&borrower.barriers),
            yes_no(borrower.large_print),
            yes_no(borrower.prefers_phone),
            added_on,
        ];
    }
    vec![
        borrower.id.to_string(),
        borrower.name.clone(),
        text(borrower.email.as_deref()),
        text(borrower.phone.as_deref()),
        text(borrower.address.as_deref()),
        text(borrower.postcode.as_deref()),
        list(&borrower.barriers),
        yes_no(borrower.large_print),
        text(borrower.preferred_language.as_deref()),
        text(borrower.accessibility_needs.as_deref()),
        yes_no(borrower.prefers_phone),
        text(borrower.referral_source.as_deref()),
        added_on,
    ]
}

/// The outward half of a postcode ("M14" of "M14 5TQ"): an area of some thousands of homes, not
/// a street.
pub fn postcode_district(postcode: Option<&str>) -> String {
    let Some(postcode) = postcode else {
        return String::new();
    };
    let compact: Vec<char> = postcode.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() <= 3 {
        return String::new();
    }
    compact[..compact.len() - 3]
        .iter()
        .collect::<String>()
        .to_uppercase()
}

/// What a session row needs besides the session: its course, hub, trainer and head count.
pub struct SessionFacts<'a> {
    pub course: &'a str,
    pub hub: &'a str,
    pub trainer: &'a str,
    pub enrolled: u64,
}

pub fn session_row(session: &training_session::Model, facts: &SessionFacts<'_>) -> Vec<String> {
    vec![
        session.id.to_string(),
        facts.course.to_owned(),
        session.starts_at.to_rfc3339(),
        session.duration_minutes.to_string(),
        session.capacity.to_string(),
        facts.hub.to_owned(),
        yes_no(session.hub_id.is_none()),
        facts.trainer.to_owned(),
        facts.enrolled.to_string(),
    ]
}

pub fn attendance_row(enrolment: &enrolment::Model, course: &str, starts_at: &str) -> Vec<String> {
    vec![
        enrolment.session_id.to_string(),
        course.to_owned(),
        starts_at.to_owned(),
        enrolment.borrower_id.to_string(),
        enrolment
            .attendance
            .map(|a| a.as_str().to_owned())
            .unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_postcode_district_is_the_outward_code() {
        assert_eq!(postcode_district(Some("M14 5TQ")), "M14");
        assert_eq!(postcode_district(Some("sw1a1aa")), "SW1A");
        assert_eq!(postcode_district(Some("M1")), "");
        assert_eq!(postcode_district(None), "");
    }
}
