//! Signing: on screen at the counter, or a printed copy recorded by staff. The final PDF is
//! rendered before the write transaction; the transaction only checks the loan is still open and
//! inserts the row, and the unique loan id makes a second signature (or a racing one) a 409.

use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{ActiveValue::Set, SqlErr};
use serde::Deserialize;
use serde_json::json;

use super::{AgreementView, facts, loan_of};
use crate::agreements::{
    model::{Acceptance, AgreementDoc, Signature, SigningMethod, Terms, parse_signed_name},
    render, repo,
};
use crate::{
    audit::{self, AuditAction, EntityRef},
    auth::{self, Action, Staff},
    db::{self, Db},
    entities::{agreement, loan},
    error::AppError,
    loans::model::LoanStatus,
    people,
};

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
