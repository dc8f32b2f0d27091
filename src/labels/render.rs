//! Draws label pages with printpdf: QR codes as filled rectangles (one per run of dark modules,
//! sharp on any printer) and text in Atkinson Hyperlegible Next.

use printpdf::{Mm, Op, PaintMode, PdfDocument, PdfPage, PdfSaveOptions, Pt, Rect, WindingOrder};

use super::model::{Layout, Placement, QrRuns, SAFE_MARGIN_MM};
use crate::pdf::{self, BOLD, DocFonts, REGULAR};

/// What each label says besides the code.
pub struct LabelText {
    pub organisation: String,
    pub found_line: String,
}

/// Renders `placements` (each with its QR runs) on pages of `layout`, returning the PDF's bytes.
pub fn render(layout: Layout, placements: &[(Placement, QrRuns)], words: &LabelText) -> Vec<u8> {
    let geometry = layout.geometry();
    let mut doc = PdfDocument::new("lendhub asset labels");
    let fonts = DocFonts::add(&mut doc);
    let pages = placements
        .iter()
        .map(|(p, _)| p.page)
        .max()
        .map_or(0, |last| last + 1);
    let mut page_ops: Vec<Vec<Op>> = vec![vec![Op::SetFillColor { col: pdf::black() }]; pages];
    for (placement, qr) in placements {
        let ops = &mut page_ops[placement.page];
        let (left, top) = geometry.origin(placement.position);
        let bottom = geometry.page_height - top - geometry.label_height;
        draw_label(ops, &fonts, layout, (left, bottom), &placement.tag, qr, words);
    }
    let pages = page_ops
        .into_iter()
        .map(|ops| PdfPage::new(Mm(geometry.page_width), Mm(geometry.page_height), ops))
        .collect();
    let mut warnings = Vec::new();
    doc.with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut warnings)
}

fn draw_label(
    ops: &mut Vec<Op>,
    fonts: &DocFonts,
    layout: Layout,
    (left, bottom): (f32, f32),
    tag: &str,
    qr: &QrRuns,
    words: &LabelText,
) {
    let geometry = layout.geometry();
    let side = geometry.label_height - 2.0 * SAFE_MARGIN_MM;
    let (qr_left, qr_bottom) = (left + SAFE_MARGIN_MM, bottom + SAFE_MARGIN_MM);
    #[allow(clippy::cast_precision_loss)]
    let module = side / qr.modules as f32;
    for &(row, column, length) in &qr.runs {
        #[allow(clippy::cast_precision_loss)]
        let (x, y, width) = (
            qr_left + column as f32 * module,
            qr_bottom + side - (row + 1) as f32 * module,
            length as f32 * module,
        );
        ops.push(Op::DrawRectangle {
            rectangle: Rect {
                x: Mm(x).into(),
                y: Mm(y).into(),
                width: Mm(width).into(),
                // A hair taller than a module so rows touch without seams when rasterised.
                height: Pt(Pt::from(Mm(module)).0 + 0.05),
                mode: Some(PaintMode::Fill),
                winding_order: Some(WindingOrder::NonZero),
            },
        });
    }

    // The text column: from just right of the code's quiet zone to the safe margin.
    let quiet = 2.0 * module;
    let text_left = qr_left + side - quiet;
    let text_width = left + geometry.label_width - SAFE_MARGIN_MM - text_left;
    let tag_size = (text_width / BOLD.width_mm(tag, 1.0)).min(18.0);
    let top = bottom + geometry.label_height - SAFE_MARGIN_MM;
    let mut baseline = top - Mm::from(Pt(tag_size * 0.8)).0;
    if !layout.has_room_for_text() {
        // Code and tag only: the tag centred on the code's height.
        baseline = bottom + geometry.label_height / 2.0 - Mm::from(Pt(tag_size * 0.35)).0;
        pdf::text(ops, &fonts.bold, tag_size, text_left, baseline, tag);
        return;
    }
    pdf::text(ops, &fonts.bold, tag_size, text_left, baseline, tag);
    let small = if geometry.label_height > 30.0 { 7.5 } else { 6.5 };
    let line = Mm::from(Pt(small * 1.2)).0;
    baseline -= Mm::from(Pt(tag_size * 0.35)).0 + line;
    for words in [&words.organisation, &words.found_line] {
        for text in REGULAR.wrap(words, small, text_width).into_iter().take(3) {
            if baseline < bottom + SAFE_MARGIN_MM {
                return;
            }
            pdf::text(ops, &fonts.regular, small, text_left, baseline, &text);
            baseline -= line;
        }
        baseline -= line * 0.3;
    }
}
