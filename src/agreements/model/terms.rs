//! The terms every agreement carries: a versioned template of headings and paragraphs, read and
//! checked once, and filled in with the loan's organisation, hub and due date.

/// The terms lendhub ships with.
pub const BUILTIN_TERMS: &str = include_str!("../../../templates/agreements/terms.txt");

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
}
