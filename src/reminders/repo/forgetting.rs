//! What anonymising a borrower clears of the outbox: the words of every email, letter and call
//! about them or their loans, the address it went to, and the notes of each call. That a
//! reminder went, when, by which channel and how a call ended stay.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Query},
};

use crate::entities::{loan, reminder};

pub async fn forget(db: &impl ConnectionTrait, borrower_ids: &[i32]) -> Result<(), DbErr> {
    let none: Option<String> = None;
    let loans = Query::select()
        .column(loan::Column::Id)
        .from(loan::Entity)
        .and_where(Expr::col(loan::Column::BorrowerId).is_in(borrower_ids.iter().copied()))
        .to_owned();
    reminder::Entity::update_many()
        .col_expr(reminder::Column::RecipientEmail, Expr::value(none.clone()))
        .col_expr(reminder::Column::BodyText, Expr::value(String::new()))
        .col_expr(reminder::Column::BodyHtml, Expr::value(none.clone()))
        .col_expr(reminder::Column::CallNotes, Expr::value(none))
        .filter(
            Condition::any()
                .add(reminder::Column::BorrowerId.is_in(borrower_ids.iter().copied()))
                .add(reminder::Column::LoanId.in_subquery(loans)),
        )
        .exec(db)
        .await?;
    Ok(())
}
