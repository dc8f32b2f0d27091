//! What anonymising a borrower clears of their training: the trainer's notes on each of their
//! enrolments. Attendance and skills scores stay, for the funder's figures.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr};

use crate::entities::enrolment;

pub async fn forget_notes(db: &impl ConnectionTrait, borrower_ids: &[i32]) -> Result<(), DbErr> {
    enrolment::Entity::update_many()
        .col_expr(enrolment::Column::Notes, Expr::value(Option::<String>::None))
        .filter(enrolment::Column::BorrowerId.is_in(borrower_ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}
