//! A borrower as the API and pages show them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::repo;
use crate::{
    entities::borrower,
    people::model::{BorrowerRequest, ConsentRequest, Consents},
};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentView {
    pub data_processing: bool,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<i32>,
}

/// A borrower as the API and pages show them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BorrowerView {
    pub id: i32,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub barriers: Vec<String>,
    pub consent: ConsentView,
    /// What they agree to now, for each purpose.
    pub consents: Consents,
    pub large_print: bool,
    pub preferred_language: Option<String>,
    pub accessibility_needs: Option<String>,
    pub referral_source: Option<String>,
    pub resident_of_organisation_id: Option<i32>,
    pub prefers_phone: bool,
    pub created_at: DateTime<Utc>,
    /// When they were last lent a device; null before their first loan.
    pub last_loan_at: Option<DateTime<Utc>>,
    /// When the record was anonymised (by retention or on request); null while it is not.
    pub anonymised_at: Option<DateTime<Utc>>,
    /// Why and since when an admin holds the record back from retention.
    pub hold: Option<HoldView>,
    /// The partner organisation's borrower this record was made from, to lend them a device at
    /// this organisation's training; null for everyone else.
    pub partner_borrower_id: Option<i32>,
}

/// A hold on a record: retention passes it by.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HoldView {
    pub at: DateTime<Utc>,
    pub reason: String,
}

impl From<borrower::Model> for BorrowerView {
    fn from(row: borrower::Model) -> Self {
        let consents = repo::of_row(&row);
        Self {
            id: row.id,
            name: row.name,
            email: row.email,
            phone: row.phone,
            address: row.address,
            postcode: row.postcode,
            barriers: row.barriers.into_inner(),
            consent: ConsentView {
                data_processing: row.consent_data_processing,
                recorded_at: row.consent_recorded_at,
                recorded_by: row.consent_recorded_by,
            },
            consents,
            large_print: row.large_print,
            preferred_language: row.preferred_language,
            accessibility_needs: row.accessibility_needs,
            referral_source: row.referral_source,
            resident_of_organisation_id: row.resident_of_organisation_id,
            prefers_phone: row.prefers_phone,
            created_at: row.created_at,
            last_loan_at: row.last_loan_at,
            anonymised_at: row.anonymised_at,
            hold: row.held_at.map(|at| HoldView {
                at,
                reason: row.hold_reason.unwrap_or_default(),
            }),
            partner_borrower_id: row.partner_borrower_id,
        }
    }
}

impl BorrowerView {
    /// The view as `staff` may see it: a hold and its reason are for admins, who set them.
    #[must_use]
    pub fn seen_by(mut self, staff: &crate::auth::Staff) -> Self {
        if !staff.can(crate::auth::Action::ManageRetention) {
            self.hold = None;
        }
        self
    }

    /// The details in the shape of a request, for merging a PATCH or filling the form.
    pub fn as_request(&self) -> BorrowerRequest {
        BorrowerRequest {
            name: Some(self.name.clone()),
            email: self.email.clone(),
            phone: self.phone.clone(),
            address: self.address.clone(),
            postcode: self.postcode.clone(),
            barriers: Some(self.barriers.clone()),
            consent: Some(ConsentRequest {
                data_processing: Some(self.consent.data_processing),
                ..ConsentRequest::default()
            }),
            large_print: Some(self.large_print),
            preferred_language: self.preferred_language.clone(),
            accessibility_needs: self.accessibility_needs.clone(),
            referral_source: self.referral_source.clone(),
            resident_of_organisation_id: self.resident_of_organisation_id,
            prefers_phone: Some(self.prefers_phone),
        }
    }

    /// What the audit log keeps: which fields changed, never their personal values.
    pub(super) fn audit_shape(&self) -> serde_json::Value {
        json!({
            "name": self.name, "email": self.email, "phone": self.phone, "address": self.address,
            "postcode": self.postcode, "barriers": self.barriers, "large_print": self.large_print,
            "preferred_language": self.preferred_language, "accessibility_needs": self.accessibility_needs,
            "referral_source": self.referral_source, "resident_of_organisation_id": self.resident_of_organisation_id,
            "prefers_phone": self.prefers_phone,
        })
    }
}
