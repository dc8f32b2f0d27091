//! The gift letter: one page (two in large print) telling someone the device is theirs now, what
//! that means for what is on it, and where to get help. Drawn from the gift as it is; in
//! Atkinson Hyperlegible Next at 12 pt, 16 pt in large print.

use chrono::{DateTime, Utc};

use crate::{
    dates::{long_date, today},
    pdf::{self, DocFonts, Flow, MARGIN},
};

/// What the letter states.
#[derive(Debug, Clone)]
pub struct GiftFacts {
    pub gift_id: i32,
    pub organisation: String,
    pub organisation_phone: Option<String>,
    pub hub_name: String,
    pub hub_address: Option<String>,
    pub borrower: String,
    pub large_print: bool,
    pub kind: String,
    pub make_model: String,
    pub asset_tag: String,
    pub serial_number: Option<String>,
    pub accessories: Vec<String>,
    pub given_at: DateTime<Utc>,
}

/// The letter's paragraphs under their headings.
pub fn sections(facts: &GiftFacts) -> Vec<(&'static str, Vec<String>)> {
    let kind = facts.kind.to_lowercase();
    let help = match &facts.organisation_phone {
        Some(phone) => format!("ring {} on {phone}, or ", facts.organisation),
        None => String::new(),
    };
    let hub = match &facts.hub_address {
        Some(address) => format!("{} ({address})", facts.hub_name),
        None => facts.hub_name.clone(),
    };
    vec![
        (
            "It is yours",
            vec![
                format!(
                    "You own this {kind} now. You do not need to bring it back, and nobody will ask you to."
                ),
                "You can use it however you like, keep it, or give it to someone else.".to_owned(),
            ],
        ),
        (
            "What is on it",
            vec![
                "Everything you put on it is yours: your photos, files, accounts and apps. We cannot see \
                 them and we do not keep a copy."
                    .to_owned(),
                format!(
                    "If you give the {kind} to someone else one day, reset it first (in Settings) so your \
                     things do not go with it."
                ),
            ],
        ),
        (
            "Help when you need it",
            vec![
                format!(
                    "We no longer repair or replace it, but we are still glad to help you use it: {help}come to {hub}."
                ),
                "Free help to get online is also at your local library.".to_owned(),
            ],
        ),
    ]
}

/// The facts table at the top.
fn facts_table(facts: &GiftFacts) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("Given to", facts.borrower.clone()),
        ("Device", format!("{} ({})", facts.make_model, facts.kind)),
        ("Asset tag", facts.asset_tag.clone()),
    ];
    if let Some(serial) = &facts.serial_number {
        rows.push(("Serial number", serial.clone()));
    }
    if !facts.accessories.is_empty() {
        rows.push(("With it", crate::words::and_list(&facts.accessories)));
    }
    rows.push(("Given on", long_date(today(facts.given_at))));
    rows.push(("Given by", format!("{}, {}", facts.organisation, facts.hub_name)));
    rows
}

/// The letter's PDF. `made_at` is recorded as the document's creation time.
pub fn render(facts: &GiftFacts, made_at: DateTime<Utc>) -> Vec<u8> {
    let body = if facts.large_print { 16.0 } else { 12.0 };
    let title = format!("This {} is now yours", facts.kind.to_lowercase());
    let summary = format!(
        "{} has given you this {} to keep, from {}.",
        facts.organisation,
        facts.kind.to_lowercase(),
        long_date(today(facts.given_at))
    );
    let sections = sections(facts);
    let table = facts_table(facts);
    let mut doc = pdf::document(&format!("Gift letter for {}", facts.asset_tag), made_at);
    let mut texts: Vec<&str> = vec![&title, &summary];
    texts.extend(table.iter().map(|(_, v)| v.as_str()));
    texts.extend(sections.iter().flat_map(|(_, p)| p.iter().map(String::as_str)));
    let fonts = DocFonts::add_for(&mut doc, texts);
    let mut flow = Flow::new(&fonts, body);
    flow.line(true, body * 1.75, MARGIN, &title);
    flow.gap(0.3);
    flow.paragraph(false, body, &summary);
    flow.gap(0.6);
    flow.facts(&table);
    for (heading, paragraphs) in &sections {
        flow.gap(0.6);
        flow.heading(heading);
        for (i, paragraph) in paragraphs.iter().enumerate() {
            if i > 0 {
                flow.gap(0.35);
            }
            flow.paragraph(false, body, paragraph);
        }
    }
    let footer_size = if facts.large_print { 12.0 } else { 9.0 };
    pdf::finish(doc, flow.pages, &fonts.regular, footer_size, |page, of| {
        format!("Gift letter, gift number {}. Page {page} of {of}.", facts.gift_id)
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn facts(large_print: bool) -> GiftFacts {
        GiftFacts {
            gift_id: 7,
            organisation: "Test Homes".into(),
            organisation_phone: Some("0113 496 0000".into()),
            hub_name: "Riverside Hub".into(),
            hub_address: Some("1 River Street, Leeds LS1 1AA".into()),
            borrower: "Łukasz Zoë Siân".into(),
            large_print,
            kind: "Laptop".into(),
            make_model: "Lenovo ThinkPad T480".into(),
            asset_tag: "TST-00042".into(),
            serial_number: Some("PF1ABC23".into()),
            accessories: vec!["charger".into()],
            given_at: Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0).unwrap(),
        }
    }

    #[test]
    fn the_letter_says_whose_it_is_and_where_help_is() {
        let words = sections(&facts(false))
            .into_iter()
            .flat_map(|(_, p)| p)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(words.contains("You own this laptop now"), "{words}");
        assert!(words.contains("0113 496 0000"), "{words}");
        assert!(
            words.contains("Riverside Hub (1 River Street, Leeds LS1 1AA)"),
            "{words}"
        );
        let pdf = render(&facts(false), facts(false).given_at);
        assert!(pdf.starts_with(b"%PDF"));
    }
}
