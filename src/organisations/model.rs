//! The organisation's asset-tag prefix.

use crate::error::FieldError;

/// Two to six capital letters, e.g. `TCH`, printed before every asset tag of the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetPrefix(String);

impl AssetPrefix {
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        let prefix = text.trim().to_uppercase();
        if (2..=6).contains(&prefix.len()) && prefix.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(Self(prefix))
        } else {
            Err(FieldError::new(
                field,
                "the prefix must be 2 to 6 letters, like TCH",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name of something staff type (an organisation, a hub, a person): trimmed, not empty, not
/// longer than `max` characters.
pub fn parse_name(field: &str, label: &str, text: &str, max: usize) -> Result<String, FieldError> {
    let name = text.trim();
    if name.is_empty() {
        Err(FieldError::new(field, format!("enter {label}")))
    } else if name.chars().any(char::is_control) {
        Err(FieldError::new(
            field,
            format!("{label} must be one line of ordinary characters"),
        ))
    } else if name.chars().count() > max {
        Err(FieldError::new(
            field,
            format!("{label} must be at most {max} characters"),
        ))
    } else {
        Ok(name.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_capital_letters() {
        assert_eq!(AssetPrefix::parse("p", " tch ").unwrap().as_str(), "TCH");
        for bad in ["", "T", "TOOLONGX", "T1", "T-C"] {
            assert!(AssetPrefix::parse("p", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_name("name", "a name", "  Hub  ", 10).unwrap(), "Hub");
        assert_eq!(
            parse_name("name", "a name", "   ", 10).unwrap_err().message,
            "enter a name"
        );
        assert!(parse_name("name", "a name", "elevenchars", 10).is_err());
    }
}
