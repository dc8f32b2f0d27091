//! Label PDFs checked with real tools: `qpdf --check`, `pdftoppm -r 200` and `zbarimg`. Each
//! label position is also cut out by the sheet geometry and decoded alone, because zbarimg given
//! a whole sheet sometimes misses one of many sound codes.

use std::{path::Path, process::Command};

use crate::helpers::{TestApp, error_of, json_of, run, tools_present};
use lendhub::labels::model::Layout;
use reqwest::StatusCode;
use serde_json::json;

/// Decodes every QR code in a PNG with zbarimg, as raw text lines.
fn zbar(png: &Path) -> Vec<String> {
    let output = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(png)
        .output()
        .expect("zbarimg runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Renders page `page` (1-based) of `pdf` at 200 dpi, optionally cut to a label, and decodes it.
fn decode(pdf: &Path, page: usize, crop_mm: Option<(f32, f32, f32, f32)>) -> Vec<String> {
    let dir = pdf.parent().unwrap();
    let stem = format!(
        "p{page}-{}",
        crop_mm.map_or("all".to_owned(), |c| format!("{}-{}", c.0, c.1))
    );
    let mut command = Command::new("pdftoppm");
    command.args([
        "-r",
        "200",
        "-png",
        "-singlefile",
        "-f",
        &page.to_string(),
        "-l",
        &page.to_string(),
    ]);
    if let Some((x, y, w, h)) = crop_mm {
        let px = |mm: f32| ((mm / 25.4) * 200.0).round().to_string();
        command.args(["-x", &px(x), "-y", &px(y), "-W", &px(w), "-H", &px(h)]);
    }
    run(command.arg(pdf).arg(dir.join(&stem)));
    zbar(&dir.join(format!("{stem}.png")))
}

fn page_count(pdf: &Path) -> usize {
    run(Command::new("qpdf").arg("--show-npages").arg(pdf))
        .trim()
        .parse()
        .unwrap()
}

async fn labels_pdf(app: &TestApp, body: serde_json::Value) -> (tempfile::TempDir, std::path::PathBuf) {
    let response = app.post("/api/v1/labels", &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let bytes = response.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("labels.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let check = Command::new("qpdf").arg("--check").arg(&path).output().unwrap();
    assert!(
        check.status.success(),
        "qpdf --check: {}",
        String::from_utf8_lossy(&check.stdout)
    );
    (dir, path)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_layout_prints_codes_that_decode_to_the_device_address_in_the_right_place() {
    if !tools_present(&["qpdf", "pdftoppm", "zbarimg"]) {
        return;
    }
    let app = TestApp::spawn().await;
    let hub = app.hub("Whitechapel").await;
    for _ in 0..3 {
        json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    }
    let url = |tag: &str| format!("{}/d/{tag}", app.base);
    for layout in Layout::ALL {
        let g = layout.geometry();
        // Start near the end of the first sheet so the run spills onto a second one.
        let start = if g.per_page() > 1 { g.per_page() - 2 } else { 1 };
        let body = json!({"asset_tags": ["TST-00001", "tst-00002", "TST-00003"], "layout": layout.as_str(), "start_position": start, "copies": 2});
        let (_dir, pdf) = labels_pdf(&app, body).await;
        // Six labels from position `start`: where each should be.
        let expected: Vec<(usize, usize, String)> = lendhub::labels::model::place(
            &["TST-00001", "TST-00002", "TST-00003"].map(String::from),
            &g,
            start,
            2,
        )
        .into_iter()
        .map(|p| (p.page + 1, p.position, url(&p.tag)))
        .collect();
        let pages = expected.iter().map(|e| e.0).max().unwrap();
        assert_eq!(page_count(&pdf), pages, "{layout:?}");
        for (page, position, address) in &expected {
            let (x, y) = g.origin(*position);
            let cut = decode(&pdf, *page, Some((x, y, g.label_width, g.label_height)));
            assert_eq!(
                cut,
                vec![address.clone()],
                "{layout:?} page {page} position {position}"
            );
        }
        // The whole pages decode to exactly these addresses and nothing else.
        let mut whole: Vec<String> = (1..=pages).flat_map(|p| decode(&pdf, p, None)).collect();
        whole.sort();
        let mut addresses: Vec<String> = expected.iter().map(|e| e.2.clone()).collect();
        addresses.sort();
        whole.dedup();
        addresses.dedup();
        assert!(
            whole.iter().all(|w| addresses.contains(w)),
            "{layout:?}: unexpected code in {whole:?}"
        );
        // Positions before the start are left blank.
        if start > 1 {
            let (x, y) = g.origin(0);
            assert!(
                decode(&pdf, 1, Some((x, y, g.label_width, g.label_height))).is_empty(),
                "{layout:?}: position 1 used"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_label_carries_the_tag_the_organisation_and_its_number_in_text() {
    if !tools_present(&["qpdf", "pdftoppm", "zbarimg"]) {
        return;
    }
    let app = TestApp::spawn().await;
    let hub = app.hub("Whitechapel").await;
    json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.db.write,
        "UPDATE organisations SET phone = '0113 496 0000'",
    )
    .await
    .unwrap();
    let response = app.get("/api/v1/devices/tst-00001/label.pdf").await;
    assert_eq!(response.status(), StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("one.pdf");
    std::fs::write(&pdf, response.bytes().await.unwrap()).unwrap();
    let text = run(Command::new("pdftotext").arg(&pdf).arg("-"));
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("TST-00001"), "{text}");
    assert!(text.contains("Test Homes"), "{text}");
    // Whoever finds it knows whom to ring.
    assert!(text.contains("Please ring 0113 496 0000 to return it."), "{text}");
    assert_eq!(decode(&pdf, 1, None), vec![format!("{}/d/TST-00001", app.base)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_label_requests_name_the_problem() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Whitechapel").await;
    json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    for (body, field, needle) in [
        (
            json!({"asset_tags": ["TST-00001", "TST-00999"], "layout": "a4-21"}),
            "asset_tags",
            "TST-00999",
        ),
        (
            json!({"asset_tags": [], "layout": "a4-21"}),
            "asset_tags",
            "at least one",
        ),
        (json!({"layout": "a4-21"}), "asset_tags", "at least one"),
        (
            json!({"asset_tags": ["TST-00001"], "layout": "a5-8"}),
            "layout",
            "layout",
        ),
        (
            json!({"asset_tags": ["TST-00001"], "layout": "a4-21", "start_position": 22}),
            "start_position",
            "1 to 21",
        ),
        (
            json!({"asset_tags": ["TST-00001"], "layout": "a4-21", "copies": 0}),
            "copies",
            "1 to 20",
        ),
    ] {
        let response = app.post("/api/v1/labels", &body).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body_text = response.text().await.unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&body_text).unwrap();
        assert_eq!(parsed["error"]["field"], field, "{body_text}");
        assert!(
            parsed["error"]["message"].as_str().unwrap().contains(needle),
            "{body_text}"
        );
    }
    let unknown = app.get("/api/v1/devices/TST-00404/label.pdf").await;
    assert_eq!(error_of(unknown, StatusCode::NOT_FOUND).await.0, "not_found");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_labels_page_warns_of_a_local_address_and_names_each_download() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    for _ in 0..3 {
        json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    }
    let page = app.page_text("/labels?tag=TST-00001").await;
    assert!(page.contains("an address only this computer reaches"), "{page}");
    let pdf = app
        .client
        .post(app.url("/labels/print"))
        .bearer_auth(&app.token)
        .form(&[
            ("tag", "TST-00001"),
            ("tag", "TST-00003"),
            ("layout", "a4-21"),
            ("start_position", "1"),
            ("copies", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(
        pdf.headers()["content-disposition"],
        "attachment; filename=\"labels-TST-00001-to-TST-00003-a4-21.pdf\""
    );
}
