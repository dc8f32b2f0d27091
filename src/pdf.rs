//! What every PDF lendhub makes shares: the embedded fonts (Atkinson Hyperlegible Next, designed
//! for low-vision readers, OFL; DejaVu Sans for the characters it lacks) and text measured in
//! millimetres for layout.

use std::sync::LazyLock;

use printpdf::{Color, FontId, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, Point, Pt, Rgb, TextItem};

static REGULAR_BYTES: &[u8] = include_bytes!("../assets/fonts/AtkinsonHyperlegibleNext-Regular.ttf");
static BOLD_BYTES: &[u8] = include_bytes!("../assets/fonts/AtkinsonHyperlegibleNext-Bold.ttf");
static FALLBACK_BYTES: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

/// A font face: what printpdf embeds, and advance widths for measuring.
pub struct Face {
    parsed: ParsedFont,
    /// Advance width of each character, in thousandths of the font size.
    widths: std::collections::HashMap<char, f32>,
    fallback_width: f32,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Self {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings).expect("the embedded font parses");
        let face = ttf_parser::Face::parse(bytes, 0).expect("the embedded font parses");
        let scale = 1000.0 / f32::from(face.units_per_em());
        let mut widths = std::collections::HashMap::new();
        if let Some(table) = face.tables().cmap {
            for subtable in table.subtables {
                if !subtable.is_unicode() {
                    continue;
                }
                subtable.codepoints(|codepoint| {
                    if let (Some(c), Some(glyph)) =
                        (char::from_u32(codepoint), subtable.glyph_index(codepoint))
                        && let Some(advance) = face.glyph_hor_advance(glyph)
                    {
                        widths.insert(c, f32::from(advance) * scale);
                    }
                });
            }
        }
        let fallback_width = widths.get(&'n').copied().unwrap_or(550.0);
        Self {
            parsed,
            widths,
            fallback_width,
        }
    }

    /// The width of `text` set at `size` points, in millimetres.
    pub fn width_mm(&self, text: &str, size: f32) -> f32 {
        let thousandths: f32 = text
            .chars()
            .map(|c| self.widths.get(&c).copied().unwrap_or(self.fallback_width))
            .sum();
        Mm::from(Pt(thousandths * size / 1000.0)).0
    }

    /// Splits `text` into lines no wider than `width` mm at `size` points, breaking at spaces.
    pub fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if self.width_mm(&candidate, size) <= width || line.is_empty() {
                line = candidate;
            } else {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// Whether the face has a glyph for every character of `text`.
    pub fn covers(&self, text: &str) -> bool {
        text.chars()
            .all(|c| c.is_whitespace() || self.widths.contains_key(&c))
    }
}

pub static REGULAR: LazyLock<Face> = LazyLock::new(|| Face::load(REGULAR_BYTES));
pub static BOLD: LazyLock<Face> = LazyLock::new(|| Face::load(BOLD_BYTES));
/// Cyrillic, Greek and the rest of what Atkinson Hyperlegible Next does not draw.
pub static FALLBACK: LazyLock<Face> = LazyLock::new(|| Face::load(FALLBACK_BYTES));

/// The fonts added to one document.
pub struct DocFonts {
    pub regular: FontId,
    pub bold: FontId,
    /// Added only to documents with text the main faces cannot draw.
    pub fallback: Option<FontId>,
}

impl DocFonts {
    pub fn add(doc: &mut PdfDocument) -> Self {
        Self {
            regular: doc.add_font(&REGULAR.parsed),
            bold: doc.add_font(&BOLD.parsed),
            fallback: None,
        }
    }

    /// The main faces, and the fallback too when some of `texts` needs it.
    pub fn add_for<'a>(doc: &mut PdfDocument, texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut fonts = Self::add(doc);
        if texts.into_iter().any(|t| !(REGULAR.covers(t) && BOLD.covers(t))) {
            fonts.fallback = Some(doc.add_font(&FALLBACK.parsed));
        }
        fonts
    }

    /// The font to set `text` in: the regular or bold face when it covers every character, else
    /// the fallback (when the document has it). Measure with the face returned.
    pub fn pick(&self, bold: bool, text: &str) -> (&FontId, &'static Face) {
        let (id, face): (&FontId, &'static Face) = if bold {
            (&self.bold, &BOLD)
        } else {
            (&self.regular, &REGULAR)
        };
        match &self.fallback {
            Some(fallback) if !face.covers(text) => (fallback, &FALLBACK),
            _ => (id, face),
        }
    }
}

/// Black text at `(x, y)` mm from the page's bottom left corner (the baseline).
pub fn text(ops: &mut Vec<Op>, font: &FontId, size: f32, x: f32, y: f32, text: &str) {
    ops.extend([
        Op::StartTextSection,
        Op::SetFillColor { col: black() },
        Op::SetFont {
            font: PdfFontHandle::External(font.clone()),
            size: Pt(size),
        },
        Op::SetTextCursor {
            pos: Point {
                x: Mm(x).into(),
                y: Mm(y).into(),
            },
        },
        Op::ShowText {
            items: vec![TextItem::Text(text.to_owned())],
        },
        Op::EndTextSection,
    ]);
}

pub fn black() -> Color {
    Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fonts_cover_the_names_of_the_people_we_lend_to() {
        for name in [
            "Łukasz Kowalski",
            "Zoë Ångström",
            "Siân Evans",
            "Dvořák",
            "£249.99 – ‘quoted’",
        ] {
            assert!(REGULAR.covers(name), "{name}");
            assert!(BOLD.covers(name), "{name}");
        }
    }

    #[test]
    fn text_the_main_faces_cannot_draw_is_set_in_the_fallback() {
        let mut doc = PdfDocument::new("test");
        let latin = DocFonts::add_for(&mut doc, ["Zoë"]);
        assert!(latin.fallback.is_none());
        let fonts = DocFonts::add_for(&mut doc, ["Zoë", "Дмитрий"]);
        assert!(FALLBACK.covers("Дмитрий Ελένη"));
        assert_eq!(Some(fonts.pick(false, "Дмитрий").0), fonts.fallback.as_ref());
        assert_eq!(fonts.pick(true, "Zoë").0, &fonts.bold);
    }

    #[test]
    fn text_is_measured_and_wrapped() {
        let wide = REGULAR.width_mm("WWWW", 12.0);
        let narrow = REGULAR.width_mm("iiii", 12.0);
        assert!(wide > narrow * 2.0);
        assert!((REGULAR.width_mm("WWWW", 24.0) - wide * 2.0).abs() < 0.01);
        let lines = REGULAR.wrap("one two three four five six seven", 12.0, 25.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| REGULAR.width_mm(l, 12.0) <= 25.0));
        assert_eq!(lines.join(" "), "one two three four five six seven");
    }
}
