//! 1,000 labels on `a4-24`, as the labels call makes them (encoding the codes on every core,
//! drawing the sheet): the best of five runs' seconds, and the PDF's size. `bench/labels.sh` runs this beside
//! the same sheet drawn by reportlab and segno, and gives the ratio.
//!
//! cargo bench --bench labels [-- out.pdf]

use std::time::Instant;

use lendhub::labels::{
    model::{Layout, encode_all, place},
    render::{LabelText, render},
};

fn main() {
    let layout = Layout::A4x24;
    let tags: Vec<String> = (1..=1000).map(|n| format!("TCH-{n:05}")).collect();
    let words = LabelText {
        organisation: "Tower Community Homes".into(),
        found_line: "Found this? Please call 020 7946 0018.".into(),
    };
    let mut best = f64::MAX;
    let mut pdf = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let plan = place(&tags, &layout.geometry(), 1, 1);
        let urls: Vec<String> = plan
            .iter()
            .map(|p| format!("https://lend.example.org/d/{}", p.tag))
            .collect();
        let codes = encode_all(&urls, layout.error_correction()).expect("codes");
        let placements: Vec<_> = plan.into_iter().zip(codes).collect();
        pdf = render(layout, &placements, &words);
        best = best.min(started.elapsed().as_secs_f64());
    }
    // `cargo bench` passes `--bench` too: the one argument that is not a flag is the file.
    if let Some(out) = std::env::args().skip(1).find(|a| !a.starts_with('-')) {
        std::fs::write(out, &pdf).expect("write the sheet");
    }
    println!("RESULT lendhub: best of 5 {best:.3} s, {} bytes", pdf.len());
}
