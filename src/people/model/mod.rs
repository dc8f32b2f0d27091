//! What a borrower record must hold: a name, at least one way to reach them, and consent.

mod access;
mod consent;
mod contact;

pub use access::*;
pub use consent::*;
pub use contact::*;
use serde::{Deserialize, Serialize};

use crate::{
    auth::model::parse_email,
    error::FieldError,
    organisations::model::parse_name,
    validate::{collect, optional_text},
};

/// Why someone joined the scheme.
pub const BARRIERS: [(&str, &str); 3] = [
    ("no_device", "No device"),
    ("no_connection", "No internet connection"),
    ("skills", "Skills or confidence"),
];

pub fn barrier_label(value: &str) -> &str {
    crate::enums::label_in(&BARRIERS, value)
}

/// Consent as a new borrower's request gives it: purposes by name (`loan` must be `true`), or the
/// older `{data_processing: true}`, which means `loan`.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ConsentRequest {
    /// The older name for `loan`.
    pub data_processing: Option<bool>,
    /// Must be `true`: the borrower agreed that we keep and use their details to run the loan.
    pub loan: Option<bool>,
    /// Each reminder purpose left out is given where its contact detail is (an email, a phone, an
    /// address).
    pub email_reminders: Option<bool>,
    pub phone_reminders: Option<bool>,
    pub post: Option<bool>,
    /// Given only when named.
    pub follow_up: Option<bool>,
    pub share_with_partners: Option<bool>,
}

impl ConsentRequest {
    /// Whether the person agreed to the loan (`loan`, or the older `data_processing`).
    pub fn agreed_to_loan(&self) -> bool {
        self.loan.or(self.data_processing) == Some(true)
    }

    /// A new borrower's consents: what was named, and for a reminder purpose left out, whether
    /// its detail was given.
    pub fn for_new(&self, details: &BorrowerDetails) -> Consents {
        let mut consents = Consents::for_new(details);
        let named = ConsentsRequest {
            loan: self.loan.or(self.data_processing),
            email_reminders: self.email_reminders,
            phone_reminders: self.phone_reminders,
            post: self.post,
            follow_up: self.follow_up,
            share_with_partners: self.share_with_partners,
            how: None,
        };
        for (purpose, given) in named.answers() {
            if let Some(given) = given {
                consents.set(purpose, given);
            }
        }
        consents
    }
}

/// `POST /borrowers`, `PATCH /borrowers/{id}` and the borrower form, before checking.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BorrowerRequest {
    #[schema(value_type = String, required = true, format = "line", min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(pattern = r"^[^\s@]+@[^\s@.][^\s@]*\.[^\s@]*[^\s@.]$", max_length = 254)]
    pub email: Option<String>,
    #[schema(pattern = r"^\+?[0-9]{10,15}$")]
    pub phone: Option<String>,
    #[schema(max_length = 500)]
    pub address: Option<String>,
    #[schema(pattern = r"^[A-Z]{1,2}[0-9]{1,2} [0-9][A-Z]{2}$")]
    pub postcode: Option<String>,
    /// Any of `no_device`, `no_connection`, `skills`
    pub barriers: Option<Vec<String>>,
    pub consent: Option<ConsentRequest>,
    pub large_print: Option<bool>,
    #[schema(max_length = 50)]
    pub preferred_language: Option<String>,
    #[schema(max_length = 500)]
    pub accessibility_needs: Option<String>,
    #[schema(max_length = 100)]
    pub referral_source: Option<String>,
    /// The organisation whose tenant or resident they are; absent when not a resident.
    pub resident_of_organisation_id: Option<i32>,
    /// Reminders by phone call even when there is an email address.
    pub prefers_phone: Option<bool>,
}

/// A borrower's details, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BorrowerDetails {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub barriers: Vec<String>,
    pub large_print: bool,
    pub preferred_language: Option<String>,
    pub accessibility_needs: Option<String>,
    pub referral_source: Option<String>,
    pub resident_of_organisation_id: Option<i32>,
    pub prefers_phone: bool,
}

impl BorrowerRequest {
    /// Checks a new borrower: every problem, in form order.
    pub fn parse_new(&self) -> Result<BorrowerDetails, Vec<FieldError>> {
        let consent = self.consent.as_ref().is_some_and(ConsentRequest::agreed_to_loan);
        let mut errors = match self.details() {
            Ok(details) if consent => return Ok(details),
            Ok(_) => Vec::new(),
            Err(errors) => errors,
        };
        if !consent {
            errors.push(FieldError::new(
                "consent.data_processing",
                "the borrower must agree to us keeping their details before we can lend to them",
            ));
        }
        Err(errors)
    }

    /// Checks the details, consent aside.
    pub fn details(&self) -> Result<BorrowerDetails, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = collect(
            &mut errors,
            parse_name(
                "name",
                "their name",
                self.name.as_deref().unwrap_or_default(),
                100,
            ),
        );
        let email = collect(
            &mut errors,
            self.email
                .as_deref()
                .filter(|e| !e.trim().is_empty())
                .map(|e| parse_email("email", e))
                .transpose(),
        );
        let phone = collect(
            &mut errors,
            self.phone
                .as_deref()
                .filter(|p| !p.trim().is_empty())
                .map(parse_phone)
                .transpose(),
        );
        let address = collect(
            &mut errors,
            optional_text("address", "the address", self.address.as_deref(), 500),
        );
        let postcode = collect(
            &mut errors,
            self.postcode
                .as_deref()
                .filter(|p| !p.trim().is_empty())
                .map(parse_postcode)
                .transpose(),
        );
        let barriers = collect(
            &mut errors,
            parse_barriers(self.barriers.as_deref().unwrap_or_default()),
        );
        let preferred_language = collect(
            &mut errors,
            optional_text(
                "preferred_language",
                "the language",
                self.preferred_language.as_deref(),
                50,
            ),
        );
        let accessibility_needs = collect(
            &mut errors,
            optional_text(
                "accessibility_needs",
                "the accessibility needs",
                self.accessibility_needs.as_deref(),
                500,
            ),
        );
        let referral_source = collect(
            &mut errors,
            optional_text(
                "referral_source",
                "the referral source",
                self.referral_source.as_deref(),
                100,
            ),
        );
        let reachable = [&email, &phone, &address]
            .iter()
            .any(|f| matches!(f, Some(Some(_))));
        let all_read = [&email, &phone, &address].iter().all(|f| f.is_some());
        if all_read && !reachable {
            errors.push(FieldError::new(
                "contact",
                "give at least one way to reach them: an email address, a phone number or a postal address",
            ));
        }
        let (
            Some(name),
            Some(email),
            Some(phone),
            Some(address),
            Some(postcode),
            Some(barriers),
            Some(preferred_language),
            Some(accessibility_needs),
            Some(referral_source),
        ) = (
            name,
            email,
            phone,
            address,
            postcode,
            barriers,
            preferred_language,
            accessibility_needs,
            referral_source,
        )
        else {
            return Err(errors);
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(BorrowerDetails {
            name,
            email,
            phone,
            address,
            postcode,
            barriers,
            large_print: self.large_print.unwrap_or(false),
            preferred_language,
            accessibility_needs,
            referral_source,
            resident_of_organisation_id: self.resident_of_organisation_id,
            prefers_phone: self.prefers_phone.unwrap_or(false),
        })
    }
}

fn parse_barriers(items: &[String]) -> Result<Vec<String>, FieldError> {
    let mut barriers: Vec<String> = Vec::new();
    for item in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !BARRIERS.iter().any(|(value, _)| *value == item) {
            return Err(FieldError::new(
                "barriers",
                "barriers must be among no_device, no_connection, skills",
            ));
        }
        if !barriers.iter().any(|b| b == item) {
            barriers.push(item.to_owned());
        }
    }
    Ok(barriers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_phone() -> BorrowerRequest {
        BorrowerRequest {
            name: Some("Siân Evans".into()),
            phone: Some("07700 900123".into()),
            consent: Some(ConsentRequest {
                data_processing: Some(true),
                ..ConsentRequest::default()
            }),
            ..BorrowerRequest::default()
        }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_name_a_phone_and_consent_are_enough() {
        let details = with_phone().parse_new().unwrap();
        assert_eq!(details.name, "Siân Evans");
        assert_eq!(details.phone.as_deref(), Some("07700 900123"));
        assert!(!details.large_print);
    }

    #[test]
    fn consent_is_required() {
        let request = BorrowerRequest {
            consent: None,
            ..with_phone()
        };
        assert_eq!(
            fields(request.parse_new().unwrap_err()),
            ["consent.data_processing"]
        );
        let refused = BorrowerRequest {
            consent: Some(ConsentRequest {
                data_processing: Some(false),
                ..ConsentRequest::default()
            }),
            ..with_phone()
        };
        assert_eq!(
            fields(refused.parse_new().unwrap_err()),
            ["consent.data_processing"]
        );
    }

    #[test]
    fn at_least_one_way_to_reach_them_is_required() {
        let request = BorrowerRequest {
            phone: None,
            ..with_phone()
        };
        assert_eq!(fields(request.parse_new().unwrap_err()), ["contact"]);
        let by_post = BorrowerRequest {
            phone: None,
            address: Some("1 High St".into()),
            ..with_phone()
        };
        assert!(by_post.parse_new().is_ok());
    }

    #[test]
    fn contact_details_are_checked() {
        let request = BorrowerRequest {
            email: Some("not-an-email".into()),
            phone: Some("12".into()),
            postcode: Some("nowhere".into()),
            barriers: Some(vec!["money".into()]),
            ..with_phone()
        };
        assert_eq!(
            fields(request.parse_new().unwrap_err()),
            ["email", "phone", "postcode", "barriers"]
        );
    }

    #[test]
    fn postcodes_are_written_the_standard_way() {
        assert_eq!(parse_postcode("e15hr").unwrap(), "E1 5HR");
        assert_eq!(parse_postcode(" sw1a 1aa ").unwrap(), "SW1A 1AA");
        assert_eq!(parse_postcode("M1 1AE").unwrap(), "M1 1AE");
        for bad in [
            "",
            "E1",
            "12345",
            "E1 5H",
            "E1 5HRX",
            "E1 5H𝟙",
            "𝟙1 5HR",
            "É1 5HR",
            "ß",
        ] {
            assert!(parse_postcode(bad).is_err(), "{bad:?}");
        }
    }
}
