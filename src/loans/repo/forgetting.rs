//! What anonymising a borrower clears of their loans: the notes staff wrote at a return or a
//! loss, the reasons given for extensions, and why a device was given. Dates, conditions and accessories stay, for the
//! device's history and the funder's figures.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Query},
};

use crate::entities::{gift, loan, loan_extension};

pub async fn forget_notes(db: &impl ConnectionTrait, borrower_ids: &[i32]) -> Result<(), DbErr> {
    let none: Option<String> = None;
    loan::Entity::update_many()
        .col_expr(loan::Column::ReturnNotes, Expr::value(none.clone()))
        .col_expr(loan::Column::LostNotes, Expr::value(none.clone()))
        .filter(loan::Column::BorrowerId.is_in(borrower_ids.iter().copied()))
        .exec(db)
        .await?;
    let loans = Query::select()
        .column(loan::Column::Id)
        .from(loan::Entity)
        .and_where(Expr::col(loan::Column::BorrowerId).is_in(borrower_ids.iter().copied()))
        .to_owned();
    loan_extension::Entity::update_many()
        .col_expr(loan_extension::Column::Reason, Expr::value(none))
        .filter(loan_extension::Column::LoanId.in_subquery(loans))
        .exec(db)
        .await?;
    gift::Entity::update_many()
        .col_expr(gift::Column::Reason, Expr::value(Option::<String>::None))
        .filter(gift::Column::BorrowerId.is_in(borrower_ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// How many loans the borrower has open (a record with one cannot be erased).
pub async fn open_loans_of(db: &impl ConnectionTrait, borrower_id: i32) -> Result<u64, DbErr> {
    loan::Entity::find()
        .filter(loan::Column::BorrowerId.eq(borrower_id))
        .filter(loan::Column::Status.eq(crate::loans::model::LoanStatus::Open))
        .count(db)
        .await
}
