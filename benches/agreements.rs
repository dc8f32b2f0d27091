//! One loan agreement (the unsigned one drawn for printing, the signed one with a drawn signature,
//! and the large-print one): time and bytes, beside a baseline in the same run, a one-page PDF with
//! one line in the same fonts, which is what printpdf and font subsetting cost before any layout.
//!
//! cargo bench --bench agreements

use std::time::Instant;

use chrono::{NaiveDate, TimeZone, Utc};
use lendhub::{
    agreements::{
        model::{Acceptance, AgreementDoc, LoanFacts, Signature, SigningMethod, Terms},
        render::render,
    },
    pdf::{self, DocFonts},
};
use printpdf::{Mm, PdfDocument, PdfPage, PdfSaveOptions};

const RUNS: u32 = 200;

fn facts(large_print: bool) -> LoanFacts {
    LoanFacts {
        loan_id: 1042,
        organisation: "Tower Community Homes".into(),
        organisation_phone: Some("020 7946 0018".into()),
        organisation_email: None,
        hub_name: "Whitechapel Community Hub".into(),
        hub_address: Some("1 High Street, London E1 1AA".into()),
        borrower: "Siân Evans".into(),
        large_print,
        kind: "Laptop".into(),
        make_model: "Dell Latitude 5490".into(),
        asset_tag: "TCH-01042".into(),
        serial_number: Some("DL5490-7F3K2".into()),
        accessories: vec!["charger".into(), "sleeve".into()],
        issued_at: Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap(),
        due_on: NaiveDate::from_ymd_opt(2027, 2, 17).unwrap(),
    }
}

fn one_line() -> Vec<u8> {
    let mut doc = PdfDocument::new("baseline");
    let fonts = DocFonts::add(&mut doc);
    let mut ops = Vec::new();
    pdf::text(
        &mut ops,
        &fonts.regular,
        12.0,
        20.0,
        270.0,
        "Loan agreement for Siân Evans",
    );
    let mut warnings = Vec::new();
    doc.with_pages(vec![PdfPage::new(Mm(210.0), Mm(297.0), ops)])
        .save(&PdfSaveOptions::default(), &mut warnings)
}

/// Mean time of one over `RUNS` runs (best of 3 rounds), in ms, and the bytes.
fn measure(mut make: impl FnMut() -> Vec<u8>) -> (f64, usize) {
    let mut bytes = make().len();
    let mut best = f64::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        for _ in 0..RUNS {
            bytes = std::hint::black_box(make()).len();
        }
        best = best.min(started.elapsed().as_secs_f64() * 1000.0 / f64::from(RUNS));
    }
    (best, bytes)
}

fn main() {
    let terms = Terms::builtin();
    let at = Utc.with_ymd_and_hms(2026, 11, 25, 10, 5, 0).unwrap();
    let signature = Signature(vec![
        (0..60).map(|i| (40 + i * 8, 120 + (i % 7) * 6)).collect(),
        vec![(300, 60), (320, 160)],
    ]);
    let signed = AgreementDoc::new(
        facts(false),
        &terms,
        Some(Acceptance {
            method: SigningMethod::Screen,
            signed_name: "Siân Evans".into(),
            at,
            staff_name: "Ada Admin".into(),
            signature: Some(signature),
        }),
    );
    let unsigned = AgreementDoc::new(facts(false), &terms, None);
    let large = AgreementDoc::new(facts(true), &terms, None);
    let (base_ms, base_bytes) = measure(one_line);
    println!(
        "RESULT one line, same fonts (baseline): {base_ms:.2} ms, {:.1} KB",
        kb(base_bytes)
    );
    for (name, doc) in [
        ("agreement, unsigned", &unsigned),
        ("agreement, signed with a drawing", &signed),
        ("agreement, large print", &large),
    ] {
        let (ms, bytes) = measure(|| render(doc, at));
        #[allow(clippy::cast_precision_loss)]
        let size_ratio = bytes as f64 / base_bytes as f64;
        println!(
            "RESULT {name}: {ms:.2} ms, {:.1} KB; / baseline: time {:.2}, bytes {size_ratio:.2}",
            kb(bytes),
            ms / base_ms
        );
    }
}

#[allow(clippy::cast_precision_loss)]
fn kb(bytes: usize) -> f64 {
    bytes as f64 / 1024.0
}
