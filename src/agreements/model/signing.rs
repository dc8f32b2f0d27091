//! How an agreement was signed: on screen by typed name and an optional drawn signature, or on
//! paper, and the sentences its signature block prints.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{dates::london_time, error::FieldError};

/// How an agreement was signed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum SigningMethod {
    /// At the counter, on lendhub's page.
    #[sea_orm(string_value = "screen")]
    Screen,
    /// On a printed copy; staff recorded it.
    #[sea_orm(string_value = "paper")]
    Paper,
}

/// The drawing area of the signature pad, in the units strokes are given in.
pub const PAD_WIDTH: u16 = 600;
pub const PAD_HEIGHT: u16 = 200;
const MAX_POINTS: usize = 4000;

/// A drawn signature: strokes of points in pad units, `(0, 0)` at the top left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature(pub Vec<Vec<(u16, u16)>>);

impl Signature {
    /// Reads the pad's JSON (`[[[x, y], ...], ...]`). Empty text or no strokes is no signature.
    ///
    /// # Errors
    /// A `FieldError` on `signature` when it is not strokes inside the pad.
    pub fn parse(text: Option<&str>) -> Result<Option<Self>, FieldError> {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let wrong = || {
            FieldError::new(
                "signature",
                "the drawn signature could not be read: clear it and draw again",
            )
        };
        let strokes: Vec<Vec<(u16, u16)>> = serde_json::from_str(text).map_err(|_| wrong())?;
        let strokes: Vec<Vec<(u16, u16)>> = strokes.into_iter().filter(|s| !s.is_empty()).collect();
        if strokes.iter().map(Vec::len).sum::<usize>() > MAX_POINTS {
            return Err(FieldError::new(
                "signature",
                "the drawn signature is too long: clear it and draw again",
            ));
        }
        if strokes
            .iter()
            .flatten()
            .any(|&(x, y)| x > PAD_WIDTH || y > PAD_HEIGHT)
        {
            return Err(wrong());
        }
        Ok((!strokes.is_empty()).then_some(Self(strokes)))
    }

    /// An SVG path of the strokes, for showing the signature on a page.
    pub fn svg_path(&self) -> String {
        use std::fmt::Write;
        let mut path = String::new();
        for stroke in &self.0 {
            for (i, (x, y)) in stroke.iter().enumerate() {
                let _ = write!(path, "{}{x} {y} ", if i == 0 { "M" } else { "L" });
            }
            if stroke.len() == 1 {
                path.push_str("l0.1 0 ");
            }
        }
        path.trim_end().to_owned()
    }
}

/// The longest name a borrower can sign with.
pub const MAX_NAME: usize = 120;

/// The name typed to sign: required, at most `MAX_NAME` characters.
///
/// # Errors
/// A `FieldError` on `signed_name`.
pub fn parse_signed_name(text: Option<&str>) -> Result<String, FieldError> {
    let name = text.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Err(FieldError::new("signed_name", "type your full name to sign"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(FieldError::new(
            "signed_name",
            format!("the name must be at most {MAX_NAME} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(FieldError::new("signed_name", "the name must be plain text"));
    }
    Ok(name.to_owned())
}

/// How the borrower agreed, as printed in the signature block.
#[derive(Debug, Clone)]
pub struct Acceptance {
    pub method: SigningMethod,
    pub signed_name: String,
    pub at: DateTime<Utc>,
    pub staff_name: String,
    pub signature: Option<Signature>,
}

impl Acceptance {
    /// The sentences of the signature block.
    pub fn lines(&self) -> Vec<String> {
        let at = london_time(self.at);
        match self.method {
            SigningMethod::Screen => vec![
                format!(
                    "{} agreed to this on screen on {at} by typing their name{}.",
                    self.signed_name,
                    if self.signature.is_some() {
                        " and signing below"
                    } else {
                        ""
                    }
                ),
                format!("Staff member: {}.", self.staff_name),
            ],
            SigningMethod::Paper => vec![
                format!("{} signed a printed copy of this agreement.", self.signed_name),
                format!("Recorded by {} on {at}.", self.staff_name),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_strokes_inside_the_pad() {
        assert_eq!(Signature::parse(None).unwrap(), None);
        assert_eq!(Signature::parse(Some("[]")).unwrap(), None);
        let signature = Signature::parse(Some("[[[1,2],[30,40]],[[5,5]]]"))
            .unwrap()
            .unwrap();
        assert_eq!(signature.svg_path(), "M1 2 L30 40 M5 5 l0.1 0");
        for bad in ["nope", "[[[1]]]", "[[[601,0]]]", "[[[-1,0]]]", "{\"a\":1}"] {
            assert_eq!(
                Signature::parse(Some(bad)).unwrap_err().field,
                "signature",
                "{bad}"
            );
        }
        let long = format!("[[{}]]", vec!["[1,1]"; MAX_POINTS + 1].join(","));
        assert!(Signature::parse(Some(&long)).is_err());
    }

    #[test]
    fn a_signed_name_is_required_and_plain() {
        assert_eq!(parse_signed_name(Some("  Siân Evans ")).unwrap(), "Siân Evans");
        for bad in [None, Some(""), Some("   "), Some("a\u{7}b")] {
            assert_eq!(parse_signed_name(bad).unwrap_err().field, "signed_name");
        }
        assert!(parse_signed_name(Some(&"x".repeat(MAX_NAME + 1))).is_err());
    }
}
