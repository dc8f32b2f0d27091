//! Reminder letters for borrowers reached only by post: one A4 page each, the address placed for a
//! DL window envelope, the same plain words as the email, in 14 pt (18 pt for large print).

use chrono::NaiveDate;
use printpdf::{Mm, PdfDocument, PdfPage, PdfSaveOptions, Pt};

use crate::{
    dates::long_date,
    pdf::{self, DocFonts},
};

/// One letter: who it goes to and what it says.
#[derive(Debug, Clone)]
pub struct Letter {
    pub name: String,
    pub address: String,
    pub postcode: Option<String>,
    pub body: String,
    /// Set in 18 pt rather than 14.
    pub large_print: bool,
    /// Where it comes from and where to ring: the hub's name, address and phone, printed at the
    /// top right as a letterhead.
    pub from: Vec<String>,
}

const LEFT: f32 = 25.0;
const WIDTH: f32 = 160.0;
const SIZE: f32 = 14.0;
const LARGE: f32 = 18.0;
/// The letterhead: 11 pt from 120 mm, at most six lines, so it ends above the address window.
const HEAD: f32 = 11.0;
const HEAD_LEFT: f32 = 120.0;
const LETTERHEAD_LINES: usize = 6;

/// All the letters as one PDF, dated `date`, from `organisation`.
pub fn render(letters: &[Letter], organisation: &str, date: NaiveDate) -> Vec<u8> {
    let mut doc = PdfDocument::new("Reminder letters");
    let mut texts: Vec<&str> = vec![organisation];
    for letter in letters {
        texts.extend([
            letter.name.as_str(),
            letter.address.as_str(),
            letter.body.as_str(),
        ]);
        texts.extend(letter.from.iter().map(String::as_str));
    }
    let fonts = DocFonts::add_for(&mut doc, texts);
    let date = long_date(date);
    let pages = letters
        .iter()
        .flat_map(|letter| {
            let size = if letter.large_print { LARGE } else { SIZE };
            let line = Mm::from(Pt(size * 1.35)).0;
            let mut pages: Vec<Vec<printpdf::Op>> = vec![Vec::new()];
            let put = |ops: &mut Vec<_>, bold: bool, size: f32, x: f32, y: f32, text: &str| {
                let (font, _) = fonts.pick(bold, text);
                pdf::text(ops, font, size, x, y, text);
            };
            let ops = pages.last_mut().expect("a page");
            put(ops, true, size, LEFT, 277.0, organisation);
            // The letterhead: the hub's lines at the top right, above the envelope's window.
            let mut y = 277.0;
            for text in letter.from.iter().take(LETTERHEAD_LINES) {
                put(ops, false, HEAD, HEAD_LEFT, y, text);
                y -= Mm::from(Pt(HEAD * 1.35)).0;
            }
            // The address sits in a DL envelope's window: 20 mm from the left, 50 mm from the top.
            let mut y = 297.0 - 50.0 - line;
            let mut address: Vec<&str> = vec![letter.name.as_str()];
            address.extend(letter.address.lines().map(str::trim).filter(|l| !l.is_empty()));
            if let Some(postcode) = &letter.postcode {
                address.push(postcode);
            }
            for text in address {
                put(ops, false, size, LEFT, y, text);
                y -= line;
            }
            y = 297.0 - 100.0;
            put(ops, false, size, LEFT, y, &date);
            y -= line * 2.0;
            for text in letter.body.lines() {
                let (_, face) = fonts.pick(false, text);
                let wrapped = face.wrap(text, size, WIDTH);
                if wrapped.is_empty() {
                    y -= line * 0.6;
                }
                for part in wrapped {
                    // What does not fit goes on a second page of the same letter.
                    if y < 20.0 {
                        pages.push(Vec::new());
                        y = 277.0;
                    }
                    put(pages.last_mut().expect("a page"), false, size, LEFT, y, &part);
                    y -= line;
                }
            }
            pages
                .into_iter()
                .map(|ops| PdfPage::new(Mm(210.0), Mm(297.0), ops))
        })
        .collect();
    let mut warnings = Vec::new();
    doc.with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(bytes: &[u8]) -> usize {
        let mut warnings = Vec::new();
        PdfDocument::parse(bytes, &printpdf::PdfParseOptions::default(), &mut warnings)
            .expect("the letters parse")
            .pages
            .len()
    }

    #[test]
    fn a_letter_too_long_for_a_page_goes_on_to_a_second_rather_than_losing_words() {
        let letter = |large_print, paragraphs: usize| Letter {
            name: "Zoë Ångström".into(),
            address: "2 Canal Street\nLeeds".into(),
            postcode: Some("LS2 2BB".into()),
            body: vec!["Please bring the laptop back to the hub when you can. Thank you."; paragraphs]
                .join("\n\n"),
            large_print,
            from: vec![
                "Bow Library".into(),
                "1 High Street".into(),
                "Phone 020 7946 0000".into(),
            ],
        };
        let date = NaiveDate::from_ymd_opt(2027, 3, 10).unwrap();
        assert_eq!(
            pages(&render(&[letter(false, 4), letter(true, 4)], "Test Homes", date)),
            2
        );
        assert_eq!(pages(&render(&[letter(true, 10)], "Test Homes", date)), 2);
    }
}
