//! What a sharing agreement says: its purpose, the kinds of data it lets flow, its dates and its
//! lawful basis; what a proposal must hold; and where an agreement stands on a given day.

use chrono::NaiveDate;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    dates::optional_date,
    enums::string_enum,
    error::FieldError,
    validate::{at_most, collect},
};

string_enum!(
    /// What the shared data is for.
    Purpose, "purpose" {
        Training = "training" / "Training",
        Loans = "loans" / "Lending devices",
        Referrals = "referrals" / "Referrals",
    }
);

string_enum!(
    /// A kind of data an agreement lets flow between the two organisations.
    SharedData, "data" {
        Names = "names" / "Names and access needs",
        Contact = "contact" / "Contact details (phone and email)",
        Barriers = "barriers" / "Barriers to getting online",
        Loans = "loans" / "Loans",
        Attendance = "attendance" / "Attendance and skills progress",
    }
);

string_enum!(
    /// The lawful basis for the sharing (UK GDPR article 6).
    LawfulBasis, "lawful_basis" {
        Consent = "consent" / "Consent",
        Contract = "contract" / "Contract",
        LegalObligation = "legal_obligation" / "Legal obligation",
        VitalInterests = "vital_interests" / "Vital interests",
        PublicTask = "public_task" / "Public task",
        LegitimateInterests = "legitimate_interests" / "Legitimate interests",
    }
);

string_enum!(
    /// Where an agreement stands on a day.
    Status, "status" {
        Proposed = "proposed" / "Waiting for the other organisation to accept",
        Agreed = "agreed" / "Agreed, from its start date",
        InForce = "in_force" / "In force",
        Ended = "ended" / "Ended",
    }
);

/// The longest an agreement may run before it is agreed again: five years.
pub const MAX_YEARS: i32 = 5;

/// `POST /sharing-agreements`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SharingAgreementRequest {
    /// The organisation asked to accept it.
    #[schema(value_type = i32, required = true)]
    pub with_organisation_id: Option<i32>,
    #[schema(value_type = Purpose, required = true)]
    pub purpose: Option<String>,
    /// The kinds of data that may flow: at least one.
    #[schema(value_type = Vec<SharedData>, required = true, min_items = 1, max_items = 5)]
    pub data: Option<Vec<String>>,
    /// `YYYY-MM-DD`.
    #[schema(value_type = String, required = true, format = Date)]
    pub starts_on: Option<String>,
    /// `YYYY-MM-DD`, on or after `starts_on`, within five years of it.
    #[schema(value_type = String, required = true, format = Date)]
    pub ends_on: Option<String>,
    #[schema(value_type = LawfulBasis, required = true)]
    pub lawful_basis: Option<String>,
}

/// A proposal that reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAgreement {
    pub with_organisation_id: i32,
    pub purpose: Purpose,
    pub data: Vec<SharedData>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub lawful_basis: LawfulBasis,
}

fn required_date(field: &str, text: Option<&str>) -> Result<NaiveDate, FieldError> {
    optional_date(field, text)?.ok_or_else(|| FieldError::new(field, "enter the date, as YYYY-MM-DD"))
}

impl SharingAgreementRequest {
    /// Checks the proposal on `today`: an agreement cannot end before today.
    ///
    /// # Errors
    /// Every problem, each naming its field.
    pub fn parse(&self, today: NaiveDate) -> Result<NewAgreement, Vec<FieldError>> {
        let mut errors = Vec::new();
        let with = collect(
            &mut errors,
            self.with_organisation_id.ok_or_else(|| {
                FieldError::new("with_organisation_id", "choose the organisation to share with")
            }),
        );
        let purpose = collect(
            &mut errors,
            match self.purpose.as_deref() {
                None | Some("") => Err(FieldError::new("purpose", "choose what the sharing is for")),
                Some(text) => Purpose::parse(text),
            },
        );
        let data = collect(&mut errors, parse_data(self.data.as_deref().unwrap_or_default()));
        let starts_on = collect(&mut errors, required_date("starts_on", self.starts_on.as_deref()));
        let ends_on = collect(&mut errors, required_date("ends_on", self.ends_on.as_deref()));
        if let (Some(starts), Some(ends)) = (starts_on, ends_on) {
            if ends < starts {
                errors.push(FieldError::new(
                    "ends_on",
                    "the end date is before the start date",
                ));
            } else if ends < today {
                errors.push(FieldError::new("ends_on", "the agreement would already be over"));
            } else if starts.checked_add_months(chrono::Months::new(12 * MAX_YEARS.unsigned_abs()))
                < Some(ends)
            {
                errors.push(FieldError::new(
                    "ends_on",
                    format!("an agreement runs at most {MAX_YEARS} years; agree a new one after"),
                ));
            }
        }
        let lawful_basis = collect(
            &mut errors,
            match self.lawful_basis.as_deref() {
                None | Some("") => Err(FieldError::new(
                    "lawful_basis",
                    "choose the lawful basis for sharing",
                )),
                Some(text) => LawfulBasis::parse(text),
            },
        );
        match (with, purpose, data, starts_on, ends_on, lawful_basis) {
            (
                Some(with_organisation_id),
                Some(purpose),
                Some(data),
                Some(starts_on),
                Some(ends_on),
                Some(lawful_basis),
            ) if errors.is_empty() => Ok(NewAgreement {
                with_organisation_id,
                purpose,
                data,
                starts_on,
                ends_on,
                lawful_basis,
            }),
            _ => Err(errors),
        }
    }
}

/// The kinds of data named, each once, in the order [`SharedData::ALL`] gives.
fn parse_data(items: &[String]) -> Result<Vec<SharedData>, FieldError> {
    at_most("data", items, SharedData::ALL.len())?;
    if items.is_empty() {
        return Err(FieldError::new(
            "data",
            "choose at least one kind of data to share",
        ));
    }
    let mut named = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let kind = SharedData::parse(item).map_err(|e| FieldError::new(format!("data[{i}]"), e.message))?;
        if named.contains(&kind) {
            return Err(FieldError::new(
                format!("data[{i}]"),
                format!("{} is named twice", kind.as_str()),
            ));
        }
        named.push(kind);
    }
    Ok(SharedData::ALL
        .iter()
        .copied()
        .filter(|k| named.contains(k))
        .collect())
}

/// Where an agreement stands on `today`.
pub fn status(
    accepted: bool,
    ended: bool,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    today: NaiveDate,
) -> Status {
    if ended || ends_on < today {
        Status::Ended
    } else if !accepted {
        Status::Proposed
    } else if starts_on > today {
        Status::Agreed
    } else {
        Status::InForce
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn request() -> SharingAgreementRequest {
        SharingAgreementRequest {
            with_organisation_id: Some(2),
            purpose: Some("training".into()),
            data: Some(vec!["attendance".into(), "names".into()]),
            starts_on: Some("2027-01-01".into()),
            ends_on: Some("2027-12-31".into()),
            lawful_basis: Some("consent".into()),
        }
    }

    #[test]
    fn a_proposal_reads_with_its_data_in_order() {
        let new = request().parse(day("2026-12-07")).unwrap();
        assert_eq!(new.data, vec![SharedData::Names, SharedData::Attendance]);
        assert_eq!(new.purpose, Purpose::Training);
    }

    #[test]
    fn each_fault_names_its_field() {
        let fields = |r: SharingAgreementRequest| -> Vec<String> {
            r.parse(day("2026-12-07"))
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(fields(SharingAgreementRequest::default()).len(), 6);
        let mut r = request();
        r.data = Some(vec!["names".into(), "names".into()]);
        assert_eq!(fields(r), ["data[1]"]);
        let mut r = request();
        r.data = Some(vec!["names".into(), "shoe size".into()]);
        assert_eq!(fields(r), ["data[1]"]);
        let mut r = request();
        r.ends_on = Some("2026-12-31".into());
        assert_eq!(fields(r), ["ends_on"]);
        let mut r = request();
        r.starts_on = Some("2020-01-01".into());
        r.ends_on = Some("2026-12-06".into());
        assert_eq!(fields(r), ["ends_on"]);
        let mut r = request();
        r.ends_on = Some("2032-01-02".into());
        assert_eq!(fields(r), ["ends_on"]);
    }

    #[test]
    fn an_agreement_is_in_force_only_once_accepted_and_between_its_dates() {
        let (starts, ends) = (day("2027-01-01"), day("2027-12-31"));
        assert_eq!(
            status(false, false, starts, ends, day("2027-02-01")),
            Status::Proposed
        );
        assert_eq!(
            status(true, false, starts, ends, day("2026-12-31")),
            Status::Agreed
        );
        assert_eq!(
            status(true, false, starts, ends, day("2027-01-01")),
            Status::InForce
        );
        assert_eq!(
            status(true, false, starts, ends, day("2027-12-31")),
            Status::InForce
        );
        assert_eq!(
            status(true, false, starts, ends, day("2028-01-01")),
            Status::Ended
        );
        assert_eq!(status(true, true, starts, ends, day("2027-02-01")), Status::Ended);
    }
}
