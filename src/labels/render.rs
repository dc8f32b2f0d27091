//! Draws label pages with printpdf: each QR code as a 1-bit image mask (a bit a module, never
//! smoothed, so sharp on any printer) and text in Atkinson Hyperlegible Next.

use printpdf::{
    DictItem, ExternalStream, ExternalXObject, Mm, Op, PdfDocument, PdfPage, PdfSaveOptions, Pt,
    XObjectTransform,
};

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
        draw_code(ops, &mut doc, layout, (left, bottom), qr);
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

/// A code as a PDF image mask: one bit a module, painted in the fill colour where dark, never
/// smoothed (`/Interpolate false`), so every module prints as a sharp square at any size; the
/// unit square it is drawn in is scaled to the code's side.
fn code_mask(qr: &QrRuns) -> ExternalXObject {
    let modules = i64::try_from(qr.modules).unwrap_or(i64::MAX);
    let dict = [
        ("Type", DictItem::Name(b"XObject".to_vec())),
        ("Subtype", DictItem::Name(b"Image".to_vec())),
        ("Width", DictItem::Int(modules)),
        ("Height", DictItem::Int(modules)),
        ("ImageMask", DictItem::Bool(true)),
        ("BitsPerComponent", DictItem::Int(1)),
        // A 1 bit paints: dark modules.
        (
            "Decode",
            DictItem::Array(vec![DictItem::Int(1), DictItem::Int(0)]),
        ),
        ("Interpolate", DictItem::Bool(false)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    ExternalXObject {
        stream: ExternalStream {
            dict,
            content: qr.mask_bits(),
            compress: true,
        },
        width: None,
        height: None,
        dpi: None,
    }
}

/// The code, in the square of the label's height less its safe margins, at its left.
fn draw_code(
    ops: &mut Vec<Op>,
    doc: &mut PdfDocument,
    layout: Layout,
    (left, bottom): (f32, f32),
    qr: &QrRuns,
) {
    let side = layout.geometry().label_height - 2.0 * SAFE_MARGIN_MM;
    let side_pt = Pt::from(Mm(side)).0;
    ops.push(Op::UseXobject {
        id: doc.add_xobject(&code_mask(qr)),
        transform: XObjectTransform {
            translate_x: Some(Mm(left + SAFE_MARGIN_MM).into()),
            translate_y: Some(Mm(bottom + SAFE_MARGIN_MM).into()),
            scale_x: Some(side_pt),
            scale_y: Some(side_pt),
            ..XObjectTransform::default()
        },
    });
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
    let qr_left = left + SAFE_MARGIN_MM;
    #[allow(clippy::cast_precision_loss)]
    let module = side / qr.modules as f32;

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
