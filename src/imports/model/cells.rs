//! One cell as spreadsheets write it: bytes decoded, the delimiter sniffed, and a kind, a date, a
//! yes or no or a list read from its text.

use std::borrow::Cow;

use chrono::NaiveDate;

use super::fields::squash;

/// One cell's text: UTF-8 when it is, else Windows-1252 (which every byte decodes as).
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0,
    }
}

/// `;` when the first line has more semicolons than commas (Excel in much of Europe), else `,`.
pub fn sniff_delimiter(start: &[u8]) -> u8 {
    let line = start.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |d: u8| memchr::memchr_iter(d, line).count();
    if count(b';') > count(b',') { b';' } else { b',' }
}

/// The kind a word names: Laptop, Notebook, Chromebook, iPad, Tablet, MiFi, Hotspot, Dongle...
pub fn kind_from_word(text: &str) -> Option<&'static str> {
    let word = squash(text);
    let any = |names: &[&str]| names.iter().any(|n| word.contains(n));
    if any(&["mifi", "hotspot", "dongle", "router", "4g", "5g", "wifi", "modem"]) {
        Some("mifi")
    } else if any(&["ipad", "tablet", "tab", "kindle", "surface"]) {
        Some("tablet")
    } else if any(&[
        "laptop",
        "notebook",
        "chromebook",
        "macbook",
        "netbook",
        "ultrabook",
        "thinkpad",
    ]) {
        Some("laptop")
    } else {
        None
    }
}

/// A date as spreadsheets write it: `2026-03-14`, `14/03/2026`, `14-03-2026`, `14.03.2026` or
/// `14/03/26` (UK day first).
pub fn parse_uk_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let text = text.split([' ', 'T']).next().unwrap_or(text);
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date);
    }
    let parts: Vec<&str> = text.split(['/', '-', '.']).collect();
    let [day, month, year] = parts.as_slice() else {
        return None;
    };
    let (day, month, year): (u32, u32, i32) = (day.parse().ok()?, month.parse().ok()?, year.parse().ok()?);
    let year = match year {
        0..=69 => 2000 + year,
        70..=99 => 1900 + year,
        _ => year,
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

pub(super) fn yes(text: &str) -> Option<bool> {
    match squash(text).as_str() {
        "yes" | "y" | "true" | "1" | "x" => Some(true),
        "no" | "n" | "false" | "0" => Some(false),
        _ => None,
    }
}

pub(super) fn list(text: Option<&str>) -> Option<Vec<String>> {
    text.map(|t| {
        t.split([';', '|', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_dates_and_costs_read_as_spreadsheets_write_them() {
        for (word, kind) in [
            ("Laptop", "laptop"),
            ("Notebook", "laptop"),
            ("Chromebook", "laptop"),
            ("iPad", "tablet"),
            ("Tablet", "tablet"),
            ("MiFi", "mifi"),
            ("4G Hotspot", "mifi"),
            ("Dongle", "mifi"),
        ] {
            assert_eq!(kind_from_word(word), Some(kind), "{word}");
        }
        assert_eq!(kind_from_word("Printer"), None);
        let march = NaiveDate::from_ymd_opt(2026, 3, 14);
        for text in [
            "2026-03-14",
            "14/03/2026",
            "14-03-2026",
            "14.03.2026",
            "14/03/26",
            "14/3/2026 00:00",
        ] {
            assert_eq!(parse_uk_date(text), march, "{text}");
        }
        assert_eq!(parse_uk_date("31/02/2026"), None);
        assert_eq!(parse_uk_date("March"), None);
    }

    #[test]
    fn cells_decode_as_utf8_or_windows_1252() {
        assert_eq!(decode("Siân £5".as_bytes()), "Siân £5");
        assert_eq!(decode(b"Si\xe2n \xa35"), "Siân £5");
        assert_eq!(sniff_delimiter(b"a;b;c\r\n1,5;2;3"), b';');
        assert_eq!(sniff_delimiter(b"a,b,c\r\n"), b',');
    }
}
