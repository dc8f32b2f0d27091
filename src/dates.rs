//! Days as the scheme lives them: in Europe/London. Storage is UTC; a "day" at a hub starts at
//! London midnight, whatever the clocks are doing. Dates and times are written as people read them
//! ("12 March 2027"), on pages, letters and agreements alike.

use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::London;

use crate::error::FieldError;

/// Today's date where the scheme is.
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&London).date_naive()
}

/// The instant `date` begins in London.
pub fn london_midnight(date: NaiveDate) -> DateTime<Utc> {
    London
        .from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc))
}

/// The years a date may fall in: purchases long past, plans far ahead, and far enough from the
/// ends of chrono's calendar (year 262,143) that adding days, weeks or a time zone never overflows.
pub const YEARS: RangeInclusive<i32> = 1900..=2200;

/// What every date field says when it cannot be read.
pub const DATE_HINT: &str = "enter a date as YYYY-MM-DD, like 2027-03-12";

/// A `YYYY-MM-DD` date with its year in [`YEARS`]; `None` for anything else (chrono's `%Y` alone
/// takes `+262142-01-01`).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if text.len() != 10 || !text.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|date| YEARS.contains(&date.year()))
}

/// Whether an instant falls in [`YEARS`].
pub fn in_years(at: DateTime<Utc>) -> bool {
    YEARS.contains(&at.year())
}

/// An optional `YYYY-MM-DD` date from a form or request; a 422 on `field` when it is not one.
pub fn optional_date(field: &str, text: Option<&str>) -> Result<Option<NaiveDate>, FieldError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => parse_date(text)
            .map(Some)
            .ok_or_else(|| FieldError::new(field, DATE_HINT)),
    }
}

/// "12 March 2027"
pub fn long_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// "12 March 2027 at 2:05pm", in Europe/London.
pub fn london_time(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&London);
    format!("{} at {}", local.format("%-d %B %Y"), local.format("%-I:%M%P"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_london_day_starts_at_london_midnight() {
        let winter = NaiveDate::from_ymd_opt(2027, 1, 5).unwrap();
        let summer = NaiveDate::from_ymd_opt(2027, 7, 5).unwrap();
        assert_eq!(london_midnight(winter).to_rfc3339(), "2027-01-05T00:00:00+00:00");
        assert_eq!(london_midnight(summer).to_rfc3339(), "2027-07-04T23:00:00+00:00");
        assert_eq!(today(london_midnight(summer)), summer);
        assert_eq!(optional_date("d", Some(" ")).unwrap(), None);
        assert_eq!(optional_date("d", Some("5 July")).unwrap_err().field, "d");
    }

    #[test]
    fn dates_outside_the_years_a_scheme_lives_in_are_refused() {
        assert_eq!(parse_date("2027-03-12"), NaiveDate::from_ymd_opt(2027, 3, 12));
        for text in [
            "+262142-01-01",
            "262142-01-01",
            "9999-12-31",
            "1066-10-14",
            "2027-3-12",
            "2027-02-30",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }

    #[test]
    fn dates_read_as_people_write_them() {
        assert_eq!(
            long_date(NaiveDate::from_ymd_opt(2027, 3, 12).unwrap()),
            "12 March 2027"
        );
        let summer = DateTime::parse_from_rfc3339("2027-07-01T13:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(london_time(summer), "1 July 2027 at 2:05pm");
        let winter = DateTime::parse_from_rfc3339("2027-01-01T13:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(london_time(winter), "1 January 2027 at 1:05pm");
    }
}
