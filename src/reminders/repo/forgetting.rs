//! What anonymising a borrower clears of the outbox: the words of every email, letter and call
//! about them or their loans, the address it went to (an email row keeps an empty one, as the
//! table asks every email to have an address), the server's last error, which may quote it, and
//! the notes of each call; anything still waiting is cancelled. That a reminder went, when, by
//! which channel and how a call ended stay.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Query},
};

use crate::{
    entities::{loan, reminder},
    reminders::model::{Channel, ReminderStatus},
};

pub async fn forget(db: &impl ConnectionTrait, borrower_ids: &[i32]) -> Result<(), DbErr> {
    let none: Option<String> = None;
    let loans = Query::select()
        .column(loan::Column::Id)
        .from(loan::Entity)
        .and_where(Expr::col(loan::Column::BorrowerId).is_in(borrower_ids.iter().copied()))
        .to_owned();
    let theirs = Condition::any()
        .add(reminder::Column::BorrowerId.is_in(borrower_ids.iter().copied()))
        .add(reminder::Column::LoanId.in_subquery(loans));
    reminder::Entity::update_many()
        .col_expr(
            reminder::Column::Status,
            Expr::value(ReminderStatus::Cancelled.as_str()),
        )
        .filter(theirs.clone())
        .filter(
            reminder::Column::Status
                .is_in([ReminderStatus::Queued.as_str(), ReminderStatus::Sending.as_str()]),
        )
        .exec(db)
        .await?;
    let address = Expr::case(
        reminder::Column::Channel.eq(Channel::Email.as_str()),
        Expr::val(""),
    )
    .finally(Expr::val(Option::<String>::None));
    reminder::Entity::update_many()
        .col_expr(reminder::Column::RecipientEmail, address.into())
        .col_expr(reminder::Column::BodyText, Expr::value(String::new()))
        .col_expr(reminder::Column::BodyHtml, Expr::value(none.clone()))
        .col_expr(reminder::Column::LastError, Expr::value(none.clone()))
        .col_expr(reminder::Column::CallNotes, Expr::value(none))
        .filter(theirs)
        .exec(db)
        .await?;
    Ok(())
}

/// Clears the words of the emails of `kind` written before `before` (a declined referral's email
/// names the person referred, who may never have become a borrower to be anonymised); that it
/// went, when and to which referrer stays.
pub async fn forget_words_before(
    db: &impl ConnectionTrait,
    kind: crate::reminders::model::ReminderKind,
    before: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    reminder::Entity::update_many()
        .col_expr(reminder::Column::BodyText, Expr::value(String::new()))
        .col_expr(reminder::Column::BodyHtml, Expr::value(Option::<String>::None))
        .col_expr(reminder::Column::LastError, Expr::value(Option::<String>::None))
        .filter(reminder::Column::Kind.eq(kind.as_str()))
        .filter(reminder::Column::CreatedAt.lt(before))
        .filter(reminder::Column::BodyText.ne(""))
        .exec(db)
        .await?;
    Ok(())
}
