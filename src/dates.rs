//! Days as the scheme lives them: in Europe/London. Storage is UTC; a "day" at a hub starts at
//! London midnight, whatever the clocks are doing.

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
        .from_local_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default())
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
}
