//! Where a person on the waiting list stands: the order, and how long the wait may be.

use chrono::Duration;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{enums::string_enum, error::FieldError};

string_enum!(
    /// Where a waiting-list entry is.
    WaitingStatus, "status" {
        Waiting = "waiting" / "Waiting",
        Lent = "lent" / "Lent a device",
        Cancelled = "cancelled" / "Taken off the list",
    }
);

/// How long a device offered to someone is held for them, unless `LENDHUB_HOLD_DAYS` says.
pub const HOLD_DAYS: i64 = 5;

/// The window of returns the expected wait is worked out from.
pub const RETURNS_WINDOW_DAYS: i64 = 90;

/// The wait for the person at `position` (1 is next), when `returned` devices of the kind came
/// back at the hub over the last [`RETURNS_WINDOW_DAYS`]: one comes free every
/// `window / returned` days on average. `None` when none came back: nobody can say.
pub fn expected_wait(position: u64, returned: u64) -> Option<Duration> {
    if returned == 0 {
        return None;
    }
    let days = RETURNS_WINDOW_DAYS.saturating_mul(i64::try_from(position).unwrap_or(i64::MAX))
        / i64::try_from(returned).unwrap_or(i64::MAX).max(1);
    Some(Duration::days(days))
}

/// "about 3 weeks", "about 4 days", "under a day", or "not known yet".
pub fn wait_in_words(wait: Option<Duration>) -> String {
    match wait.map(|w| w.num_days()) {
        None => "not known yet (no returns in the last 90 days)".to_owned(),
        Some(0) => "under a day".to_owned(),
        Some(1) => "about a day".to_owned(),
        Some(days) if days < 14 => format!("about {days} days"),
        Some(days) if days < 63 => format!("about {} weeks", (days + 3) / 7),
        Some(days) => format!("about {} months", (days + 15) / 30),
    }
}

/// How long someone has waited, in words: "3 days", "2 weeks".
pub fn waited_in_words(waited: Duration) -> String {
    match waited.num_days() {
        0 => "less than a day".to_owned(),
        1 => "1 day".to_owned(),
        days if days < 14 => format!("{days} days"),
        days => format!("{} weeks", days / 7),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_follows_the_rate_devices_came_back() {
        // Nine came back in 90 days: one every ten days.
        assert_eq!(expected_wait(1, 9), Some(Duration::days(10)));
        assert_eq!(expected_wait(3, 9), Some(Duration::days(30)));
        assert_eq!(expected_wait(1, 0), None);
        assert_eq!(wait_in_words(expected_wait(3, 9)), "about 4 weeks");
        assert_eq!(wait_in_words(Some(Duration::days(4))), "about 4 days");
        assert_eq!(
            wait_in_words(None),
            "not known yet (no returns in the last 90 days)"
        );
        assert_eq!(waited_in_words(Duration::days(15)), "2 weeks");
    }
}
