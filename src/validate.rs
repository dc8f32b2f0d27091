//! Checks shared by every form and API request: text trimmed and bounded by characters (never by
//! bytes), lists of short names kept once each, and errors gathered so a form can show them all.

use std::collections::HashSet;

use crate::error::FieldError;

/// Trimmed text, `None` when empty, refused on `field` when longer than `max` characters.
/// `label` names it in the message: "the model must be at most 100 characters".
pub fn optional_text(
    field: &str,
    label: &str,
    text: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) if text.chars().count() > max => Err(FieldError::new(
            field,
            format!("{label} must be at most {max} characters"),
        )),
        // Line breaks and tabs are how people write addresses and notes; no other control
        // character belongs in text a person reads (or in a letter, a PDF or a calendar).
        Some(text)
            if text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
        {
            Err(FieldError::new(
                field,
                format!("{label} cannot contain control characters"),
            ))
        }
        Some(text) => Ok(Some(text.to_owned())),
    }
}

/// As [`optional_text`], and "enter {label}" when empty.
/// A phone number as people write it (digits, spaces, `+`, brackets and dashes), or none.
pub fn optional_phone(field: &str, text: Option<&str>) -> Result<Option<String>, FieldError> {
    let phone = optional_text(field, "the phone number", text, 30)?;
    if let Some(phone) = &phone
        && !phone.chars().all(|c| c.is_ascii_digit() || " +()-".contains(c))
    {
        return Err(FieldError::new(field, "enter a phone number, like 020 7946 0000"));
    }
    Ok(phone)
}

pub fn required_text(field: &str, label: &str, text: Option<&str>, max: usize) -> Result<String, FieldError> {
    optional_text(field, label, text, max)?.ok_or_else(|| FieldError::new(field, format!("enter {label}")))
}

/// Refuses a list a client sent with more than `max` items, before any work is done on it: every
/// list a request carries has a cap, so no request can make work that grows without bound.
pub fn at_most<T>(field: &str, items: &[T], max: usize) -> Result<(), FieldError> {
    if items.len() > max {
        return Err(FieldError::new(
            field,
            format!("send at most {max} items in {field}"),
        ));
    }
    Ok(())
}

/// The most accessories (or other short names) one list may hold.
pub const MAX_NAMES: usize = 30;

/// Accessories and the like: at most [`MAX_NAMES`], trimmed, empty ones dropped, each at most 50
/// characters and kept once (ignoring case, by a set), in the order first given.
pub fn name_list(field: &str, items: &[String]) -> Result<Vec<String>, FieldError> {
    at_most(field, items, MAX_NAMES)?;
    let mut seen = HashSet::new();
    let mut list = Vec::new();
    for item in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if item.chars().count() > 50 {
            return Err(FieldError::new(field, "each name must be at most 50 characters"));
        }
        if seen.insert(item.to_ascii_lowercase()) {
            list.push(item.to_owned());
        }
    }
    Ok(list)
}

/// Search text reduced to what a search can use before it reaches FTS5 or `LIKE`: letters,
/// digits and the marks that appear in tags, serials, emails, phones and addresses
/// (`- _ @ . + ' / % # &`; the repos quote or escape each for their index);
/// anything else (quotes, NUL, operators) is a space, and runs of spaces are one. `None` when
/// nothing is left; refused on `field` below 3 characters or above 100.
pub fn search_text(field: &str, text: Option<&str>) -> Result<Option<String>, FieldError> {
    let kept: String = text
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_@.+'/%#&".contains(c) {
                c
            } else {
                ' '
            }
        })
        .collect();
    let words: Vec<&str> = kept.split_whitespace().collect();
    let text = words.join(" ");
    match text.chars().count() {
        0 => Ok(None),
        1..=2 => Err(FieldError::new(field, "enter at least 3 characters to search")),
        101.. => Err(FieldError::new(field, "search for at most 100 characters")),
        _ => Ok(Some(text)),
    }
}

/// Keeps the value, or puts its error on the list for the report.
pub fn collect<T>(errors: &mut Vec<FieldError>, result: Result<T, FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded_by_characters() {
        assert_eq!(optional_text("f", "it", Some("  "), 3).unwrap(), None);
        assert_eq!(
            optional_text("f", "it", Some(" Siân "), 4).unwrap().as_deref(),
            Some("Siân")
        );
        let error = optional_text("f", "the name", Some("Siân"), 3).unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.message.as_str()),
            ("f", "the name must be at most 3 characters")
        );
        assert_eq!(
            required_text("f", "a name", None, 3).unwrap_err().message,
            "enter a name"
        );
    }

    #[test]
    fn search_text_keeps_only_what_a_search_can_use() {
        assert_eq!(
            search_text("q", Some(" TCH-00042 ")).unwrap().as_deref(),
            Some("TCH-00042")
        );
        assert_eq!(
            search_text("q", Some("sian\0\"evans\" OR *")).unwrap().as_deref(),
            Some("sian evans OR")
        );
        assert_eq!(search_text("q", Some("\0\0\"")).unwrap(), None);
        assert_eq!(search_text("q", Some("a\0")).unwrap_err().field, "q");
        assert!(search_text("q", Some(&"x".repeat(101))).is_err());
    }

    #[test]
    fn names_are_kept_once_in_the_order_given() {
        let items = ["Charger", " case ", "charger", "", "Case"].map(String::from);
        assert_eq!(name_list("accessories", &items).unwrap(), ["Charger", "case"]);
        assert!(name_list("accessories", &["x".repeat(51)]).is_err());
    }
}
