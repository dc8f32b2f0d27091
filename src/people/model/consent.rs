//! Consent for each purpose a borrower's details are used for, and what it allows: a reminder
//! goes only by a route the person agreed to, with the detail it needs.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::BorrowerDetails;
use crate::{enums::string_enum, error::FieldError};

string_enum!(
    /// What a borrower's details may be used for.
    Purpose, "purpose" {
        Loan = "loan" / "Lending them a device (needed to lend)",
        EmailReminders = "email_reminders" / "Reminders by email",
        PhoneReminders = "phone_reminders" / "Reminders by phone call or text",
        Post = "post" / "Letters by post",
        FollowUp = "follow_up" / "Being asked later how it went",
        ShareWithPartners = "share_with_partners" / "Sharing with the scheme's partners",
    }
);

string_enum!(
    /// How a consent was given or withdrawn.
    How, "how" { InPerson = "in_person" / "In person", Phone = "phone" / "By phone", Paper = "paper" / "On paper" }
);

/// A borrower's answer for each purpose now.
#[allow(clippy::struct_excessive_bools)] // one answer a purpose, as the contract names them
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Consents {
    pub loan: bool,
    pub email_reminders: bool,
    pub phone_reminders: bool,
    pub post: bool,
    pub follow_up: bool,
    pub share_with_partners: bool,
}

impl Consents {
    pub fn get(&self, purpose: Purpose) -> bool {
        match purpose {
            Purpose::Loan => self.loan,
            Purpose::EmailReminders => self.email_reminders,
            Purpose::PhoneReminders => self.phone_reminders,
            Purpose::Post => self.post,
            Purpose::FollowUp => self.follow_up,
            Purpose::ShareWithPartners => self.share_with_partners,
        }
    }

    pub fn set(&mut self, purpose: Purpose, given: bool) {
        let answer = match purpose {
            Purpose::Loan => &mut self.loan,
            Purpose::EmailReminders => &mut self.email_reminders,
            Purpose::PhoneReminders => &mut self.phone_reminders,
            Purpose::Post => &mut self.post,
            Purpose::FollowUp => &mut self.follow_up,
            Purpose::ShareWithPartners => &mut self.share_with_partners,
        };
        *answer = given;
    }

    /// The purposes given, by name (for the audit log).
    pub fn given(&self) -> Vec<&'static str> {
        Purpose::ALL
            .iter()
            .filter(|p| self.get(**p))
            .map(|p| p.as_str())
            .collect()
    }

    /// Someone new who agreed to the loan: each reminder route they gave a detail for (an
    /// email, a phone, an address), and nothing they were not asked about.
    pub fn for_new(details: &BorrowerDetails) -> Self {
        Self {
            loan: true,
            email_reminders: details.email.is_some(),
            phone_reminders: details.phone.is_some(),
            post: details.address.is_some(),
            follow_up: false,
            share_with_partners: false,
        }
    }

    /// The contact details a reminder may use: each only with its consent.
    pub fn reach<'a>(
        &self,
        email: Option<&'a str>,
        phone: Option<&'a str>,
        address: Option<&'a str>,
    ) -> Reach<'a> {
        let usable = |given: bool, detail: Option<&'a str>| detail.filter(|d| given && !d.trim().is_empty());
        Reach {
            email: usable(self.email_reminders, email),
            phone: usable(self.phone_reminders, phone),
            address: usable(self.post, address),
        }
    }
}

/// The routes by which a borrower may be reminded: a detail they gave and agreed to be used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reach<'a> {
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub address: Option<&'a str>,
}

impl Reach<'_> {
    /// No route at all: the person belongs on the "cannot contact" list.
    pub fn is_none(&self) -> bool {
        self.email.is_none() && self.phone.is_none() && self.address.is_none()
    }
}

/// A purpose and whether it is now given.
pub type Change = (Purpose, bool);

/// `PUT /borrowers/{id}/consents` and the consent form: the purposes to change, and how the
/// person said so.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsentsRequest {
    pub loan: Option<bool>,
    pub email_reminders: Option<bool>,
    pub phone_reminders: Option<bool>,
    pub post: Option<bool>,
    pub follow_up: Option<bool>,
    pub share_with_partners: Option<bool>,
    /// `in_person`, `phone` or `paper`.
    #[schema(value_type = Option<How>)]
    pub how: Option<String>,
}

impl ConsentsRequest {
    /// The answers as asked: `None` for a purpose left out.
    pub fn answers(&self) -> [(Purpose, Option<bool>); 6] {
        [
            (Purpose::Loan, self.loan),
            (Purpose::EmailReminders, self.email_reminders),
            (Purpose::PhoneReminders, self.phone_reminders),
            (Purpose::Post, self.post),
            (Purpose::FollowUp, self.follow_up),
            (Purpose::ShareWithPartners, self.share_with_partners),
        ]
    }

    /// The purposes whose answer differs from `current`, and how the person said so.
    ///
    /// # Errors
    /// A `FieldError` on `how` when it is not one of the ways lendhub records.
    pub fn changes(&self, current: &Consents) -> Result<(Vec<Change>, Option<How>), FieldError> {
        let how = match self.how.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(How::parse(text)?),
        };
        let changed = self
            .answers()
            .into_iter()
            .filter_map(|(purpose, given)| Some((purpose, given?)))
            .filter(|(purpose, given)| current.get(*purpose) != *given)
            .collect();
        Ok((changed, how))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reminder_uses_only_a_detail_the_person_agreed_to() {
        let consents = Consents {
            email_reminders: false,
            phone_reminders: true,
            ..Consents::default()
        };
        let reach = consents.reach(Some("ada@example.org"), Some("020 7946 0018"), Some("1 High St"));
        assert_eq!(reach.email, None);
        assert_eq!(reach.phone, Some("020 7946 0018"));
        assert_eq!(reach.address, None);
        assert!(Consents::default().reach(Some("a@b.org"), None, None).is_none());
    }

    #[test]
    fn only_answers_that_differ_are_changes() {
        let current = Consents {
            loan: true,
            email_reminders: true,
            ..Consents::default()
        };
        let request = ConsentsRequest {
            loan: Some(true),
            email_reminders: Some(false),
            post: Some(true),
            how: Some("phone".into()),
            ..ConsentsRequest::default()
        };
        let (changed, how) = request.changes(&current).unwrap();
        assert_eq!(changed, [(Purpose::EmailReminders, false), (Purpose::Post, true)]);
        assert_eq!(how, Some(How::Phone));
        let wrong = ConsentsRequest {
            how: Some("pigeon".into()),
            ..ConsentsRequest::default()
        };
        assert_eq!(wrong.changes(&current).unwrap_err().field, "how");
    }
}
