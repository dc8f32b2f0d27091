//! Draws an agreement as an A4 PDF: text flowed down the page in Atkinson Hyperlegible Next at
//! 12 pt (16 pt in large print), a new page when one fills, a footer on each with the loan number,
//! the terms version and the page count, and the signature block at the end.

use chrono::{DateTime, Utc};

use super::model::{AgreementDoc, PAD_HEIGHT, PAD_WIDTH, Signature};
use crate::pdf::{self, DocFonts, Flow, MARGIN, line_height, stroke};

const SIGNATURE_WIDTH: f32 = 90.0;

/// The drawn signature, scaled into a box under the text.
fn draw_signature(flow: &mut Flow, signature: &Signature) {
    let scale = SIGNATURE_WIDTH / f32::from(PAD_WIDTH);
    let height = signature_height();
    flow.keep(height + 4.0);
    let (left, top) = (MARGIN, flow.y - 2.0);
    let ops = flow.ops();
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
    flow.y = top - height - 4.0;
}

/// The drawn signature's height on the page, in mm.
fn signature_height() -> f32 {
    f32::from(PAD_HEIGHT) * SIGNATURE_WIDTH / f32::from(PAD_WIDTH)
}

/// The agreement's PDF. `made_at` is recorded as the document's creation time.
pub fn render(doc: &AgreementDoc, made_at: DateTime<Utc>) -> Vec<u8> {
    let body = if doc.large_print { 16.0 } else { 12.0 };
    let mut pdf_doc = pdf::document(&format!("Loan agreement for {}", doc.asset_tag), made_at);
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
                draw_signature(&mut flow, signature);
            }
        }
    }

    let footer_size = if doc.large_print { 12.0 } else { 9.0 };
    pdf::finish(pdf_doc, flow.pages, &fonts.regular, footer_size, |page, of| {
        format!(
            "Loan agreement, loan number {}. Terms version {}. Page {page} of {of}.",
            doc.loan_id, doc.terms_version
        )
    })
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
            organisation_email: None,
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
            printpdf::PdfDocument::parse(bytes, &printpdf::PdfParseOptions::default(), warnings)
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
