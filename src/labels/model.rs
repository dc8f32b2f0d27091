//! Label sheets: the geometry of each layout (from the label makers' published templates), where
//! each label of a print run goes, and a QR code as rectangles, one per run of dark modules.

use std::fmt::Write;

use qrcode::{Color, EcLevel, QrCode};
use serde::Serialize;

use crate::error::FieldError;

/// A sheet or roll of labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum Layout {
    /// Avery L7160: 3 x 7 on A4, 63.5 x 38.1 mm.
    #[serde(rename = "a4-21")]
    A4x21,
    /// Avery L7159: 3 x 8 on A4, 63.5 x 33.9 mm.
    #[serde(rename = "a4-24")]
    A4x24,
    /// Avery L7651: 5 x 13 on A4, 38.1 x 21.2 mm; QR code and tag only.
    #[serde(rename = "a4-65")]
    A4x65,
    /// Brother DK-11209: one 62 x 29 mm label a page.
    #[serde(rename = "thermal-62x29")]
    Thermal62x29,
}

/// Where the labels sit on a page, in millimetres from the page's top left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    pub page_width: f32,
    pub page_height: f32,
    pub columns: usize,
    pub rows: usize,
    pub label_width: f32,
    pub label_height: f32,
    pub top: f32,
    pub left: f32,
    pub column_pitch: f32,
}

/// Printed content keeps this far inside each label's edge: sheets feed with about 1 mm of play.
pub const SAFE_MARGIN_MM: f32 = 2.0;

impl Layout {
    pub const ALL: [Layout; 4] = [Layout::A4x21, Layout::A4x24, Layout::A4x65, Layout::Thermal62x29];

    pub fn as_str(self) -> &'static str {
        match self {
            Layout::A4x21 => "a4-21",
            Layout::A4x24 => "a4-24",
            Layout::A4x65 => "a4-65",
            Layout::Thermal62x29 => "thermal-62x29",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Layout::A4x21 => "A4 sheet of 21 (Avery L7160, 63.5 x 38.1 mm)",
            Layout::A4x24 => "A4 sheet of 24 (Avery L7159, 63.5 x 33.9 mm)",
            Layout::A4x65 => "A4 sheet of 65 (Avery L7651, 38.1 x 21.2 mm, code and tag only)",
            Layout::Thermal62x29 => "Label printer roll (Brother DK-11209, 62 x 29 mm)",
        }
    }

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == text.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "layout",
                    "layout must be one of a4-21, a4-24, a4-65, thermal-62x29",
                )
            })
    }

    pub fn geometry(self) -> Geometry {
        let a4 = |columns, rows, label_width, label_height, top, left, column_pitch| Geometry {
            page_width: 210.0,
            page_height: 297.0,
            columns,
            rows,
            label_width,
            label_height,
            top,
            left,
            column_pitch,
        };
        match self {
            Layout::A4x21 => a4(3, 7, 63.5, 38.1, 15.15, 7.25, 66.0),
            Layout::A4x24 => a4(3, 8, 63.5, 33.9, 12.9, 7.25, 66.0),
            Layout::A4x65 => a4(5, 13, 38.1, 21.2, 10.7, 4.75, 40.6),
            Layout::Thermal62x29 => Geometry {
                page_width: 62.0,
                page_height: 29.0,
                columns: 1,
                rows: 1,
                label_width: 62.0,
                label_height: 29.0,
                top: 0.0,
                left: 0.0,
                column_pitch: 62.0,
            },
        }
    }

    /// The smaller sheets have room for the code and the tag only.
    pub fn has_room_for_text(self) -> bool {
        self != Layout::A4x65
    }

    /// Q recovers more damage; M keeps the modules larger on the smallest labels.
    pub fn error_correction(self) -> EcLevel {
        if self == Layout::A4x65 {
            EcLevel::M
        } else {
            EcLevel::Q
        }
    }
}

impl Geometry {
    pub fn per_page(&self) -> usize {
        self.columns * self.rows
    }

    /// The top left corner of position `index` (0-based, left to right then down), in mm.
    pub fn origin(&self, index: usize) -> (f32, f32) {
        let (column, row) = (index % self.columns, index / self.columns);
        #[allow(clippy::cast_precision_loss)]
        (
            self.left + column as f32 * self.column_pitch,
            self.top + row as f32 * self.label_height,
        )
    }
}

/// One label to print: which tag, on which page, at which position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub page: usize,
    pub position: usize,
    pub tag: String,
}

/// Lays `copies` of each tag out from `start_position` (1-based, so a part-used sheet can be
/// reused), filling later pages from their first position.
pub fn place(tags: &[String], geometry: &Geometry, start_position: usize, copies: usize) -> Vec<Placement> {
    let per_page = geometry.per_page();
    tags.iter()
        .flat_map(|tag| std::iter::repeat_n(tag, copies))
        .enumerate()
        .map(|(i, tag)| {
            let slot = start_position - 1 + i;
            Placement {
                page: slot / per_page,
                position: slot % per_page,
                tag: tag.clone(),
            }
        })
        .collect()
}

/// A QR code as horizontal runs of dark modules: `(row, first column, length)`, with the side
/// length in modules including the 4-module quiet zone on every side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrRuns {
    pub modules: usize,
    pub runs: Vec<(usize, usize, usize)>,
}

pub const QUIET_ZONE: usize = 4;

impl QrRuns {
    /// The code as an SVG image, one rectangle a run, for showing on a page.
    pub fn svg(&self, title: &str) -> String {
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {m} {m}\" shape-rendering=\"crispEdges\" role=\"img\"><title>{title}</title><rect width=\"{m}\" height=\"{m}\" fill=\"#fff\"/>",
            m = self.modules
        );
        for (row, column, length) in &self.runs {
            // Writing to a String cannot fail.
            let _ = write!(
                svg,
                "<rect x=\"{column}\" y=\"{row}\" width=\"{length}\" height=\"1\"/>"
            );
        }
        svg.push_str("</svg>");
        svg
    }

    /// The code as a 1-bit image, one bit a module (1 dark), each row padded to a whole byte:
    /// what a PDF image mask holds.
    pub fn mask_bits(&self) -> Vec<u8> {
        let stride = self.modules.div_ceil(8);
        let mut bits = vec![0u8; stride * self.modules];
        for &(row, column, length) in &self.runs {
            for c in column..column + length {
                bits[row * stride + c / 8] |= 0x80 >> (c % 8);
            }
        }
        bits
    }
}

/// The codes of `texts`, in order, encoded on every core at once (a sheet's codes are
/// independent of each other); the first that cannot be encoded is the error.
pub fn encode_all(texts: &[String], level: EcLevel) -> Result<Vec<QrRuns>, qrcode::types::QrError> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let chunk = texts.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = texts
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|t| qr_runs(t, level))
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(texts.len());
        for part in parts {
            all.extend(
                part.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?,
            );
        }
        Ok(all)
    })
}

pub fn qr_runs(text: &str, level: EcLevel) -> Result<QrRuns, qrcode::types::QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), level)?;
    let width = code.width();
    let colors = code.to_colors();
    let mut runs = Vec::new();
    for row in 0..width {
        let mut column = 0;
        while column < width {
            if colors[row * width + column] == Color::Dark {
                let start = column;
                while column < width && colors[row * width + column] == Color::Dark {
                    column += 1;
                }
                runs.push((row + QUIET_ZONE, start + QUIET_ZONE, column - start));
            } else {
                column += 1;
            }
        }
    }
    Ok(QrRuns {
        modules: width + 2 * QUIET_ZONE,
        runs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheets_fit_on_a4_with_their_published_margins() {
        for layout in Layout::ALL {
            let g = layout.geometry();
            let (x, y) = g.origin(g.per_page() - 1);
            assert!(x + g.label_width <= g.page_width + 0.01, "{layout:?} too wide");
            assert!(y + g.label_height <= g.page_height + 0.01, "{layout:?} too tall");
        }
        assert_eq!(Layout::A4x21.geometry().origin(4), (7.25 + 66.0, 15.15 + 38.1));
        assert_eq!(Layout::A4x65.geometry().per_page(), 65);
    }

    #[test]
    fn placement_starts_part_way_and_runs_on_to_the_next_sheet() {
        let g = Layout::A4x21.geometry();
        let tags: Vec<String> = ["A-1", "A-2"].map(String::from).to_vec();
        let placed = place(&tags, &g, 20, 2);
        let spots: Vec<(usize, usize, &str)> = placed
            .iter()
            .map(|p| (p.page, p.position, p.tag.as_str()))
            .collect();
        assert_eq!(
            spots,
            [(0, 19, "A-1"), (0, 20, "A-1"), (1, 0, "A-2"), (1, 1, "A-2")]
        );
    }

    #[test]
    fn a_qr_code_is_runs_that_decode_back_to_the_text() {
        let url = "https://lend.example.org/d/TCH-00042";
        let qr = qr_runs(url, EcLevel::Q).unwrap();
        // Four pixels a module, as a printer at a modest resolution would make it.
        let scale = 4;
        let size = qr.modules * scale;
        let mut pixels = vec![255u8; size * size];
        for (row, start, len) in &qr.runs {
            for y in row * scale..(row + 1) * scale {
                for x in start * scale..(start + len) * scale {
                    pixels[y * size + x] = 0;
                }
            }
        }
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(size, size, |x, y| pixels[y * size + x]);
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, url);
        // Merging runs draws a third fewer rectangles than there are dark modules, or better.
        let dark: usize = qr.runs.iter().map(|r| r.2).sum();
        assert!(
            qr.runs.len() * 3 < dark * 2,
            "{} runs for {dark} modules",
            qr.runs.len()
        );
    }

    #[test]
    fn layouts_parse_by_name() {
        assert_eq!(Layout::parse("thermal-62x29").unwrap(), Layout::Thermal62x29);
        assert_eq!(Layout::parse("a4-99").unwrap_err().field, "layout");
    }
}
