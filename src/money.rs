//! Money is integer pence, everywhere: typed as pounds and pence by people, stored and summed as
//! pence, written back as "£249.99".

use crate::error::FieldError;

/// The most any one cost may be: £100,000, far above any device or repair, and low enough that a
/// sum over every row of a table stays far inside an `i64`.
pub const MAX_PENCE: i64 = 10_000_000;

/// A cost typed into `field`, checked to lie between nothing and [`MAX_PENCE`].
///
/// # Errors
/// A `FieldError` naming `field` for a negative cost or one over £100,000.
pub fn check_pence(field: &str, pence: Option<i64>) -> Result<Option<i64>, FieldError> {
    match pence {
        Some(p) if p < 0 => Err(FieldError::new(field, "the cost cannot be negative")),
        Some(p) if p > MAX_PENCE => Err(FieldError::new(field, "the cost can be at most £100,000.00")),
        other => Ok(other),
    }
}

/// "£249.99" from pence.
pub fn pounds(pence: i64) -> String {
    format!("£{}.{:02}", pence / 100, pence % 100)
}

/// "249.99", "£249.99" or "249" as pence.
pub fn parse_pounds(text: &str) -> Option<i64> {
    let text = text.trim().trim_start_matches('£').replace(',', "");
    let (pounds, pence) = text.split_once('.').unwrap_or((&text, "0"));
    let pence = match pence.len() {
        1 => pence.parse::<i64>().ok()? * 10,
        2 => pence.parse::<i64>().ok()?,
        _ => return None,
    };
    let pounds: i64 = pounds.parse().ok().filter(|p: &i64| *p >= 0)?;
    pounds.checked_mul(100)?.checked_add(pence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pounds_are_read_as_people_type_them() {
        assert_eq!(parse_pounds("249.99"), Some(24_999));
        assert_eq!(parse_pounds("£1,249.5"), Some(124_950));
        assert_eq!(parse_pounds("12"), Some(1_200));
        for bad in ["", "abc", "1.999", "-5", "1.x"] {
            assert_eq!(parse_pounds(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn costs_lie_between_nothing_and_a_hundred_thousand_pounds() {
        assert_eq!(check_pence("cost", Some(MAX_PENCE)).unwrap(), Some(MAX_PENCE));
        assert_eq!(check_pence("cost", None).unwrap(), None);
        for bad in [-1, MAX_PENCE + 1, i64::MAX] {
            assert_eq!(check_pence("cost", Some(bad)).unwrap_err().field, "cost");
        }
    }

    #[test]
    fn pence_are_written_as_pounds() {
        assert_eq!(pounds(24_999), "£249.99");
    }
}
