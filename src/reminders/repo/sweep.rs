//! What the sweep reads (open loans with their borrowers and devices, the keys already written)
//! and writes (new rows, ignoring keys that exist; cancellations).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::{loan_borrower, loan_device};
use crate::reminders::model::ReminderStatus;
use crate::{
    devices::model::DeviceKind,
    entities::{
        borrower::{self},
        device::{self},
        hub::{self, Entity as Hub},
        loan::{self, Entity as Loan},
        organisation::{self, Entity as Organisation},
        reminder::{self, Entity as Reminder},
    },
    loans::model::LoanStatus,
    people::model::{Consents, Reach},
};

/// An open loan that may need a reminder, with what the reminder says.
#[allow(clippy::struct_excessive_bools)] // a row read as it is: a preference and three consents
#[derive(Debug, Clone, FromQueryResult)]
pub struct Candidate {
    pub loan_id: i32,
    pub borrower_id: i32,
    pub organisation_id: i32,
    pub hub_id: i32,
    pub due_on: NaiveDate,
    pub borrower_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub prefers_phone: bool,
    pub consent_email_reminders: bool,
    pub consent_phone_reminders: bool,
    pub consent_post: bool,
    pub asset_tag: String,
    pub kind: DeviceKind,
}

impl Candidate {
    /// The routes the borrower agreed to and gave a detail for.
    pub fn reach(&self) -> Reach<'_> {
        let consents = Consents {
            email_reminders: self.consent_email_reminders,
            phone_reminders: self.consent_phone_reminders,
            post: self.consent_post,
            ..Consents::default()
        };
        consents.reach(
            self.email.as_deref(),
            self.phone.as_deref(),
            self.address.as_deref(),
        )
    }
}

/// Open loans due on or before `latest`, of every organisation.
/// Up to `limit` open loans due by `latest` after loan `after`, in loan order: a sweep reads a
/// page at a time, so it holds the same memory however many loans are out.
pub async fn candidates(
    db: &impl ConnectionTrait,
    latest: NaiveDate,
    after: i32,
    limit: u64,
) -> Result<Vec<Candidate>, DbErr> {
    Loan::find()
        .select_only()
        .column_as(loan::Column::Id, "loan_id")
        .column(loan::Column::BorrowerId)
        .column(loan::Column::OrganisationId)
        .column(loan::Column::HubId)
        .column(loan::Column::DueOn)
        .column_as(borrower::Column::Name, "borrower_name")
        .column(borrower::Column::Email)
        .column(borrower::Column::Phone)
        .column(borrower::Column::Address)
        .column(borrower::Column::Postcode)
        .column(borrower::Column::PrefersPhone)
        .column(borrower::Column::ConsentEmailReminders)
        .column(borrower::Column::ConsentPhoneReminders)
        .column(borrower::Column::ConsentPost)
        .column(device::Column::AssetTag)
        .column(device::Column::Kind)
        .join(JoinType::InnerJoin, loan_borrower())
        .join(JoinType::InnerJoin, loan_device())
        .filter(loan::Column::Status.eq(LoanStatus::Open))
        .filter(loan::Column::DueOn.lte(latest))
        .filter(loan::Column::Id.gt(after))
        .order_by_asc(loan::Column::Id)
        .limit(limit)
        .into_model::<Candidate>()
        .all(db)
        .await
}

/// The dedupe keys already in the outbox for `loans`.
pub async fn existing_loan_keys(db: &impl ConnectionTrait, loans: &[i32]) -> Result<Vec<String>, DbErr> {
    Reminder::find()
        .select_only()
        .column(reminder::Column::DedupeKey)
        .filter(reminder::Column::LoanId.is_in(loans.iter().copied()))
        .into_tuple()
        .all(db)
        .await
}

pub async fn hubs(db: &impl ConnectionTrait) -> Result<Vec<hub::Model>, DbErr> {
    Hub::find().all(db).await
}

pub async fn organisations(db: &impl ConnectionTrait) -> Result<Vec<organisation::Model>, DbErr> {
    Organisation::find().all(db).await
}

/// Writes rows, skipping any whose dedupe key is already there; returns how many were written.
pub async fn insert_new(db: &impl ConnectionTrait, rows: Vec<reminder::ActiveModel>) -> Result<u64, DbErr> {
    use sea_orm::TryInsertResult;
    match Reminder::insert_many(rows)
        .on_conflict_do_nothing_on([reminder::Column::DedupeKey])
        .exec_without_returning(db)
        .await?
    {
        TryInsertResult::Inserted(n) => Ok(n),
        TryInsertResult::Empty | TryInsertResult::Conflicted => Ok(0),
    }
}

/// Cancels what is still waiting for a loan (it was returned, lost or extended).
pub async fn cancel_for_loan(
    db: &impl ConnectionTrait,
    loan_id: i32,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(Reminder::update_many()
        .col_expr(
            reminder::Column::Status,
            ReminderStatus::Cancelled.as_str().into(),
        )
        .col_expr(reminder::Column::UpdatedAt, now.into())
        .filter(reminder::Column::LoanId.eq(loan_id))
        .filter(reminder::Column::Status.eq(ReminderStatus::Queued))
        .exec(db)
        .await?
        .rows_affected)
}
