//! How a borrower's phone number and postcode are written down: checked, and put in the
//! standard form.

use crate::error::FieldError;

/// A UK or international phone number: 10 to 15 digits, with spaces, dashes, brackets or a `+`.
pub fn parse_phone(text: &str) -> Result<String, FieldError> {
    let text = text.trim();
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let allowed = text.chars().all(|c| c.is_ascii_digit() || " -()+".contains(c));
    if allowed && (10..=15).contains(&digits) {
        Ok(text.to_owned())
    } else {
        Err(FieldError::new(
            "phone",
            "enter a phone number like 020 7946 0018 or 07700 900123",
        ))
    }
}

/// A UK postcode, written the standard way: `e15hr` becomes `E1 5HR`.
pub fn parse_postcode(text: &str) -> Result<String, FieldError> {
    // Characters, not bytes: a postcode typed with "𝟙" or "é" in it must be refused, not sliced.
    let compact: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let (outward, inward) = compact.split_at(compact.len().saturating_sub(3));
    let inward_ok =
        matches!(inward, [d, a, b] if d.is_ascii_digit() && a.is_ascii_uppercase() && b.is_ascii_uppercase());
    let outward_ok = (2..=4).contains(&outward.len())
        && outward[0].is_ascii_uppercase()
        && outward.iter().all(char::is_ascii_alphanumeric)
        && outward.iter().any(char::is_ascii_digit);
    if inward_ok && outward_ok {
        let (outward, inward): (String, String) = (outward.iter().collect(), inward.iter().collect());
        Ok(format!("{outward} {inward}"))
    } else {
        Err(FieldError::new("postcode", "enter a postcode like E1 5HR"))
    }
}
