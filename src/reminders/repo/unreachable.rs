//! The "cannot contact" list's query: open loans whose borrower has no route they agreed to and
//! gave a detail for (an email with `email_reminders`, a phone with `phone_reminders`, an
//! address with `post`).

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::{loan_borrower, loan_device};
use crate::{
    auth::model::Scope,
    entities::{
        borrower, device,
        loan::{self, Entity as Loan},
    },
    loans::model::LoanStatus,
};

/// An open loan whose borrower cannot be reminded.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Unreachable {
    pub loan_id: i32,
    pub borrower_id: i32,
    pub borrower_name: String,
    pub hub_id: i32,
    pub asset_tag: String,
    pub due_on: NaiveDate,
}

fn no_route() -> Condition {
    let route = |consent: borrower::Column, detail: borrower::Column| {
        Condition::all()
            .add(consent.eq(true))
            .add(detail.is_not_null())
            .add(detail.ne(""))
    };
    Condition::all().not().add(
        Condition::any()
            .add(route(
                borrower::Column::ConsentEmailReminders,
                borrower::Column::Email,
            ))
            .add(route(
                borrower::Column::ConsentPhoneReminders,
                borrower::Column::Phone,
            ))
            .add(route(borrower::Column::ConsentPost, borrower::Column::Address)),
    )
}

fn open_unreachable(scope: &Scope) -> sea_orm::Select<Loan> {
    Loan::find()
        .join(JoinType::InnerJoin, loan_borrower())
        .filter(scope.condition(loan::Column::OrganisationId, loan::Column::HubId))
        .filter(loan::Column::Status.eq(LoanStatus::Open))
        .filter(no_route())
}

/// A page of them, soonest due first, after the `(due_on, loan id)` of the page before.
pub async fn unreachable(
    db: &impl ConnectionTrait,
    scope: &Scope,
    after: Option<(NaiveDate, i32)>,
    limit: u64,
) -> Result<Vec<Unreachable>, DbErr> {
    let mut query = open_unreachable(scope);
    if let Some((date, id)) = after {
        query = query.filter(
            Condition::any().add(loan::Column::DueOn.gt(date)).add(
                Condition::all()
                    .add(loan::Column::DueOn.eq(date))
                    .add(loan::Column::Id.gt(id)),
            ),
        );
    }
    query
        .join(JoinType::InnerJoin, loan_device())
        .select_only()
        .column_as(loan::Column::Id, "loan_id")
        .column(loan::Column::BorrowerId)
        .column_as(borrower::Column::Name, "borrower_name")
        .column(loan::Column::HubId)
        .column(device::Column::AssetTag)
        .column(loan::Column::DueOn)
        .order_by_asc(loan::Column::DueOn)
        .order_by_asc(loan::Column::Id)
        .limit(limit)
        .into_model::<Unreachable>()
        .all(db)
        .await
}

/// How many there are in all.
pub async fn count_unreachable(db: &impl ConnectionTrait, scope: &Scope) -> Result<u64, DbErr> {
    open_unreachable(scope).count(db).await
}
