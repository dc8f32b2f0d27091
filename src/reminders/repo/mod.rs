//! The outbox's queries, one module per part of the feature: what the sweep reads and writes,
//! the delivery claims and their finish, the staff desk's lists, and the digest's figures.

mod delivery;
mod desk;
mod digest;
mod forgetting;
mod outbox;
mod sweep;
mod unreachable;

pub use delivery::*;
pub use desk::*;
pub use digest::*;
pub use forgetting::*;
pub use outbox::*;
pub use sweep::*;
pub use unreachable::*;

use sea_orm::EntityTrait;

use crate::entities::{
    borrower::{self, Entity as Borrower},
    device::{self, Entity as Device},
    loan::{self, Entity as Loan},
    reminder::{self, Entity as Reminder},
};

fn loan_borrower() -> sea_orm::RelationDef {
    Loan::belongs_to(Borrower)
        .from(loan::Column::BorrowerId)
        .to(borrower::Column::Id)
        .into()
}

fn loan_device() -> sea_orm::RelationDef {
    Loan::belongs_to(Device)
        .from(loan::Column::DeviceId)
        .to(device::Column::Id)
        .into()
}

fn reminder_loan() -> sea_orm::RelationDef {
    Reminder::belongs_to(Loan)
        .from(reminder::Column::LoanId)
        .to(loan::Column::Id)
        .into()
}

fn reminder_borrower() -> sea_orm::RelationDef {
    Reminder::belongs_to(Borrower)
        .from(reminder::Column::BorrowerId)
        .to(borrower::Column::Id)
        .into()
}
