//! The devices partners lent one of the organisation's borrowers, on the records they made of
//! them: shown only for someone who agreed to sharing with partners, where a sharing agreement
//! in force names loans, each such read written to the person's access log naming the agreement.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::loans::{model::LoanStatus, repo};
use crate::{
    auth::{Action, Staff},
    db::Db,
    devices::model::DeviceKind,
    error::AppError,
    organisations,
    people::{self, model::Looked},
    sharing::{
        self,
        model::{Purpose, SharedData},
    },
};

/// A loan a partner organisation made to the person.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerLoan {
    pub organisation: String,
    /// The agreement it is shown under.
    pub agreement_id: i32,
    pub kind: Option<DeviceKind>,
    pub issued_at: DateTime<Utc>,
    #[schema(value_type = String, format = Date)]
    pub due_on: NaiveDate,
    pub status: LoanStatus,
    pub returned_at: Option<DateTime<Utc>>,
}

/// The partners' loans to `borrower_id`, one of `staff`'s organisation's borrowers whom the
/// caller has already found in its scope.
pub async fn partner_loans(
    db: &Db,
    staff: &Staff,
    borrower_id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<PartnerLoan>, AppError> {
    staff.require(Action::ViewLoans)?;
    let mut shown = Vec::new();
    // Only for someone who agreed to their details passing between the scheme's partners.
    let consented = people::service::find(&db.read, staff.organisation_id(), borrower_id)
        .await?
        .is_some_and(|b| b.consent_share_with_partners && b.anonymised_at.is_none());
    if !consented {
        return Ok(shown);
    }
    for (other, record) in people::service::copies_of(&db.read, borrower_id).await? {
        if other == staff.organisation_id() {
            continue;
        }
        let mut grant = None;
        for purpose in [Purpose::Loans, Purpose::Training] {
            grant = sharing::service::grant(&db.read, staff, other, purpose, SharedData::Loans, now).await?;
            if grant.is_some() {
                break;
            }
        }
        let Some(grant) = grant else { continue };
        let organisation = organisations::service::find(&db.read, other)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let loans = repo::loans_in(&db.read, grant.other_organisation_id(), record).await?;
        if loans.is_empty() {
            continue;
        }
        people::service::looked_under(db, staff, &grant, &[borrower_id], Looked::PartnerLoans, now).await?;
        shown.extend(loans.into_iter().map(|(loan, kind)| PartnerLoan {
            organisation: organisation.clone(),
            agreement_id: grant.agreement_id(),
            kind,
            issued_at: loan.issued_at,
            due_on: loan.due_on,
            status: loan.status,
            returned_at: loan.returned_at,
        }));
    }
    Ok(shown)
}
