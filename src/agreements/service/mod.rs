//! Agreements: the unsigned one drawn from the loan as it is, and the signed one stored once with
//! its SHA-256 (signing is in `signing.rs`); once the borrower is anonymised, only its hash,
//! terms version and time of acceptance are left, and its PDF answers 404.

mod signing;

pub use signing::*;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;

use super::{
    model::{AgreementDoc, LoanFacts, SigningMethod, Terms},
    render, repo,
};
use crate::{
    auth::{Action, Staff},
    db::Db,
    entities::loan,
    error::AppError,
    hubs,
    loans::{self, model::LoanStatus},
    organisations,
    people::{self, model::Looked},
};

// What other features may read and write of this feature's tables: they come here, never to
// `repo` (`.ci/imports.py` checks), so each use is one the feature has chosen to share.
pub use super::repo::erase_documents;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatus {
    Unsigned,
    Signed,
}

/// Where an agreement stands, as the API and pages show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgreementView {
    pub loan_id: i32,
    pub status: AgreementStatus,
    /// The terms it was signed under; the current terms while unsigned.
    pub terms_version: String,
    pub method: Option<SigningMethod>,
    pub signed_name: Option<String>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// Staff id of who was at the counter or recorded the paper copy.
    pub recorded_by: Option<i32>,
    /// Of the stored PDF, which never changes; kept after the document is deleted.
    pub sha256: Option<String>,
    /// When the document was deleted, as the borrower's record was anonymised.
    pub document_deleted_at: Option<DateTime<Utc>>,
}

impl AgreementView {
    fn unsigned(loan_id: i32, terms: &Terms) -> Self {
        Self {
            loan_id,
            status: AgreementStatus::Unsigned,
            terms_version: terms.version.clone(),
            method: None,
            signed_name: None,
            accepted_at: None,
            recorded_by: None,
            sha256: None,
            document_deleted_at: None,
        }
    }

    fn signed(row: &repo::Signed) -> Self {
        Self {
            loan_id: row.loan_id,
            status: AgreementStatus::Signed,
            terms_version: row.terms_version.clone(),
            method: Some(row.method),
            signed_name: row.erased_at.is_none().then(|| row.signed_name.clone()),
            accepted_at: Some(row.accepted_at),
            recorded_by: row.recorded_by,
            sha256: Some(row.sha256.clone()),
            document_deleted_at: row.erased_at,
        }
    }

    pub fn is_signed(&self) -> bool {
        self.status == AgreementStatus::Signed
    }
}

/// The signed PDF, or the unsigned one drawn now.
pub struct AgreementPdf {
    pub bytes: Vec<u8>,
    pub sha256: Option<String>,
    pub asset_tag: String,
}

async fn loan_of(
    db: &impl ConnectionTrait,
    staff: &Staff,
    action: Action,
    loan_id: i32,
) -> Result<loan::Model, AppError> {
    loans::service::find_loan(db, &staff.scope(action)?, loan_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no loan with id {loan_id}")))
}

/// What the agreement states about the loan, read as it is now.
async fn facts(db: &impl ConnectionTrait, loan: &loan::Model) -> Result<LoanFacts, AppError> {
    let gone = |what: &str| AppError::NotFound(format!("the {what} of loan {} no longer exists", loan.id));
    let device = repo::device(db, loan.device_id)
        .await?
        .ok_or_else(|| gone("device"))?;
    let borrower = people::service::find(db, loan.organisation_id, loan.borrower_id)
        .await?
        .ok_or_else(|| gone("borrower"))?;
    let hub = hubs::service::find_row(db, loan.hub_id)
        .await?
        .ok_or_else(|| gone("hub"))?;
    let organisation = organisations::service::find(db, loan.organisation_id)
        .await?
        .ok_or_else(|| gone("organisation"))?;
    Ok(LoanFacts {
        loan_id: loan.id,
        organisation: organisation.name,
        organisation_phone: organisation.phone,
        organisation_email: organisation.email,
        hub_name: hub.name,
        hub_address: hub.address,
        borrower: borrower.name,
        large_print: borrower.large_print,
        kind: device.kind.label().to_owned(),
        make_model: format!("{} {}", device.make, device.model),
        asset_tag: device.asset_tag,
        serial_number: device.serial_number,
        accessories: loan.accessories_issued.to_vec(),
        issued_at: loan.issued_at,
        due_on: loan.due_on,
    })
}

/// `GET /loans/{id}/agreement`.
pub async fn status(db: &Db, staff: &Staff, terms: &Terms, loan_id: i32) -> Result<AgreementView, AppError> {
    loan_of(&db.read, staff, Action::ViewLoans, loan_id).await?;
    Ok(match repo::signed(&db.read, loan_id).await? {
        Some(row) => AgreementView::signed(&row),
        None => AgreementView::unsigned(loan_id, terms),
    })
}

/// The agreement as a document (for the signing page), with where it stands.
pub async fn document(
    db: &Db,
    staff: &Staff,
    terms: &Terms,
    loan_id: i32,
) -> Result<(AgreementDoc, AgreementView, LoanStatus), AppError> {
    let loan = loan_of(&db.read, staff, Action::ViewLoans, loan_id).await?;
    let facts = facts(&db.read, &loan).await?;
    let view = match repo::signed(&db.read, loan_id).await? {
        Some(row) => AgreementView::signed(&row),
        None => AgreementView::unsigned(loan_id, terms),
    };
    Ok((AgreementDoc::new(facts, terms, None), view, loan.status))
}

/// `GET /loans/{id}/agreement.pdf`: once signed, exactly the stored bytes.
/// Every download is written to the borrower's access log.
pub async fn pdf(db: &Db, staff: &Staff, terms: &Arc<Terms>, loan_id: i32) -> Result<AgreementPdf, AppError> {
    let loan = loan_of(&db.read, staff, Action::ViewLoans, loan_id).await?;
    people::service::looked(db, staff, loan.borrower_id, Looked::Agreement, Utc::now()).await?;
    if let Some(row) = repo::of_loan(&db.read, loan_id).await? {
        if let Some(at) = row.erased_at {
            return Err(AppError::NotFound(format!(
                "the agreement of loan {loan_id} was deleted on {} when the borrower's record was \
                 anonymised; its SHA-256 stays on the loan",
                crate::dates::long_date(crate::dates::today(at))
            )));
        }
        let asset_tag = repo::device(&db.read, loan.device_id)
            .await?
            .map(|d| d.asset_tag)
            .ok_or_else(|| AppError::Internal(format!("loan {loan_id} names a missing device").into()))?;
        return Ok(AgreementPdf {
            bytes: row.pdf,
            sha256: Some(row.sha256),
            asset_tag,
        });
    }
    let facts = facts(&db.read, &loan).await?;
    let asset_tag = facts.asset_tag.clone();
    let terms = Arc::clone(terms);
    let bytes = tokio::task::spawn_blocking(move || {
        render::render(&AgreementDoc::new(facts, &terms, None), Utc::now())
    })
    .await
    .map_err(AppError::internal)?;
    Ok(AgreementPdf {
        bytes,
        sha256: None,
        asset_tag,
    })
}

/// The stored PDF of each signed agreement among `loan_ids` (loans the caller has already been
/// allowed to read), for a person's export.
pub async fn stored(
    db: &impl ConnectionTrait,
    staff: &Staff,
    loan_ids: &[i32],
) -> Result<Vec<(i32, Vec<u8>)>, AppError> {
    staff.require(Action::Export)?;
    let mut found = Vec::new();
    for &loan_id in loan_ids {
        if let Some(row) = repo::of_loan(db, loan_id).await?
            && row.organisation_id == staff.organisation_id()
            && row.erased_at.is_none()
        {
            found.push((loan_id, row.pdf));
        }
    }
    Ok(found)
}
