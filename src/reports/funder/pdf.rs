//! Draws the funder report as an A4 PDF in the agreement's fonts: a title and the period, each
//! section's figures as label and value rows, and the loans made each month as a bar chart with
//! its figures in rows beneath, so a screen reader or `pdftotext` reads the same numbers.

use chrono::{DateTime, Utc};
use printpdf::{Color, Mm, Op, PaintMode, Rect, Rgb};

use super::model::{Figure, FunderReport};
use crate::pdf::{self, DocFonts, Flow, MARGIN, PAGE_WIDTH, line_height};

const BODY: f32 = 11.0;
/// Where values end, right-aligned at the text column's edge.
const VALUE_RIGHT: f32 = PAGE_WIDTH - MARGIN;
/// Labels wrap short of the values.
const LABEL_WIDTH: f32 = 125.0;
const CHART_HEIGHT: f32 = 60.0;

/// Label and value rows, a thin rule under each.
fn figures(flow: &mut Flow, figures: &[Figure]) {
    for figure in figures {
        let value = figure.value.shown();
        let (_, face) = flow.fonts.pick(false, &figure.label);
        let lines = face.wrap(&figure.label, BODY, LABEL_WIDTH);
        #[allow(clippy::cast_precision_loss)]
        flow.keep(line_height(BODY) * lines.len().max(1) as f32 + 1.5);
        let top = flow.y;
        for line in &lines {
            flow.line(false, BODY, MARGIN, line);
        }
        let after = flow.y;
        flow.y = top;
        let (_, bold) = flow.fonts.pick(true, &value);
        let x = VALUE_RIGHT - bold.width_mm(&value, BODY);
        flow.line(true, BODY, x, &value);
        flow.y = after - 1.0;
        let y = flow.y;
        pdf::stroke(flow.ops(), 0.3, &[(MARGIN, y), (VALUE_RIGHT, y)]);
        flow.y -= 0.5;
    }
}

fn grey() -> Color {
    Color::Rgb(Rgb::new(0.2, 0.2, 0.35, None))
}

/// One bar per month, its count above it when there is room, the month under it.
fn chart(flow: &mut Flow, monthly: &[(chrono::NaiveDate, u64)]) {
    if monthly.is_empty() {
        return;
    }
    let label = 7.0;
    flow.keep(CHART_HEIGHT + 2.0 * line_height(label) + 4.0);
    let most = monthly.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    #[allow(clippy::cast_precision_loss)]
    let slot = (VALUE_RIGHT - MARGIN) / monthly.len() as f32;
    let bar = slot * 0.7;
    let base = flow.y - CHART_HEIGHT - line_height(label);
    let every = monthly.len().div_ceil(24);
    let regular = flow.fonts.regular.clone();
    let ops = flow.ops();
    pdf::stroke(ops, 0.4, &[(MARGIN, base), (VALUE_RIGHT, base)]);
    for (i, (month, n)) in monthly.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let (x, height) = (
            MARGIN + slot * i as f32 + (slot - bar) / 2.0,
            CHART_HEIGHT * (*n as f32) / most as f32,
        );
        ops.push(Op::SetFillColor { col: grey() });
        ops.push(Op::DrawRectangle {
            rectangle: Rect {
                mode: Some(PaintMode::Fill),
                ..Rect::from_xywh(
                    Mm(x).into(),
                    Mm(base).into(),
                    Mm(bar).into(),
                    Mm(height.max(0.2)).into(),
                )
            },
        });
        if i.is_multiple_of(every) {
            let count = n.to_string();
            let centre = |text: &str| x + bar / 2.0 - pdf::REGULAR.width_mm(text, label) / 2.0;
            if monthly.len() <= 24 {
                pdf::text(ops, &regular, label, centre(&count), base + height + 1.2, &count);
            }
            let short = month.format("%b %y").to_string();
            pdf::text(
                ops,
                &regular,
                label,
                centre(&short),
                base - line_height(label),
                &short,
            );
        }
    }
    flow.y = base - line_height(label) - 4.0;
}

/// The report's PDF; `made_at` is the document's creation time and is printed on it.
pub fn render(report: &FunderReport, made_at: DateTime<Utc>) -> Vec<u8> {
    let mut doc = pdf::document(&format!("Report for funders, {}", report.period()), made_at);
    let sections = report.sections();
    let subtitle = format!("{}, {}", report.organisation, report.period());
    let texts = sections
        .iter()
        .flat_map(|s| s.figures.iter().map(|f| f.label.as_str()))
        .chain([subtitle.as_str()]);
    let fonts = DocFonts::add_for(&mut doc, texts);

    let mut flow = Flow::new(&fonts, BODY);
    flow.line(true, 20.0, MARGIN, "Report for funders");
    flow.gap(0.3);
    flow.paragraph(false, BODY + 1.0, &subtitle);
    flow.paragraph(
        false,
        BODY,
        &format!(
            "Made on {}. No one is named in this report.",
            crate::dates::long_date(crate::dates::today(made_at))
        ),
    );
    for section in &sections {
        flow.gap(0.8);
        flow.heading(section.heading);
        if section.heading == "Loans made each month" {
            chart(&mut flow, &report.monthly);
        }
        figures(&mut flow, &section.figures);
    }

    pdf::finish(doc, flow.pages, &fonts.regular, 8.0, |page, of| {
        format!("Report for funders, {}. Page {page} of {of}.", report.period())
    })
}
