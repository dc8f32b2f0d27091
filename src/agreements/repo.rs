//! Agreement rows: written once, read many times.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};

use super::model::SigningMethod;

use crate::entities::{
    agreement::{self, Entity as Agreement},
    device::{self, Entity as Device},
    loan::{self, Entity as Loan},
};

pub async fn insert(db: &impl ConnectionTrait, row: agreement::ActiveModel) -> Result<(), DbErr> {
    Agreement::insert(row).exec_without_returning(db).await?;
    Ok(())
}

/// The signed agreement of a loan, if it has one, with its PDF.
pub async fn of_loan(db: &impl ConnectionTrait, loan_id: i32) -> Result<Option<agreement::Model>, DbErr> {
    Agreement::find()
        .filter(agreement::Column::LoanId.eq(loan_id))
        .one(db)
        .await
}

/// What a signed agreement records, without its PDF (for pages that only say it is signed).
#[derive(Debug, Clone, FromQueryResult)]
pub struct Signed {
    pub loan_id: i32,
    pub terms_version: String,
    pub method: SigningMethod,
    pub signed_name: String,
    pub accepted_at: DateTime<Utc>,
    pub recorded_by: Option<i32>,
    pub sha256: String,
    pub erased_at: Option<DateTime<Utc>>,
}

pub async fn signed(db: &impl ConnectionTrait, loan_id: i32) -> Result<Option<Signed>, DbErr> {
    Agreement::find()
        .select_only()
        .columns([
            agreement::Column::LoanId,
            agreement::Column::TermsVersion,
            agreement::Column::Method,
            agreement::Column::SignedName,
            agreement::Column::AcceptedAt,
            agreement::Column::RecordedBy,
            agreement::Column::Sha256,
            agreement::Column::ErasedAt,
        ])
        .filter(agreement::Column::LoanId.eq(loan_id))
        .into_model::<Signed>()
        .one(db)
        .await
}

/// The loan, locked until the transaction ends on PostgreSQL (SQLite's single writer already
/// serialises), so it cannot be returned between the check that it is open and the signature.
pub async fn lock_loan(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
) -> Result<Option<loan::Model>, DbErr> {
    Loan::find_by_id(id)
        .filter(loan::Column::OrganisationId.eq(organisation_id))
        .lock_exclusive()
        .one(db)
        .await
}

pub async fn device(db: &impl ConnectionTrait, id: i32) -> Result<Option<device::Model>, DbErr> {
    Device::find_by_id(id).one(db).await
}

/// Deletes the documents of the agreements signed for these borrowers' loans: the PDF, drawn
/// signature and typed name go, and `erased_at` is set (the one change the database's triggers
/// allow); the SHA-256, terms version and time of acceptance stay.
pub async fn erase_documents(
    db: &impl ConnectionTrait,
    borrower_ids: &[i32],
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let loans = Query::select()
        .column(loan::Column::Id)
        .from(Loan)
        .and_where(Expr::col(loan::Column::BorrowerId).is_in(borrower_ids.iter().copied()))
        .to_owned();
    let done = Agreement::update_many()
        .col_expr(agreement::Column::Pdf, Expr::value(Vec::<u8>::new()))
        .col_expr(agreement::Column::Signature, Expr::value(Option::<String>::None))
        .col_expr(agreement::Column::SignedName, Expr::value(String::new()))
        .col_expr(agreement::Column::ErasedAt, Expr::value(now))
        .filter(agreement::Column::LoanId.in_subquery(loans))
        .filter(agreement::Column::ErasedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
