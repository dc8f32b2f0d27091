//! Agreements: the unsigned one drawn from the loan as it is, and the signed one stored once with
//! its SHA-256. Signing renders the final PDF before the write transaction; the transaction only
//! checks the loan is still open and inserts the row, and the unique loan id makes a second
//! signature (or a racing one) a 409.

use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, SqlErr};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    model::{Acceptance, AgreementDoc, LoanFacts, Signature, SigningMethod, Terms, parse_signed_name},
    render, repo,
};
use crate::audit::AuditAction;

// What other features may read and write of this feature's tables: they come here, never to
// `repo` (`.ci/imports.py` checks), so each use is one the feature has chosen to share.
pub use super::repo::erase_documents;

use crate::{
    audit::{self, EntityRef},
    auth::{self, Action, Staff},
    db::{self, Db},
    entities::{agreement, loan},
    error::AppError,
    hubs,
    loans::{self, model::LoanStatus},
    organisations,
    people::{self, model::Looked},
};

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

/// `POST /loans/{id}/agreement/accept`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AcceptRequest {
    /// The borrower's name, typed by them.
    pub signed_name: Option<String>,
    /// A drawn signature: strokes of `[x, y]` points on a 600 by 200 pad, as JSON text.
    pub signature: Option<String>,
    /// The terms version the borrower was shown; a 409 if the terms changed since.
    pub terms_version: Option<String>,
}

/// `POST /loans/{id}/agreement/paper`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PaperRequest {
    /// The name signed on the paper copy; the borrower's name when absent.
    pub signed_name: Option<String>,
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

fn not_open(loan: &loan::Model) -> AppError {
    AppError::Conflict {
        code: "loan_not_open",
        message: format!(
            "loan {} is {}: an agreement is signed while the loan is open",
            loan.id,
            loan.status.label().to_lowercase()
        ),
    }
}

fn already_signed(loan_id: i32) -> AppError {
    AppError::Conflict {
        code: "agreement_already_signed",
        message: format!("the agreement for loan {loan_id} is already signed and cannot change"),
    }
}

/// `POST /loans/{id}/agreement/accept`: the borrower signs at the counter.
pub async fn accept(
    db: &Db,
    staff: &Staff,
    terms: &Arc<Terms>,
    loan_id: i32,
    request: &AcceptRequest,
    now: DateTime<Utc>,
) -> Result<AgreementView, AppError> {
    let signed_name = parse_signed_name(request.signed_name.as_deref())?;
    let signature = Signature::parse(request.signature.as_deref())?;
    if let Some(shown) = request.terms_version.as_deref().map(str::trim)
        && !shown.is_empty()
        && shown != terms.version
    {
        return Err(AppError::Conflict {
            code: "terms_changed",
            message: format!(
                "the terms changed to version {} since this agreement was shown: show it again",
                terms.version
            ),
        });
    }
    sign(
        db,
        staff,
        terms,
        loan_id,
        Acceptance {
            method: SigningMethod::Screen,
            signed_name,
            at: now,
            staff_name: staff.name().to_owned(),
            signature,
        },
    )
    .await
}

/// `POST /loans/{id}/agreement/paper`: staff record that a printed copy was signed.
pub async fn record_paper(
    db: &Db,
    staff: &Staff,
    terms: &Arc<Terms>,
    loan_id: i32,
    request: &PaperRequest,
    now: DateTime<Utc>,
) -> Result<AgreementView, AppError> {
    let given = request
        .signed_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let signed_name = match given {
        Some(name) => parse_signed_name(Some(name))?,
        None => {
            let loan = loan_of(&db.read, staff, Action::Lend, loan_id).await?;
            people::service::find(&db.read, staff.organisation_id(), loan.borrower_id)
                .await?
                .map(|b| b.name)
                .ok_or_else(|| AppError::invalid("signed_name", "enter the name signed on the paper"))?
        }
    };
    sign(
        db,
        staff,
        terms,
        loan_id,
        Acceptance {
            method: SigningMethod::Paper,
            signed_name,
            at: now,
            staff_name: staff.name().to_owned(),
            signature: None,
        },
    )
    .await
}

async fn sign(
    db: &Db,
    staff: &Staff,
    terms: &Arc<Terms>,
    loan_id: i32,
    mut acceptance: Acceptance,
) -> Result<AgreementView, AppError> {
    // Whole seconds: what is stored, shown and printed is then the same on every database.
    acceptance.at = acceptance.at.trunc_subsecs(0);
    let loan = loan_of(&db.read, staff, Action::Lend, loan_id).await?;
    if repo::signed(&db.read, loan_id).await?.is_some() {
        return Err(already_signed(loan_id));
    }
    if loan.status != LoanStatus::Open {
        return Err(not_open(&loan));
    }
    let facts = facts(&db.read, &loan).await?;
    let now = acceptance.at;
    let method = acceptance.method;
    let signed_name = acceptance.signed_name.clone();
    let signature = acceptance
        .signature
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| AppError::Internal(e.into()))?;
    let render_terms = Arc::clone(terms);
    let bytes = tokio::task::spawn_blocking(move || {
        render::render(&AgreementDoc::new(facts, &render_terms, Some(acceptance)), now)
    })
    .await
    .map_err(AppError::internal)?;
    let sha256 = auth::service::sha256_hex(&bytes);

    let tx = db::begin_write(db).await?;
    // Read again, locked, inside the transaction: the loan may have been returned meanwhile.
    let loan = repo::lock_loan(&tx, staff.organisation_id(), loan_id)
        .await?
        .unwrap_or(loan);
    if loan.status != LoanStatus::Open {
        return Err(not_open(&loan));
    }
    let row = agreement::ActiveModel {
        organisation_id: Set(staff.organisation_id()),
        loan_id: Set(loan_id),
        terms_version: Set(terms.version.clone()),
        method: Set(method),
        signed_name: Set(signed_name.clone()),
        signature: Set(signature),
        accepted_at: Set(now),
        recorded_by: Set(Some(staff.id())),
        pdf: Set(bytes),
        sha256: Set(sha256.clone()),
        ..Default::default()
    };
    repo::insert(&tx, row).await.map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => already_signed(loan_id),
        _ => err.into(),
    })?;
    audit::record(
        &tx,
        staff,
        EntityRef::Loan(loan_id),
        AuditAction::AgreementSigned,
        json!({"method": method, "terms_version": terms.version, "sha256": sha256}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(AgreementView::signed(&repo::Signed {
        loan_id,
        terms_version: terms.version.clone(),
        method,
        signed_name,
        accepted_at: now,
        recorded_by: Some(staff.id()),
        sha256,
        erased_at: None,
    }))
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
