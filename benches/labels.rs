//! 1,000 labels on `a4-21`: time and bytes, beside a baseline that draws one square per dark
//! module instead of one rectangle per run, rendered in the same run.
//!
//! cargo bench --bench labels

use std::time::Instant;

use lendhub::labels::{
    model::{Layout, QrRuns, place, qr_runs},
    render::{LabelText, render},
};

fn one_square_per_module(runs: &QrRuns) -> QrRuns {
    QrRuns {
        modules: runs.modules,
        runs: runs
            .runs
            .iter()
            .flat_map(|&(row, start, len)| (start..start + len).map(move |c| (row, c, 1)))
            .collect(),
    }
}

fn main() {
    let layout = Layout::A4x21;
    let tags: Vec<String> = (1..=1000).map(|n| format!("TCH-{n:05}")).collect();
    let words = LabelText {
        organisation: "Tower Community Homes".into(),
        found_line: "Found this? Please call 020 7946 0018.".into(),
    };
    let mut results = Vec::new();
    for (name, per_module) in [
        ("one square per module (baseline)", true),
        ("one rectangle per run", false),
    ] {
        let mut best = f64::MAX;
        let mut bytes = 0;
        for _ in 0..5 {
            let started = Instant::now();
            let placements: Vec<_> = place(&tags, &layout.geometry(), 1, 1)
                .into_iter()
                .map(|p| {
                    let runs = qr_runs(
                        &format!("https://lend.example.org/d/{}", p.tag),
                        layout.error_correction(),
                    )
                    .expect("a code");
                    let runs = if per_module {
                        one_square_per_module(&runs)
                    } else {
                        runs
                    };
                    (p, runs)
                })
                .collect();
            bytes = render(layout, &placements, &words).len();
            best = best.min(started.elapsed().as_secs_f64());
        }
        println!("RESULT {name}: best of 5 {best:.3} s, {} KB", bytes / 1024);
        results.push((best, bytes));
    }
    let (base_time, base_bytes) = results[0];
    let (time, bytes) = results[1];
    #[allow(clippy::cast_precision_loss)]
    let size_ratio = bytes as f64 / base_bytes as f64;
    println!(
        "RESULT runs / baseline: time {:.2}, bytes {size_ratio:.2}",
        time / base_time
    );
}
