//! Asking later how it went: when to ask, the questions, and what the answers may be.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{enums::string_enum, error::FieldError};

string_enum!(
    /// Where a follow-up stands: asked (emailed, or on the call list) and waiting for the
    /// answers; answered; or not asked (no `follow_up` consent, or no email or phone to ask by).
    FollowUpStatus, "status" {
        Asked = "asked" / "Asked",
        Answered = "answered" / "Answered",
        NotAsked = "not_asked" / "Not asked",
    }
);

string_enum!(
    /// How often they use it.
    HowOften, "how_often" {
        EveryDay = "every_day" / "Every day",
        MostDays = "most_days" / "Most days",
        OnceAWeek = "once_a_week" / "About once a week",
        LessOften = "less_often" / "Less often",
        NotAtAll = "not_at_all" / "Not at all",
    }
);

string_enum!(
    /// What it has helped with.
    Helped, "helped_with" {
        FamilyAndFriends = "family_and_friends" / "Keeping in touch with family and friends",
        Health = "health" / "Health: appointments, prescriptions, the NHS App",
        MoneyAndBenefits = "money_and_benefits" / "Money and benefits",
        FindingWork = "finding_work" / "Finding work",
        Learning = "learning" / "Learning something new",
        Shopping = "shopping" / "Shopping and paying bills",
    }
);

/// Reads `LENDHUB_FOLLOW_UP_DAYS`: days after a loan or gift starts, each 1 to 730, at most four.
///
/// # Errors
/// A message saying what is wrong.
pub fn parse_days(text: &str) -> Result<Vec<i32>, String> {
    let mut days = text
        .split(',')
        .map(|d| d.trim().parse::<i32>().ok().filter(|d| (1..=730).contains(d)))
        .collect::<Option<Vec<_>>>()
        .filter(|d| (1..=4).contains(&d.len()))
        .ok_or_else(|| {
            format!("{text:?} must be one to four numbers of days after a loan starts, like 28,91")
        })?;
    days.sort_unstable();
    days.dedup();
    Ok(days)
}

/// "4 weeks", "3 months", "10 days": how long after a loan began a follow-up asks.
pub fn since_words(days: i32) -> String {
    if days >= 56 {
        // Whole months of 30 or 31 days, to the nearest: 91 days is 3 months.
        let months = (days + 15) / 30;
        crate::words::count(u64::try_from(months).unwrap_or(0), "month", "months")
    } else if days % 7 == 0 {
        crate::words::count(u64::try_from(days / 7).unwrap_or(0), "week", "weeks")
    } else {
        crate::words::count(u64::try_from(days).unwrap_or(0), "day", "days")
    }
}

/// The answers as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    pub still_using: bool,
    pub how_often: Option<HowOften>,
    pub helped_with: Vec<Helped>,
    pub confidence: Option<i32>,
    pub confidence_before: Option<i32>,
}

/// A confidence score: 1 (not at all confident) to 5 (very confident), or not given.
///
/// # Errors
/// A `FieldError` naming `field`.
pub fn parse_confidence(field: &str, value: Option<i32>) -> Result<Option<i32>, FieldError> {
    match value {
        None => Ok(None),
        Some(v) if (1..=5).contains(&v) => Ok(Some(v)),
        Some(_) => Err(FieldError::new(field, format!("{field} must be from 1 to 5"))),
    }
}

/// The list of what it helped with, each once.
///
/// # Errors
/// A `FieldError` for `helped_with` naming what is allowed.
pub fn parse_helped(items: &[String]) -> Result<Vec<Helped>, FieldError> {
    let mut helped = Vec::new();
    for item in items {
        let one = Helped::parse(item)?;
        if !helped.contains(&one) {
            helped.push(one);
        }
    }
    Ok(helped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_up_days_are_read_sorted_and_bounded() {
        assert_eq!(parse_days("91, 28"), Ok(vec![28, 91]));
        assert_eq!(parse_days("28"), Ok(vec![28]));
        for bad in ["", "0", "28,x", "1,2,3,4,5", "731"] {
            assert!(parse_days(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn follow_up_days_read_as_people_say_them() {
        assert_eq!(since_words(28), "4 weeks");
        assert_eq!(since_words(7), "1 week");
        assert_eq!(since_words(91), "3 months");
        assert_eq!(since_words(182), "6 months");
        assert_eq!(since_words(10), "10 days");
    }

    #[test]
    fn answers_are_checked_field_by_field() {
        assert_eq!(parse_confidence("confidence", Some(5)), Ok(Some(5)));
        assert_eq!(
            parse_confidence("confidence", Some(6)).unwrap_err().field,
            "confidence"
        );
        assert_eq!(
            parse_helped(&["health".into(), "health".into(), "learning".into()]),
            Ok(vec![Helped::Health, Helped::Learning])
        );
        assert_eq!(parse_helped(&["crypto".into()]).unwrap_err().field, "helped_with");
    }
}
