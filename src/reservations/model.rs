//! How many devices overlapping bookings need at once.

use chrono::{DateTime, Utc};

/// The most devices the bookings `(starts_at, ends_at, count)` hold back at any one moment of
/// `[from, until)`: bookings that never overlap each other do not add up.
pub fn most_at_once(
    bookings: &[(DateTime<Utc>, DateTime<Utc>, i32)],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> i64 {
    // Every moment the total can peak at is the start of a booking, or `from` itself.
    let starts = bookings
        .iter()
        .map(|(start, _, _)| (*start).max(from))
        .chain(std::iter::once(from))
        .filter(|at| *at < until);
    starts
        .map(|at| {
            bookings
                .iter()
                .filter(|(start, end, _)| *start <= at && at < *end)
                .map(|(_, _, count)| i64::from(*count))
                .sum::<i64>()
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, 10, hour, 0, 0).unwrap()
    }

    #[test]
    fn bookings_count_together_only_where_they_overlap() {
        let bookings = [(at(10), at(12), 4), (at(11), at(13), 3), (at(14), at(15), 6)];
        assert_eq!(most_at_once(&bookings, at(9), at(13)), 7);
        assert_eq!(most_at_once(&bookings, at(12), at(16)), 6);
        assert_eq!(most_at_once(&bookings, at(12), at(14)), 3);
        assert_eq!(most_at_once(&bookings, at(15), at(16)), 0);
        assert_eq!(most_at_once(&[], at(9), at(10)), 0);
    }
}
