//! Agreement rows: written once, read many times.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

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

/// Whether the loan's agreement is signed, without reading the PDF.
pub async fn is_signed(db: &impl ConnectionTrait, loan_id: i32) -> Result<bool, DbErr> {
    Ok(Agreement::find()
        .select_only()
        .column(agreement::Column::Id)
        .filter(agreement::Column::LoanId.eq(loan_id))
        .into_tuple::<i32>()
        .one(db)
        .await?
        .is_some())
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
