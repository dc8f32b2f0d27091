//! Money is integer pence, everywhere: typed as pounds and pence by people, stored and summed as
//! pence, written back as "£249.99".

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
    fn pence_are_written_as_pounds() {
        assert_eq!(pounds(24_999), "£249.99");
    }
}
