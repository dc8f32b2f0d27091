//! The dates a report covers, and the small sums over them: an attendance rate and the last twelve
//! months.

/// The dates a report covers, both days included, in London.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Period {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
}

impl Period {
    /// `from` and `to` as a request gives them; the 30 days to `today` when absent.
    ///
    /// # Errors
    /// A `FieldError` on `from` or `to` for a date that does not read, or on `to` when it comes
    /// before `from`.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: chrono::NaiveDate,
    ) -> Result<Self, crate::error::FieldError> {
        let to = crate::dates::optional_date("to", to)?.unwrap_or(today);
        let from = crate::dates::optional_date("from", from)?.unwrap_or(to - chrono::Duration::days(29));
        if to < from {
            return Err(crate::error::FieldError::new(
                "to",
                "the end date must not be before the start date",
            ));
        }
        Ok(Self { from, to })
    }

    /// The instants the period runs between: `[from's midnight, the midnight after to)`.
    pub fn instants(self) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
        (
            crate::dates::london_midnight(self.from),
            crate::dates::london_midnight(self.to + chrono::Duration::days(1)),
        )
    }
}

/// The share of learners who came, of those expected: present and late over present, late and
/// absent (an excused absence is not counted against anyone). `None` when nobody was marked.
pub fn attendance_rate(attended: u64, absent: u64) -> Option<f64> {
    let expected = attended + absent;
    #[allow(clippy::cast_precision_loss)]
    (expected > 0).then(|| (attended as f64 / expected as f64 * 1000.0).round() / 1000.0)
}

/// The first day of each of the 12 months to the one `today` is in, oldest first.
pub fn last_twelve_months(today: chrono::NaiveDate) -> Vec<chrono::NaiveDate> {
    use chrono::Datelike;
    let mut month = today.with_day(1).unwrap_or(today);
    let mut months = vec![month];
    for _ in 0..11 {
        month = (month - chrono::Duration::days(1)).with_day(1).unwrap_or(month);
        months.push(month);
    }
    months.reverse();
    months
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn a_period_defaults_to_the_last_30_days_and_names_a_bad_date() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let period = Period::parse(None, None, today).unwrap();
        assert_eq!(
            (period.from, period.to),
            (NaiveDate::from_ymd_opt(2026, 11, 5).unwrap(), today)
        );
        assert_eq!(
            Period::parse(Some("2026-13-01"), None, today).unwrap_err().field,
            "from"
        );
        assert_eq!(
            Period::parse(Some("2026-12-04"), Some("2026-12-01"), today)
                .unwrap_err()
                .field,
            "to"
        );
    }

    #[test]
    fn twelve_months_end_with_this_one_and_rates_leave_out_the_excused() {
        let months = last_twelve_months(NaiveDate::from_ymd_opt(2026, 3, 31).unwrap());
        assert_eq!(months.len(), 12);
        assert_eq!(months[0], NaiveDate::from_ymd_opt(2025, 4, 1).unwrap());
        assert_eq!(months[11], NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        assert_eq!(attendance_rate(3, 1), Some(0.75));
        assert_eq!(attendance_rate(0, 0), None);
    }
}
