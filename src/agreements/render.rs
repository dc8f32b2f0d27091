//! Draws an agreement as an A4 PDF: text flowed down the page in Atkinson Hyperlegible Next at
//! 12 pt (16 pt in large print), a new page when one fills, a footer on each with the loan number,
//! the terms version and the page count, and the signature block at the end.

use chrono::{DateTime, Utc};
use printpdf::{
    Color, Line, LineCapStyle, LineJoinStyle, LinePoint, Mm, Op, PdfDocument, PdfPage, PdfSaveOptions, Point,
    Pt,
};

use super::model::{AgreementDoc, PAD_HEIGHT, PAD_WIDTH, Signature};
use crate::pdf::{self, DocFonts};

const PAGE_WIDTH: f32 = 210.0;
const PAGE_HEIGHT: f32 = 297.0;
const MARGIN: f32 = 20.0;
/// Text stops this far above the bottom edge; the footer sits below it.
const BOTTOM: f32 = 24.0;
const FOOTER_BASELINE: f32 = 12.0;
const SIGNATURE_WIDTH: f32 = 90.0;

/// Text flowed down pages, top to bottom.
struct Flow<'a> {
    fonts: &'a DocFonts,
    pages: Vec<Vec<Op>>,
    /// The top of the next line, in mm from the bottom of the page.
    y: f32,
    body: f32,
}

fn line_height(size: f32) -> f32 {
    Mm::from(Pt(size * 1.35)).0
}

impl<'a> Flow<'a> {
    fn new(fonts: &'a DocFonts, body: f32) -> Self {
        Self {
            fonts,
            pages: vec![Vec::new()],
            y: PAGE_HEIGHT - MARGIN,
            body,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    /// Starts a new page unless `height` mm still fits on this one.
    fn keep(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.pages.push(Vec::new());
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    fn gap(&mut self, lines: f32) {
        self.y -= line_height(self.body) * lines;
    }

    /// One line of text at `x`, moving down by its line height.
    fn line(&mut self, bold: bool, size: f32, x: f32, text: &str) {
        let height = line_height(size);
        self.keep(height);
        let baseline = self.y - height * 0.78;
        let (font, _) = self.fonts.pick(bold, text);
        let font = font.clone();
        pdf::text(self.ops(), &font, size, x, baseline, text);
        self.y -= height;
    }

    /// `text` wrapped to the text column.
    fn paragraph(&mut self, bold: bool, size: f32, text: &str) {
        let (_, face) = self.fonts.pick(bold, text);
        for line in face.wrap(text, size, PAGE_WIDTH - 2.0 * MARGIN) {
            self.line(bold, size, MARGIN, &line);
        }
    }

    /// How much room `text` takes wrapped to the text column.
    fn height_of(&self, size: f32, text: &str) -> f32 {
        let (_, face) = self.fonts.pick(false, text);
        #[allow(clippy::cast_precision_loss)]
        let lines = face.wrap(text, size, PAGE_WIDTH - 2.0 * MARGIN).len() as f32;
        lines * line_height(size)
    }

    /// How much room a heading takes, with the gap under it.
    fn heading_height(&self) -> f32 {
        line_height(self.body * 1.25) + line_height(self.body) * 0.15
    }

    /// A heading kept on the same page as the two lines after it.
    fn heading(&mut self, text: &str) {
        let size = self.body * 1.25;
        self.keep(line_height(size) + 2.0 * line_height(self.body));
        self.line(true, size, MARGIN, text);
        self.gap(0.15);
    }

    /// Label and value rows: the label in bold on the left, the value wrapped on the right.
    fn facts(&mut self, facts: &[(&'static str, String)]) {
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
    fn rule(&mut self, label: &str) {
        let height = line_height(self.body) * 2.0;
        self.keep(height);
        self.y -= height - line_height(self.body);
        let top = self.y;
        self.line(false, self.body, MARGIN, label);
        let start = MARGIN + pdf::REGULAR.width_mm(label, self.body) + 3.0;
        let y = top - line_height(self.body) * 0.8;
        stroke(self.ops(), 0.6, &[(start, y), (PAGE_WIDTH - MARGIN, y)]);
    }

    /// The drawn signature, scaled into a box under the text.
    fn signature(&mut self, signature: &Signature) {
        let scale = SIGNATURE_WIDTH / f32::from(PAD_WIDTH);
        let height = signature_height();
        self.keep(height + 4.0);
        let (left, top) = (MARGIN, self.y - 2.0);
        let ops = self.ops();
        stroke(
            ops,
            0.5,
            &[(left, top - height), (left + SIGNATURE_WIDTH, top - height)],
        );
        for line in &signature.0 {
            let mut points: Vec<(f32, f32)> = line
                .iter()
                .map(|&(x, y)| (left + f32::from(x) * scale, top - f32::from(y) * scale))
                .collect();
            if points.len() == 1 {
                points.push((points[0].0 + 0.2, points[0].1));
            }
            stroke(ops, 1.4, &points);
        }
        self.y = top - height - 4.0;
    }
}

/// The drawn signature's height on the page, in mm.
fn signature_height() -> f32 {
    f32::from(PAD_HEIGHT) * SIGNATURE_WIDTH / f32::from(PAD_WIDTH)
}

fn stroke(ops: &mut Vec<Op>, thickness: f32, points: &[(f32, f32)]) {
    ops.extend([
        Op::SetOutlineColor {
            col: Color::Rgb(printpdf::Rgb::new(0.0, 0.0, 0.0, None)),
        },
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

/// The agreement's PDF. `made_at` is recorded as the document's creation time.
pub fn render(doc: &AgreementDoc, made_at: DateTime<Utc>) -> Vec<u8> {
    let body = if doc.large_print { 16.0 } else { 12.0 };
    let mut pdf_doc = PdfDocument::new(&format!("Loan agreement for {}", doc.asset_tag));
    if let Ok(at) = printpdf::OffsetDateTime::from_unix_timestamp(made_at.timestamp()) {
        pdf_doc.metadata.info.creation_date = at;
        pdf_doc.metadata.info.modification_date = at;
        pdf_doc.metadata.info.metadata_date = at;
    }
    pdf_doc.metadata.info.producer = "lendhub".into();
    let mut texts = doc.texts();
    let summary = doc.summary();
    texts.push(&summary);
    let fonts = DocFonts::add_for(&mut pdf_doc, texts);

    let mut flow = Flow::new(&fonts, body);
    flow.line(true, body * 1.75, MARGIN, "Loan agreement");
    flow.gap(0.3);
    flow.paragraph(false, body, &summary);
    flow.gap(0.6);
    flow.facts(&doc.facts);
    for section in &doc.sections {
        flow.gap(0.6);
        flow.heading(&section.heading);
        for (i, paragraph) in section.paragraphs.iter().enumerate() {
            if i > 0 {
                flow.gap(0.35);
            }
            flow.paragraph(false, body, paragraph);
        }
    }
    flow.gap(0.8);
    // The signing block stays whole: its heading, words, lines and signature start a new page
    // together rather than leave a staff member's name alone on the last one.
    match &doc.acceptance {
        None => {
            let agree = "I have read this agreement and I agree to it.";
            flow.keep(flow.heading_height() + flow.height_of(body, agree) + 3.0 * 2.0 * line_height(body));
            flow.heading("Signing this agreement");
            flow.paragraph(false, body, agree);
            flow.rule("Your name");
            flow.rule("Signature");
            flow.rule("Date");
        }
        Some(acceptance) => {
            let lines = acceptance.lines();
            let drawn = acceptance
                .signature
                .as_ref()
                .map_or(0.0, |_| signature_height() + 4.0);
            let words: f32 = lines.iter().map(|line| flow.height_of(body, line)).sum();
            flow.keep(flow.heading_height() + words + drawn);
            flow.heading("Signed");
            for line in lines {
                flow.paragraph(false, body, &line);
            }
            if let Some(signature) = &acceptance.signature {
                flow.signature(signature);
            }
        }
    }

    let total = flow.pages.len();
    let footer_size = if doc.large_print { 12.0 } else { 9.0 };
    let pages = flow
        .pages
        .into_iter()
        .enumerate()
        .map(|(i, mut ops)| {
            let footer = format!(
                "Loan agreement, loan number {}. Terms version {}. Page {} of {total}.",
                doc.loan_id,
                doc.terms_version,
                i + 1
            );
            pdf::text(
                &mut ops,
                &fonts.regular,
                footer_size,
                MARGIN,
                FOOTER_BASELINE,
                &footer,
            );
            PdfPage::new(Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT), ops)
        })
        .collect();
    let mut warnings = Vec::new();
    pdf_doc
        .with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut warnings)
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;
    use crate::agreements::model::{LoanFacts, Terms};

    pub fn facts(large_print: bool) -> LoanFacts {
        LoanFacts {
            loan_id: 42,
            organisation: "Test Homes".into(),
            organisation_phone: Some("0113 496 0000".into()),
            hub_name: "Riverside Hub".into(),
            hub_address: Some("1 River Street, Leeds LS1 1AA".into()),
            borrower: "Łukasz Zoë Siân".into(),
            large_print,
            kind: "Laptop".into(),
            make_model: "Lenovo ThinkPad T480".into(),
            asset_tag: "TST-00042".into(),
            serial_number: Some("PF1ABC23".into()),
            accessories: vec!["charger".into(), "case".into()],
            issued_at: Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap(),
            due_on: NaiveDate::from_ymd_opt(2027, 2, 17).unwrap(),
        }
    }

    #[test]
    fn an_agreement_is_one_or_two_pages_and_large_print_takes_more() {
        let terms = Terms::builtin();
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 10, 5, 0).unwrap();
        let normal = AgreementDoc::new(facts(false), &terms, None);
        let large = AgreementDoc::new(facts(true), &terms, None);
        let normal_pdf = render(&normal, at);
        let large_pdf = render(&large, at);
        assert!(normal_pdf.starts_with(b"%PDF"));
        let mut warnings = Vec::new();
        let pages = |bytes: &[u8], warnings: &mut Vec<_>| {
            PdfDocument::parse(bytes, &printpdf::PdfParseOptions::default(), warnings)
                .expect("parses")
                .pages
                .len()
        };
        let (normal_pages, large_pages) = (
            pages(&normal_pdf, &mut warnings),
            pages(&large_pdf, &mut warnings),
        );
        assert!((1..=2).contains(&normal_pages), "{normal_pages} pages");
        assert!(large_pages > normal_pages, "{large_pages} large print pages");
    }
}
