//! Consent at the counter: at a borrower's first loan, staff ask about every purpose they have
//! not agreed to (and at any later loan, the loan itself if it was withdrawn), and record the
//! answers, given in person, before the device is lent.

use chrono::{DateTime, Utc};

use super::{BorrowerView, set_consents};
use crate::{
    auth::Staff,
    db::Db,
    error::{AppError, FieldError},
    people::model::{ConsentsRequest, How, Purpose},
};

/// What the counter asks `borrower` before lending to them.
pub fn to_ask_at_counter(borrower: &BorrowerView) -> Vec<Purpose> {
    let first_loan = borrower.last_loan_at.is_none();
    Purpose::ALL
        .iter()
        .copied()
        .filter(|&purpose| !borrower.consents.get(purpose))
        .filter(|&purpose| first_loan || purpose == Purpose::Loan)
        .collect()
}

/// The purposes ticked at the counter, read from the form's `consents` values: only those that
/// were asked, and the loan among them whenever it was asked.
///
/// # Errors
/// A `FieldError` on `consents` when the loan was asked and not agreed to.
pub fn counter_answers(borrower: &BorrowerView, ticked: &[String]) -> Result<Vec<Purpose>, FieldError> {
    let asked = to_ask_at_counter(borrower);
    let agreed: Vec<Purpose> = asked
        .iter()
        .copied()
        .filter(|purpose| ticked.iter().any(|t| t == purpose.as_str()))
        .collect();
    if asked.contains(&Purpose::Loan) && !agreed.contains(&Purpose::Loan) {
        return Err(FieldError::new(
            "consents",
            format!(
                "ask {} whether they agree to us keeping their details to run the loan: a device can only be lent with it",
                borrower.name
            ),
        ));
    }
    Ok(agreed)
}

/// Records what the borrower agreed to at the counter, in person.
pub async fn agree_at_counter(
    db: &Db,
    staff: &Staff,
    borrower: &BorrowerView,
    agreed: &[Purpose],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if agreed.is_empty() {
        return Ok(());
    }
    let yes = |purpose: Purpose| agreed.contains(&purpose).then_some(true);
    let request = ConsentsRequest {
        loan: yes(Purpose::Loan),
        email_reminders: yes(Purpose::EmailReminders),
        phone_reminders: yes(Purpose::PhoneReminders),
        post: yes(Purpose::Post),
        follow_up: yes(Purpose::FollowUp),
        share_with_partners: yes(Purpose::ShareWithPartners),
        how: Some(How::InPerson.as_str().to_owned()),
    };
    set_consents(db, staff, borrower.id, &request, now).await?;
    Ok(())
}
