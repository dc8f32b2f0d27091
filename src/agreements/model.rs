//! What a loan agreement says: the terms (a versioned template), the facts of the loan, and how
//! it was signed. The same document is drawn as a PDF and shown as a page at the counter.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    dates::{london_time, long_date},
    error::FieldError,
};

/// The terms lendhub ships with.
pub const BUILTIN_TERMS: &str = include_str!("../../templates/agreements/terms.txt");

/// One part of the terms: a heading and its paragraphs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

/// The terms every agreement carries, with the version each signed agreement records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub version: String,
    pub sections: Vec<Section>,
}

const PLACEHOLDERS: [&str; 3] = ["{organisation}", "{hub}", "{due_date}"];

impl Terms {
    pub fn builtin() -> Self {
        Self::parse(BUILTIN_TERMS).expect("the built-in terms parse")
    }

    /// Reads a terms file: `version: ...` on the first line, then `## ` headings each followed by
    /// paragraphs separated by blank lines. Lines starting `#` (but not `## `) are notes.
    ///
    /// # Errors
    /// A message saying which line is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut lines = text.lines().enumerate();
        let version = lines
            .next()
            .and_then(|(_, line)| line.strip_prefix("version:"))
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.len() <= 40)
            .ok_or("the first line must be \"version: ...\" (at most 40 characters)")?
            .to_owned();
        let mut sections: Vec<Section> = Vec::new();
        let mut paragraph = String::new();
        let end_paragraph = |sections: &mut Vec<Section>, paragraph: &mut String| {
            if let Some(section) = sections.last_mut()
                && !paragraph.is_empty()
            {
                section.paragraphs.push(std::mem::take(paragraph));
            }
        };
        for (number, line) in lines {
            let line = line.trim();
            if let Some(heading) = line.strip_prefix("## ") {
                end_paragraph(&mut sections, &mut paragraph);
                sections.push(Section {
                    heading: heading.trim().to_owned(),
                    paragraphs: Vec::new(),
                });
            } else if line.starts_with('#') {
            } else if line.is_empty() {
                end_paragraph(&mut sections, &mut paragraph);
            } else if sections.is_empty() {
                return Err(format!(
                    "line {}: text before the first \"## \" heading",
                    number + 1
                ));
            } else {
                let mut rest = line;
                while let Some(start) = rest.find('{') {
                    let tail = &rest[start..];
                    if !PLACEHOLDERS.iter().any(|p| tail.starts_with(p)) {
                        return Err(format!(
                            "line {}: unknown placeholder; use {}",
                            number + 1,
                            PLACEHOLDERS.join(", ")
                        ));
                    }
                    rest = &tail[1..];
                }
                if !paragraph.is_empty() {
                    paragraph.push(' ');
                }
                paragraph.push_str(line);
            }
        }
        end_paragraph(&mut sections, &mut paragraph);
        if sections.is_empty() {
            return Err("the terms have no sections (\"## \" headings)".into());
        }
        Ok(Self { version, sections })
    }

    /// The sections with the loan's details filled in.
    pub fn fill(&self, organisation: &str, hub: &str, due_date: &str) -> Vec<Section> {
        let fill = |text: &str| {
            text.replace("{organisation}", organisation)
                .replace("{hub}", hub)
                .replace("{due_date}", due_date)
        };
        self.sections
            .iter()
            .map(|s| Section {
                heading: fill(&s.heading),
                paragraphs: s.paragraphs.iter().map(|p| fill(p)).collect(),
            })
            .collect()
    }
}

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

/// Everything one agreement says, ready to be drawn as a PDF or a page.
#[derive(Debug, Clone)]
pub struct AgreementDoc {
    pub loan_id: i32,
    pub organisation: String,
    pub borrower: String,
    /// "Laptop: Lenovo ThinkPad T480"
    pub device: String,
    pub asset_tag: String,
    pub due_on: NaiveDate,
    /// Label and value pairs: who, what, when.
    pub facts: Vec<(&'static str, String)>,
    pub sections: Vec<Section>,
    pub terms_version: String,
    pub large_print: bool,
    pub acceptance: Option<Acceptance>,
}

/// The facts of a loan, as an agreement states them.
#[derive(Debug, Clone)]
pub struct LoanFacts {
    pub loan_id: i32,
    pub organisation: String,
    pub organisation_phone: Option<String>,
    pub organisation_email: Option<String>,
    pub hub_name: String,
    pub hub_address: Option<String>,
    pub borrower: String,
    pub large_print: bool,
    pub kind: String,
    pub make_model: String,
    pub asset_tag: String,
    pub serial_number: Option<String>,
    pub accessories: Vec<String>,
    pub issued_at: DateTime<Utc>,
    pub due_on: NaiveDate,
}

impl AgreementDoc {
    pub fn new(facts: LoanFacts, terms: &Terms, acceptance: Option<Acceptance>) -> Self {
        let due_date = long_date(facts.due_on);
        let hub = match &facts.hub_address {
            Some(address) => format!("{}, {address}", facts.hub_name),
            None => facts.hub_name.clone(),
        };
        let sections = terms.fill(&facts.organisation, &facts.hub_name, &due_date);
        let accessories = if facts.accessories.is_empty() {
            "Nothing else".to_owned()
        } else {
            facts.accessories.join(", ")
        };
        let device = format!("{}: {}", facts.kind, facts.make_model);
        Self {
            loan_id: facts.loan_id,
            organisation: facts.organisation.clone(),
            borrower: facts.borrower.clone(),
            device: device.clone(),
            asset_tag: facts.asset_tag.clone(),
            due_on: facts.due_on,
            facts: vec![
                ("Borrower", facts.borrower),
                (
                    "Lent by",
                    [
                        Some(facts.organisation),
                        facts.organisation_phone.map(|p| format!("phone {p}")),
                        facts.organisation_email.map(|e| format!("email {e}")),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", "),
                ),
                ("Hub", hub),
                ("Device", device),
                ("Asset tag", facts.asset_tag),
                (
                    "Serial number",
                    facts.serial_number.unwrap_or_else(|| "Not recorded".to_owned()),
                ),
                ("Comes with", accessories),
                ("Lent on", long_date(crate::dates::today(facts.issued_at))),
                ("Bring it back by", due_date),
                ("Loan number", facts.loan_id.to_string()),
            ],
            sections,
            terms_version: terms.version.clone(),
            large_print: facts.large_print,
            acceptance,
        }
    }

    /// The sentence under the title.
    pub fn summary(&self) -> String {
        format!(
            "{} lends {} this {} until {}. Please read this agreement. It says what you and we agree to.",
            self.organisation,
            self.borrower,
            self.device.split(':').next().unwrap_or("device").to_lowercase(),
            long_date(self.due_on)
        )
    }

    /// Every piece of text the document prints, for choosing its fonts.
    pub fn texts(&self) -> Vec<&str> {
        let mut texts: Vec<&str> = vec![&self.organisation, &self.borrower, &self.device];
        texts.extend(self.facts.iter().map(|(_, v)| v.as_str()));
        for section in &self.sections {
            texts.push(&section.heading);
            texts.extend(section.paragraphs.iter().map(String::as_str));
        }
        if let Some(acceptance) = &self.acceptance {
            texts.push(&acceptance.signed_name);
            texts.push(&acceptance.staff_name);
        }
        texts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_terms_cover_what_the_design_asks_for() {
        let terms = Terms::builtin();
        assert!(!terms.version.is_empty());
        let headings: Vec<&str> = terms.sections.iter().map(|s| s.heading.as_str()).collect();
        for needed in ["breaks", "lost", "wipe", "details", "Bring it back"] {
            assert!(
                terms
                    .sections
                    .iter()
                    .any(|s| s.heading.contains(needed) || s.paragraphs.iter().any(|p| p.contains(needed))),
                "{needed} in {headings:?}"
            );
        }
        assert!(terms.sections.iter().all(|s| !s.paragraphs.is_empty()));
    }

    #[test]
    fn terms_are_filled_in_for_the_loan() {
        let terms =
            Terms::parse("version: 7\n## Back by {due_date}\nTo {hub} of\n{organisation}.\n\nTwo.").unwrap();
        let filled = terms.fill("Test Homes", "Riverside", "1 March 2027");
        assert_eq!(filled[0].heading, "Back by 1 March 2027");
        assert_eq!(filled[0].paragraphs, ["To Riverside of Test Homes.", "Two."]);
    }

    #[test]
    fn broken_terms_say_what_is_wrong() {
        assert!(
            Terms::parse("## No version\ntext")
                .unwrap_err()
                .contains("version")
        );
        assert!(
            Terms::parse("version: 1\ntext first")
                .unwrap_err()
                .contains("line 2")
        );
        assert!(
            Terms::parse("version: 1\n## A\nHi {name}")
                .unwrap_err()
                .contains("placeholder")
        );
        assert!(
            Terms::parse("version: 1\n# only a note")
                .unwrap_err()
                .contains("no sections")
        );
    }

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
