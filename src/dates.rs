//! Days as the scheme lives them: in Europe/London. Storage is UTC; a "day" at a hub starts at
//! London midnight, whatever the clocks are doing. Dates and times are written as people read them
//! ("12 March 2027"), on pages, letters and agreements alike.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
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

/// An optional `YYYY-MM-DD` date from a form or request; a 422 on `field` when it is not one.
pub fn optional_date(field: &str, text: Option<&str>) -> Result<Option<NaiveDate>, FieldError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| FieldError::new(field, "enter a date as YYYY-MM-DD, like 2027-03-12")),
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
