//! What the funder report holds: the period, the hub, and the figures of each part, as the
//! service reads them from the database.

use chrono::NaiveDate;

use crate::{error::FieldError, training::model::SkillsArea};

/// The longest period one report covers (its chart has a bar per month).
pub const LONGEST_PERIOD_DAYS: i64 = 5 * 366;

#[derive(Debug, Clone, PartialEq)]
pub struct FunderReport {
    pub organisation: String,
    /// The hub the report is limited to, by name; `None` for every hub the reader sees.
    pub hub: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub people: People,
    pub loans: Loans,
    pub training: Training,
    pub skills: Vec<SkillsProgress>,
    pub repairs: Repairs,
    /// `(disposal method code, devices)`, every method, in `DISPOSAL_METHODS` order.
    pub retired: Vec<(String, u64)>,
    /// `(first day of the month, loans made in it within the period)`, oldest first.
    pub monthly: Vec<(NaiveDate, u64)>,
    pub gifts: Gifts,
    pub outcomes: Outcomes,
    /// Different people given a SIM with data in the period, and the SIMs given.
    pub connected: (u64, u64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gifts {
    /// Devices given to keep in the period.
    pub given: u64,
    /// Of them, loans that became gifts.
    pub after_loan: u64,
}

/// What people said when asked how it went (follow-ups asked in the period).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcomes {
    pub asked: u64,
    pub answered: u64,
    /// Answers at three months or later, and how many of them were still using it.
    pub answered_late: u64,
    pub still_using_late: u64,
    /// `(what it helped with, answers naming it)`, in `Helped::ALL` order.
    pub helped: Vec<(crate::follow_ups::model::Helped, u64)>,
    /// Answers giving confidence both before and now, and the average of each (1 to 5).
    pub confidence_pairs: u64,
    pub confidence_before: Option<f64>,
    pub confidence_after: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct People {
    /// Different borrowers with a loan out in the period or at one of its sessions.
    pub supported: u64,
    pub borrowed: u64,
    pub learners: u64,
    /// How many of those supported named each barrier, in `BARRIERS` order.
    pub barriers: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Loans {
    /// Loans made in the period.
    pub issued: u64,
    /// Loans out at some time in the period, made in it or before.
    pub out: u64,
    /// Different devices those loans were of.
    pub devices_lent: u64,
    /// Days those loans were out within the period, summed.
    pub loan_days: f64,
    pub returned: u64,
    pub returned_on_time: u64,
    pub lost: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Training {
    pub sessions: u64,
    pub attendances: u64,
    pub absences: u64,
    pub excused: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillsProgress {
    pub area: SkillsArea,
    /// Learners scored in the area at two or more of the period's sessions.
    pub measured: u64,
    /// Of them, those whose latest score is above their first.
    pub rose: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repairs {
    pub closed: u64,
    pub fixed: u64,
    pub cost_pence: i64,
}

/// # Errors
/// A `from` more than `LONGEST_PERIOD_DAYS` before `to`.
pub fn check_length(from: NaiveDate, to: NaiveDate) -> Result<(), FieldError> {
    if (to - from).num_days() >= LONGEST_PERIOD_DAYS {
        return Err(FieldError::new("from", "a report can cover at most 5 years"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn a_period_over_five_years_is_refused_naming_from() {
        let to = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert!(check_length(to - Duration::days(365 * 5), to).is_ok());
        assert_eq!(
            check_length(to - Duration::days(LONGEST_PERIOD_DAYS), to)
                .unwrap_err()
                .field,
            "from"
        );
    }
}
