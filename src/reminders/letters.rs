//! Reminder letters for borrowers reached only by post: one A4 page each, the address placed for a
//! DL window envelope, the same plain words as the email, in 14 pt.

use chrono::NaiveDate;
use printpdf::{Mm, PdfDocument, PdfPage, PdfSaveOptions, Pt};

use crate::{
    pdf::{self, DocFonts},
    web::long_date,
};

/// One letter: who it goes to and what it says.
#[derive(Debug, Clone)]
pub struct Letter {
    pub name: String,
    pub address: String,
    pub postcode: Option<String>,
    pub body: String,
}

const LEFT: f32 = 25.0;
const WIDTH: f32 = 160.0;
const SIZE: f32 = 14.0;

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
    }
    let fonts = DocFonts::add_for(&mut doc, texts);
    let line = Mm::from(Pt(SIZE * 1.35)).0;
    let date = long_date(date);
    let pages = letters
        .iter()
        .map(|letter| {
            let mut ops = Vec::new();
            let put = |ops: &mut Vec<_>, bold: bool, size: f32, x: f32, y: f32, text: &str| {
                let (font, _) = fonts.pick(bold, text);
                pdf::text(ops, font, size, x, y, text);
            };
            put(&mut ops, true, SIZE, LEFT, 277.0, organisation);
            // The address sits in a DL envelope's window: 20 mm from the left, 50 mm from the top.
            let mut y = 297.0 - 50.0 - line;
            let mut address: Vec<&str> = vec![letter.name.as_str()];
            address.extend(letter.address.lines().map(str::trim).filter(|l| !l.is_empty()));
            if let Some(postcode) = &letter.postcode {
                address.push(postcode);
            }
            for text in address {
                put(&mut ops, false, SIZE, LEFT, y, text);
                y -= line;
            }
            y = 297.0 - 100.0;
            put(&mut ops, false, SIZE, LEFT, y, &date);
            y -= line * 2.0;
            for text in letter.body.lines() {
                let (_, face) = fonts.pick(false, text);
                let wrapped = face.wrap(text, SIZE, WIDTH);
                if wrapped.is_empty() {
                    y -= line * 0.6;
                }
                for part in wrapped {
                    if y < 20.0 {
                        break;
                    }
                    put(&mut ops, false, SIZE, LEFT, y, &part);
                    y -= line;
                }
            }
            PdfPage::new(Mm(210.0), Mm(297.0), ops)
        })
        .collect();
    let mut warnings = Vec::new();
    doc.with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut warnings)
}
