//! Training's words and rules: the five Essential Digital Skills areas, attendance marks, what a
//! session needs (a course, a start, 60 or 90 minutes usually, a place or a meeting link, room
//! for so many), skills progress, and the iCalendar a trainer's calendar app reads.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{enums::string_enum, error::FieldError};

string_enum!(
    /// The five areas of the UK Essential Digital Skills framework.
    SkillsArea, "area" {
        Communicating = "communicating" / "Communicating",
        HandlingInformation = "handling_information" / "Handling information and content",
        Transacting = "transacting" / "Transacting",
        ProblemSolving = "problem_solving" / "Problem solving",
        BeingSafe = "being_safe" / "Being safe and legal online",
    }
);

string_enum!(
    /// A learner's mark in the register.
    Attendance, "status" {
        Present = "present" / "Present",
        Late = "late" / "Late",
        Absent = "absent" / "Absent",
        Excused = "excused" / "Excused",
    }
);

/// Session lengths offered first; any from 15 minutes to 8 hours is allowed.
pub const USUAL_DURATIONS: [i32; 2] = [60, 90];

/// Reads the skills areas a course covers from codes; none is allowed, each at most once.
pub fn parse_areas(field: &str, codes: &[String]) -> Result<Vec<SkillsArea>, FieldError> {
    let mut areas = Vec::new();
    for code in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        let area = SkillsArea::parse(code).map_err(|e| FieldError::new(field, e.message))?;
        if !areas.contains(&area) {
            areas.push(area);
        }
    }
    Ok(areas)
}

/// Reads a start time: RFC 3339 (`2027-03-10T10:00:00Z`), or a local London time as a form's
/// `datetime-local` sends it (`2027-03-10T10:00`).
pub fn parse_starts_at(field: &str, text: Option<&str>) -> Result<DateTime<Utc>, FieldError> {
    let text = text
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| FieldError::new(field, "enter when the session starts"))?;
    let unreadable = || FieldError::new(field, "enter a date and time like 2027-03-10T10:00");
    let at = match DateTime::parse_from_rfc3339(text) {
        Ok(at) => at.with_timezone(&Utc),
        Err(_) => {
            let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").map_err(|_| unreadable())?;
            London
                .from_local_datetime(&local)
                .earliest()
                .map(|at| at.with_timezone(&Utc))
                .ok_or_else(|| {
                    FieldError::new(
                        field,
                        "that time does not exist in London (the clocks change then)",
                    )
                })?
        }
    };
    // A start in the year 262,142 parses, and then breaks every page that lists it.
    if crate::dates::in_years(at) {
        Ok(at)
    } else {
        Err(unreadable())
    }
}

pub fn parse_duration(field: &str, minutes: Option<i32>) -> Result<i32, FieldError> {
    match minutes {
        None => Err(FieldError::new(field, "choose how long the session is")),
        Some(m) if (15..=480).contains(&m) => Ok(m),
        Some(_) => Err(FieldError::new(
            field,
            "a session lasts from 15 minutes to 8 hours",
        )),
    }
}

pub fn parse_capacity(field: &str, capacity: Option<i32>) -> Result<i32, FieldError> {
    match capacity {
        None => Err(FieldError::new(field, "enter how many learners it has room for")),
        Some(c) if (1..=500).contains(&c) => Ok(c),
        Some(_) => Err(FieldError::new(field, "room for 1 to 500 learners")),
    }
}

/// A meeting link must be a web address.
pub fn parse_meeting_url(field: &str, text: Option<&str>) -> Result<Option<String>, FieldError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(url)
            if (url.starts_with("https://") || url.starts_with("http://"))
                && url.len() <= 500
                && !url.contains(char::is_whitespace) =>
        {
            Ok(Some(url.to_owned()))
        }
        Some(_) => Err(FieldError::new(
            field,
            "enter the meeting link as a web address starting https://",
        )),
    }
}

/// A confidence score: 1 (not at all confident) to 5 (very confident).
pub fn parse_score(field: &str, score: Option<i32>) -> Result<i32, FieldError> {
    match score {
        Some(s) if (1..=5).contains(&s) => Ok(s),
        _ => Err(FieldError::new(
            field,
            "a score is from 1 (not confident) to 5 (very confident)",
        )),
    }
}

/// A learner's confidence in one area: at their first scored session and their latest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub area: SkillsArea,
    pub area_label: &'static str,
    pub first: i32,
    pub latest: i32,
    /// How many sessions scored this area.
    pub sessions: usize,
}

impl Progress {
    pub fn change(&self) -> i32 {
        self.latest - self.first
    }

    /// The change written for people: "Up 2", "No change", "Down 1".
    pub fn change_label(&self) -> String {
        match self.change() {
            0 => "No change".to_owned(),
            n if n > 0 => format!("Up {n}"),
            n => format!("Down {}", -n),
        }
    }
}

/// Progress per area from scores `(area, session start, score)`, in the framework's order.
pub fn progress(scores: &[(SkillsArea, DateTime<Utc>, i32)]) -> Vec<Progress> {
    SkillsArea::ALL
        .iter()
        .filter_map(|&area| {
            let mut of_area: Vec<_> = scores.iter().filter(|s| s.0 == area).collect();
            of_area.sort_by_key(|s| s.1);
            let (first, latest) = (of_area.first()?, of_area.last()?);
            Some(Progress {
                area,
                area_label: area.label(),
                first: first.2,
                latest: latest.2,
                sessions: of_area.len(),
            })
        })
        .collect()
}

/// One session as a calendar event.
pub struct Event {
    pub uid: String,
    pub starts_at: DateTime<Utc>,
    pub minutes: i32,
    pub summary: String,
    pub location: String,
    pub description: String,
    pub url: String,
}

/// An iCalendar (RFC 5545) feed of `events`: times in UTC, text escaped, lines folded at 75
/// octets, CRLF line ends.
pub fn ics(calendar_name: &str, events: &[Event], now: DateTime<Utc>) -> String {
    let stamp = |at: DateTime<Utc>| at.format("%Y%m%dT%H%M%SZ").to_string();
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//lendhub//training sessions//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        format!("X-WR-CALNAME:{}", escape(calendar_name)),
    ];
    for event in events {
        lines.extend([
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}", event.uid),
            format!("DTSTAMP:{}", stamp(now)),
            format!("DTSTART:{}", stamp(event.starts_at)),
            format!(
                "DTEND:{}",
                stamp(event.starts_at + Duration::minutes(i64::from(event.minutes)))
            ),
            format!("SUMMARY:{}", escape(&event.summary)),
            format!("LOCATION:{}", escape(&event.location)),
            format!("DESCRIPTION:{}", escape(&event.description)),
            format!("URL:{}", event.url),
            "END:VEVENT".to_owned(),
        ]);
    }
    lines.push("END:VCALENDAR".to_owned());
    let mut out = String::new();
    for line in lines {
        out.push_str(&fold(&line));
        out.push_str("\r\n");
    }
    out
}

/// A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped; every line break
/// (CRLF, LF or a lone CR) written `\\n`; other control characters, which no value may hold,
/// dropped.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', "\\n")
        .chars()
        .filter(|c| !c.is_control())
        .collect()
}

/// Folds a content line so no line is longer than 75 octets, never splitting a character.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut length = 0;
    for c in line.chars() {
        let size = c.len_utf8();
        if length + size > 75 {
            out.push_str("\r\n ");
            length = 1;
        }
        out.push(c);
        length += size;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_times_are_read_as_rfc_3339_or_london_local_time() {
        let summer = parse_starts_at("starts_at", Some("2027-07-01T10:00")).unwrap();
        assert_eq!(summer.to_rfc3339(), "2027-07-01T09:00:00+00:00");
        let utc = parse_starts_at("starts_at", Some("2027-01-05T10:00:00Z")).unwrap();
        assert_eq!(utc.to_rfc3339(), "2027-01-05T10:00:00+00:00");
        for bad in [None, Some(""), Some("tomorrow"), Some("2027-03-28T01:30")] {
            assert_eq!(
                parse_starts_at("starts_at", bad).unwrap_err().field,
                "starts_at",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn sessions_need_a_sensible_length_and_room() {
        assert_eq!(parse_duration("d", Some(90)).unwrap(), 90);
        assert!(parse_duration("d", Some(5)).is_err());
        assert!(parse_duration("d", None).is_err());
        assert!(parse_capacity("c", Some(0)).is_err());
        assert_eq!(parse_capacity("c", Some(12)).unwrap(), 12);
        assert!(parse_meeting_url("m", Some("meet.example.org/x")).is_err());
        assert_eq!(parse_meeting_url("m", Some(" ")).unwrap(), None);
    }

    #[test]
    fn progress_compares_the_first_and_latest_scores_of_each_area() {
        let at = |d: i64| Utc.with_ymd_and_hms(2027, 3, 1, 10, 0, 0).unwrap() + Duration::days(d);
        let scores = [
            (SkillsArea::BeingSafe, at(7), 4),
            (SkillsArea::Communicating, at(0), 2),
            (SkillsArea::BeingSafe, at(0), 1),
            (SkillsArea::BeingSafe, at(3), 3),
        ];
        let progress = progress(&scores);
        assert_eq!(progress.len(), 2);
        assert_eq!(
            (progress[0].area, progress[0].first, progress[0].latest),
            (SkillsArea::Communicating, 2, 2)
        );
        assert_eq!(
            (progress[1].area, progress[1].first, progress[1].latest),
            (SkillsArea::BeingSafe, 1, 4)
        );
        assert_eq!((progress[1].change(), progress[1].sessions), (3, 3));
    }

    #[test]
    fn the_calendar_escapes_folds_and_ends_lines_properly() {
        let event = Event {
            uid: "session-1@lendhub".into(),
            starts_at: Utc.with_ymd_and_hms(2027, 3, 1, 10, 0, 0).unwrap(),
            minutes: 90,
            summary: "Staying safe online; scams, passwords".into(),
            location: "Whitechapel Community Hub, 12 Vallance Road".into(),
            description: "A long description ".repeat(10),
            url: "https://lend.example.org/training/sessions/1".into(),
        };
        let text = ics(
            "Ada's sessions",
            &[event],
            Utc.with_ymd_and_hms(2027, 2, 1, 0, 0, 0).unwrap(),
        );
        assert!(text.contains("SUMMARY:Staying safe online\\; scams\\, passwords\r\n"));
        assert_eq!(escape("one\rtwo\r\nthree\nfour\u{7}"), "one\\ntwo\\nthree\\nfour");
        assert!(text.contains("DTEND:20270301T113000Z\r\n"));
        assert!(text.split("\r\n").all(|l| l.len() <= 75));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
    }
}
