//! Keyset paging shared by the lists that run in date order (the call list, the overdue list):
//! how many rows a page holds, the cursor `2027-03-10.42` (the date and id of the last row shown),
//! and cutting the one extra row a query reads to know whether another page follows.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::error::FieldError;

/// How many rows a page holds: `default` when no limit is asked for, else 1 to `max`.
///
/// # Errors
/// A `FieldError` on `limit` when it is outside 1 to `max`.
pub fn page_size(limit: Option<u64>, default: u64, max: u64) -> Result<u64, FieldError> {
    match limit {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(FieldError::new(
            "limit",
            format!("limit must be a number from 1 to {max}"),
        )),
    }
}

/// The id a list paged by id left off at (its `next_cursor`), or none for the first page.
///
/// # Errors
/// A `FieldError` on `cursor` when it is not an id.
pub fn id_cursor(text: Option<&str>) -> Result<Option<i32>, FieldError> {
    match text.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(text) => text
            .parse::<i32>()
            .map(Some)
            .map_err(|_| FieldError::new("cursor", "cursor must be the next_cursor of an earlier page")),
    }
}

/// The query of a list paged by key and filtered by hub, as the API reads it.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HubPageQuery {
    /// Only this hub's.
    pub hub_id: Option<i32>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])\.[0-9]{1,9}$")]
    pub cursor: Option<String>,
    /// How many a page holds (1 to 200; 50 unless given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// Where the next page of a date-ordered list starts: after this date and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatedCursor {
    pub date: NaiveDate,
    pub id: i32,
}

impl DatedCursor {
    /// Reads a cursor as `next_cursor` wrote it; an empty one is none.
    ///
    /// # Errors
    /// A `FieldError` on `cursor` when it is not one this list wrote.
    pub fn parse(text: Option<&str>) -> Result<Option<Self>, FieldError> {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let wrong = || FieldError::new("cursor", "cursor must be the next_cursor of an earlier page");
        let (date, id) = text.split_once('.').ok_or_else(wrong)?;
        Ok(Some(Self {
            date: crate::dates::parse_date(date).ok_or_else(wrong)?,
            id: id.parse().map_err(|_| wrong())?,
        }))
    }
}

impl std::fmt::Display for DatedCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.date, self.id)
    }
}

/// Cuts `rows` (read with one more than `limit`) to the page, and gives the cursor of its last
/// row when another page follows.
pub fn cut<T>(
    rows: Vec<T>,
    limit: u64,
    cursor_of: impl Fn(&T) -> Option<DatedCursor>,
) -> (Vec<T>, Option<String>) {
    let (rows, next) = cut_by(rows, limit, cursor_of);
    (rows, next.flatten().map(|c| c.to_string()))
}

/// As [`cut`], for a list whose cursor is of its own kind (an id, a place in an order).
pub fn cut_by<T, C>(mut rows: Vec<T>, limit: u64, cursor_of: impl Fn(&T) -> C) -> (Vec<T>, Option<C>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() <= limit {
        return (rows, None);
    }
    rows.truncate(limit);
    let next = rows.last().map(cursor_of);
    (rows, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_what_it_wrote() {
        let cursor = DatedCursor {
            date: NaiveDate::from_ymd_opt(2027, 3, 10).unwrap(),
            id: 42,
        };
        assert_eq!(
            DatedCursor::parse(Some(&cursor.to_string())).unwrap(),
            Some(cursor)
        );
        assert_eq!(DatedCursor::parse(Some("  ")).unwrap(), None);
        for bad in ["42", "2027-03-10", "2027-03-10.x", "9999-01-01.1", "x.1"] {
            assert_eq!(
                DatedCursor::parse(Some(bad)).unwrap_err().field,
                "cursor",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_page_is_cut_to_its_limit_and_says_where_the_next_starts() {
        let at = |id| DatedCursor {
            date: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            id,
        };
        let (rows, next) = cut(vec![1, 2, 3], 2, |&id| Some(at(id)));
        assert_eq!((rows, next.as_deref()), (vec![1, 2], Some("2027-01-01.2")));
        let (rows, next) = cut(vec![1, 2], 2, |&id| Some(at(id)));
        assert_eq!((rows, next), (vec![1, 2], None));
        assert_eq!(page_size(None, 50, 200).unwrap(), 50);
        assert_eq!(page_size(Some(200), 50, 200).unwrap(), 200);
        assert!(page_size(Some(0), 50, 200).is_err());
        assert!(page_size(Some(201), 50, 200).is_err());
    }
}
