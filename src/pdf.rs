//! What every PDF lendhub makes shares: the embedded fonts (Atkinson Hyperlegible Next, designed
//! for low-vision readers, OFL; DejaVu Sans for the characters it lacks) and text measured in
//! millimetres for layout; `Flow` sets text down A4 pages, a new page when one fills.

use std::sync::LazyLock;

use printpdf::{
    Color, FontId, Line, LineCapStyle, LineJoinStyle, LinePoint, Mm, Op, ParsedFont, PdfDocument,
    PdfFontHandle, Point, Pt, Rgb, TextItem,
};

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

pub const PAGE_WIDTH: f32 = 210.0;
pub const PAGE_HEIGHT: f32 = 297.0;
pub const MARGIN: f32 = 20.0;
/// Text stops this far above the bottom edge; the footer sits below it.
pub const BOTTOM: f32 = 24.0;
pub const FOOTER_BASELINE: f32 = 12.0;

/// Text flowed down pages, top to bottom.
pub struct Flow<'a> {
    pub fonts: &'a DocFonts,
    pub pages: Vec<Vec<Op>>,
    /// The top of the next line, in mm from the bottom of the page.
    pub y: f32,
    pub body: f32,
}

pub fn line_height(size: f32) -> f32 {
    Mm::from(Pt(size * 1.35)).0
}

impl<'a> Flow<'a> {
    pub fn new(fonts: &'a DocFonts, body: f32) -> Self {
        Self {
            fonts,
            pages: vec![Vec::new()],
            y: PAGE_HEIGHT - MARGIN,
            body,
        }
    }

    pub fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    /// Starts a new page unless `height` mm still fits on this one.
    pub fn keep(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.pages.push(Vec::new());
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    pub fn gap(&mut self, lines: f32) {
        self.y -= line_height(self.body) * lines;
    }

    /// One line of text at `x`, moving down by its line height.
    pub fn line(&mut self, bold: bool, size: f32, x: f32, text: &str) {
        let height = line_height(size);
        self.keep(height);
        let baseline = self.y - height * 0.78;
        let (font, _) = self.fonts.pick(bold, text);
        let font = font.clone();
        self::text(self.ops(), &font, size, x, baseline, text);
        self.y -= height;
    }

    /// `text` wrapped to the text column.
    pub fn paragraph(&mut self, bold: bool, size: f32, text: &str) {
        let (_, face) = self.fonts.pick(bold, text);
        for line in face.wrap(text, size, PAGE_WIDTH - 2.0 * MARGIN) {
            self.line(bold, size, MARGIN, &line);
        }
    }

    /// How much room `text` takes wrapped to the text column.
    pub fn height_of(&self, size: f32, text: &str) -> f32 {
        let (_, face) = self.fonts.pick(false, text);
        #[allow(clippy::cast_precision_loss)]
        let lines = face.wrap(text, size, PAGE_WIDTH - 2.0 * MARGIN).len() as f32;
        lines * line_height(size)
    }

    /// How much room a heading takes, with the gap under it.
    pub fn heading_height(&self) -> f32 {
        line_height(self.body * 1.25) + line_height(self.body) * 0.15
    }

    /// A heading kept on the same page as the two lines after it.
    pub fn heading(&mut self, text: &str) {
        let size = self.body * 1.25;
        self.keep(line_height(size) + 2.0 * line_height(self.body));
        self.line(true, size, MARGIN, text);
        self.gap(0.15);
    }

    /// Label and value rows: the label in bold on the left, the value wrapped on the right.
    pub fn facts(&mut self, facts: &[(&'static str, String)]) {
        let label_width = if self.body > 14.0 { 62.0 } else { 45.0 };
        let value_x = MARGIN + label_width;
        let value_width = PAGE_WIDTH - MARGIN - value_x;
        let height = line_height(self.body);
        for (label, value) in facts {
            let (_, face) = self.fonts.pick(false, value);
            let lines = face.wrap(value, self.body, value_width);
            #[allow(clippy::cast_precision_loss)]
            self.keep(height * lines.len().max(1) as f32);
            let top = self.y;
            self.line(true, self.body, MARGIN, label);
            self.y = top;
            for line in &lines {
                self.line(false, self.body, value_x, line);
            }
            self.gap(0.2);
        }
    }

    /// A line to sign or write on, after a label.
    pub fn rule(&mut self, label: &str) {
        let height = line_height(self.body) * 2.0;
        self.keep(height);
        self.y -= height - line_height(self.body);
        let top = self.y;
        self.line(false, self.body, MARGIN, label);
        let start = MARGIN + REGULAR.width_mm(label, self.body) + 3.0;
        let y = top - line_height(self.body) * 0.8;
        stroke(self.ops(), 0.6, &[(start, y), (PAGE_WIDTH - MARGIN, y)]);
    }
}

pub fn stroke(ops: &mut Vec<Op>, thickness: f32, points: &[(f32, f32)]) {
    ops.extend([
        Op::SetOutlineColor { col: black() },
        Op::SetOutlineThickness { pt: Pt(thickness) },
        Op::SetLineCapStyle {
            cap: LineCapStyle::Round,
        },
        Op::SetLineJoinStyle {
            join: LineJoinStyle::Round,
        },
        Op::DrawLine {
            line: Line {
                points: points
                    .iter()
                    .map(|&(x, y)| LinePoint {
                        p: Point {
                            x: Mm(x).into(),
                            y: Mm(y).into(),
                        },
                        bezier: false,
                    })
                    .collect(),
                is_closed: false,
            },
        },
    ]);
}

/// A new document titled `title`, made by lendhub at `made_at` (its creation time).
pub fn document(title: &str, made_at: chrono::DateTime<chrono::Utc>) -> PdfDocument {
    let mut doc = PdfDocument::new(title);
    if let Ok(at) = printpdf::OffsetDateTime::from_unix_timestamp(made_at.timestamp()) {
        doc.metadata.info.creation_date = at;
        doc.metadata.info.modification_date = at;
        doc.metadata.info.metadata_date = at;
    }
    doc.metadata.info.producer = "lendhub".into();
    doc
}

/// The document's bytes: each of `pages` on A4 with `footer(page, of)` set under the text.
pub fn finish(
    mut doc: PdfDocument,
    pages: Vec<Vec<Op>>,
    font: &FontId,
    size: f32,
    footer: impl Fn(usize, usize) -> String,
) -> Vec<u8> {
    let total = pages.len();
    let pages = pages
        .into_iter()
        .enumerate()
        .map(|(i, mut ops)| {
            text(
                &mut ops,
                font,
                size,
                MARGIN,
                FOOTER_BASELINE,
                &footer(i + 1, total),
            );
            printpdf::PdfPage::new(Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT), ops)
        })
        .collect();
    let mut warnings = Vec::new();
    doc.with_pages(pages)
        .save(&printpdf::PdfSaveOptions::default(), &mut warnings)
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
