//! What staff sign in with, read the one way: an email address, a password long enough, and the
//! session or token a request came with.

use crate::error::FieldError;

/// The session or API token a request was made with (its hash, as stored), so that changing a
/// password can end every other one and keep this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Token(String),
    Session(String),
    None,
}

/// An email address as staff type it: trimmed and lower-cased, with one `@` and a dot after it.
pub fn parse_email(field: &str, text: &str) -> Result<String, FieldError> {
    let email = text.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        });
    if valid {
        Ok(email)
    } else {
        Err(FieldError::new(
            field,
            "enter an email address like name@example.org",
        ))
    }
}

/// Passwords must be long enough to resist guessing; length matters more than character classes.
pub fn check_password(field: &str, password: &str) -> Result<(), FieldError> {
    if password.chars().count() < 12 {
        Err(FieldError::new(
            field,
            "the password must be at least 12 characters long",
        ))
    } else if password.len() > 1024 {
        Err(FieldError::new(
            field,
            "the password must be at most 1024 characters long",
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            parse_email("email", "  Ada@Example.ORG ").unwrap(),
            "ada@example.org"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "a da@example.org",
        ] {
            assert!(parse_email("email", bad).is_err(), "{bad:?} accepted");
        }
    }
}
