//! The reminder policy and the outbox's words: which reminder a loan needs on a given day, how
//! long to wait before trying a failed delivery again, and what staff record after a call.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{enums::string_enum, error::FieldError};

string_enum!(
    /// Why a reminder is sent.
    ReminderKind, "kind" {
        DueSoon = "due_soon" / "Due back soon",
        DueToday = "due_today" / "Due back today",
        Overdue = "overdue" / "Overdue",
        Digest = "digest" / "Weekly digest",
        SessionCancelled = "session_cancelled" / "Session cancelled",
        ReferralDeclined = "referral_declined" / "Referral declined",
        DeviceOffered = "device_offered" / "Device offered",
        FollowUp = "follow_up" / "How did it go?",
        DataEnding = "data_ending" / "SIM data ending",
    }
);

string_enum!(
    /// How it reaches the person.
    Channel, "channel" { Email = "email" / "Email", Call = "call" / "Phone call", Letter = "letter" / "Letter" }
);

string_enum!(
    /// Where a reminder is in the outbox.
    ReminderStatus, "status" {
        Queued = "queued" / "Queued",
        Sending = "sending" / "Sending",
        Sent = "sent" / "Sent",
        Failed = "failed" / "Failed",
        Cancelled = "cancelled" / "Cancelled",
    }
);

string_enum!(
    /// What came of a reminder call.
    CallOutcome, "outcome" {
        SpokeToThem = "spoke_to_them" / "Spoke to them",
        LeftMessage = "left_message" / "Left a message",
        NoAnswer = "no_answer" / "No answer",
        WrongNumber = "wrong_number" / "Wrong number",
    }
);

/// When reminders go out: `due_soon` so many days before the due date, `due_today` on it, and
/// `overdue` on each of the listed days after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub due_soon_days: i64,
    pub overdue_days: Vec<i64>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            due_soon_days: 3,
            overdue_days: vec![1, 7, 14],
        }
    }
}

impl Policy {
    /// Reads `"1, 7, 14"`: days after the due date, each from 1 to 365, at least one.
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn parse_overdue_days(text: &str) -> Result<Vec<i64>, String> {
        let mut days = text
            .split(',')
            .map(|d| d.trim().parse::<i64>().ok().filter(|d| (1..=365).contains(d)))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| format!("{text:?} must be days after the due date, like 1, 7, 14"))?;
        days.sort_unstable();
        days.dedup();
        Ok(days)
    }

    /// The one reminder a loan due on `due_on` needs on `today`, as `(kind, step)`: the latest
    /// stage reached, so a sweep that catches up after days away sends one reminder, not a
    /// backlog. `None` before the due-soon day.
    pub fn due(&self, due_on: NaiveDate, today: NaiveDate) -> Option<(ReminderKind, i64)> {
        let days_late = (today - due_on).num_days();
        if days_late > 0 {
            return self
                .overdue_days
                .iter()
                .rev()
                .find(|&&d| d <= days_late)
                .map(|&d| (ReminderKind::Overdue, d));
        }
        if days_late == 0 {
            return Some((ReminderKind::DueToday, 0));
        }
        (self.due_soon_days > 0 && -days_late <= self.due_soon_days)
            .then_some((ReminderKind::DueSoon, self.due_soon_days))
    }
}

/// The key that makes each reminder unique in the outbox. The due date is part of it: once a
/// loan is extended, its reminders are for a new date.
pub fn loan_key(loan_id: i32, due_on: NaiveDate, kind: ReminderKind, step: i64) -> String {
    format!("loan:{loan_id}:{due_on}:{}:{step}", kind.as_str())
}

/// The ISO week a digest belongs to, as a number like 202648, and its dedupe key.
pub fn digest_week(today: NaiveDate) -> i64 {
    let week = today.iso_week();
    i64::from(week.year()) * 100 + i64::from(week.week())
}

pub fn digest_key(staff_id: i32, week: i64) -> String {
    format!("digest:{staff_id}:{week}")
}

/// How long to wait after `attempts` failed deliveries: 1, 2, 4, 8... minutes, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 7) - 1).unwrap_or(0);
    Duration::minutes((1_i64 << exponent).min(60))
}

/// The next attempt after a temporary failure at `now`.
pub fn next_attempt(now: DateTime<Utc>, attempts: i32) -> DateTime<Utc> {
    now + backoff(attempts)
}

/// How long a worker may hold a claimed row before another may take it over.
pub const LEASE: Duration = Duration::minutes(5);

/// Reads a call outcome from a form or request.
///
/// # Errors
/// A `FieldError` on `outcome`.
pub fn parse_outcome(text: Option<&str>) -> Result<CallOutcome, FieldError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Err(FieldError::new("outcome", "choose what happened on the call")),
        Some(text) => CallOutcome::parse(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, d).unwrap()
    }

    #[test]
    fn the_policy_picks_the_latest_stage_reached() {
        let policy = Policy::default();
        let due = day(10);
        assert_eq!(policy.due(due, day(6)), None);
        assert_eq!(policy.due(due, day(7)), Some((ReminderKind::DueSoon, 3)));
        assert_eq!(policy.due(due, day(9)), Some((ReminderKind::DueSoon, 3)));
        assert_eq!(policy.due(due, day(10)), Some((ReminderKind::DueToday, 0)));
        assert_eq!(policy.due(due, day(11)), Some((ReminderKind::Overdue, 1)));
        assert_eq!(policy.due(due, day(16)), Some((ReminderKind::Overdue, 1)));
        assert_eq!(policy.due(due, day(17)), Some((ReminderKind::Overdue, 7)));
        assert_eq!(policy.due(due, day(30)), Some((ReminderKind::Overdue, 14)));
    }

    #[test]
    fn overdue_days_are_read_sorted_and_checked() {
        assert_eq!(Policy::parse_overdue_days("14, 1,7").unwrap(), [1, 7, 14]);
        for bad in ["", "0", "1, x", "400"] {
            assert!(Policy::parse_overdue_days(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_separate_loans_due_dates_steps_and_weeks() {
        assert_eq!(
            loan_key(5, day(10), ReminderKind::Overdue, 7),
            "loan:5:2027-03-10:overdue:7"
        );
        assert_ne!(
            loan_key(5, day(10), ReminderKind::DueSoon, 3),
            loan_key(5, day(17), ReminderKind::DueSoon, 3)
        );
        assert_eq!(
            digest_week(NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()),
            202_648
        );
        assert_eq!(digest_week(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()), 202_653);
    }

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(backoff(1), Duration::minutes(1));
        assert_eq!(backoff(2), Duration::minutes(2));
        assert_eq!(backoff(4), Duration::minutes(8));
        assert_eq!(backoff(40), Duration::minutes(60));
    }
}
