//! The funder report's figures and the one list of them that the page, the CSV and the PDF all
//! show, so the three cannot disagree: each figure has a stable key (the CSV's first column), a
//! plain-English label and a value.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::{
    error::FieldError,
    loans::model::DISPOSAL_METHODS,
    people::model::BARRIERS,
    reports::model::{BOM, Sheet},
    training::model::SkillsArea,
};

/// The longest period one report covers (its chart has a bar per month).
pub const LONGEST_PERIOD_DAYS: i64 = 5 * 366;

#[derive(Debug, Clone, PartialEq)]
pub struct FunderReport {
    pub organisation: String,
    /// The hub the report is limited to, by name; `None` for every hub the reader sees.
    pub hub: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub people: People,
    pub loans: Loans,
    pub training: Training,
    pub skills: Vec<SkillsProgress>,
    pub repairs: Repairs,
    /// `(disposal method code, devices)`, every method, in `DISPOSAL_METHODS` order.
    pub retired: Vec<(String, u64)>,
    /// `(first day of the month, loans made in it within the period)`, oldest first.
    pub monthly: Vec<(NaiveDate, u64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct People {
    /// Different borrowers with a loan out in the period or at one of its sessions.
    pub supported: u64,
    pub borrowed: u64,
    pub learners: u64,
    /// How many of those supported named each barrier, in `BARRIERS` order.
    pub barriers: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Loans {
    /// Loans made in the period.
    pub issued: u64,
    /// Loans out at some time in the period, made in it or before.
    pub out: u64,
    /// Different devices those loans were of.
    pub devices_lent: u64,
    /// Days those loans were out within the period, summed.
    pub loan_days: f64,
    pub returned: u64,
    pub returned_on_time: u64,
    pub lost: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Training {
    pub sessions: u64,
    pub attendances: u64,
    pub absences: u64,
    pub excused: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillsProgress {
    pub area: SkillsArea,
    /// Learners scored in the area at two or more of the period's sessions.
    pub measured: u64,
    /// Of them, those whose latest score is above their first.
    pub rose: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repairs {
    pub closed: u64,
    pub fixed: u64,
    pub cost_pence: i64,
}

/// A figure's value: shown one way to people and written plainly to the CSV.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Count(u64),
    /// A share from 0 to 1; `None` when there was nothing to share out.
    Share(Option<f64>),
    Pence(i64),
    Text(String),
}

impl Value {
    /// As the page and the PDF show it: `1,234`, `75%`, `£12.50`, `none yet`.
    pub fn shown(&self) -> String {
        match self {
            Value::Count(n) => thousands(*n),
            Value::Share(Some(share)) => format!("{}%", (share * 100.0).round()),
            Value::Share(None) => "none yet".to_owned(),
            Value::Pence(pence) => crate::money::pounds(*pence),
            Value::Text(text) => text.clone(),
        }
    }

    /// As the CSV holds it: `1234`, `0.750`, `12.50`, empty for no share.
    pub fn plain(&self) -> String {
        match self {
            Value::Count(n) => n.to_string(),
            Value::Share(Some(share)) => format!("{share:.3}"),
            Value::Share(None) => String::new(),
            Value::Pence(pence) => crate::money::pounds(*pence).trim_start_matches('£').to_owned(),
            Value::Text(text) => text.clone(),
        }
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Stable, for spreadsheets and scripts: `loans.issued`.
    pub key: String,
    pub label: String,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub heading: &'static str,
    pub figures: Vec<Figure>,
}

fn figure(key: impl Into<String>, label: impl Into<String>, value: Value) -> Figure {
    Figure {
        key: key.into(),
        label: label.into(),
        value,
    }
}

/// `part / whole`, to three places; `None` when `whole` is 0.
pub fn share(part: u64, whole: u64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (whole > 0).then(|| (part as f64 / whole as f64 * 1000.0).round() / 1000.0)
}

impl FunderReport {
    /// "1 April 2026 to 30 June 2026, all hubs".
    pub fn period(&self) -> String {
        format!(
            "{} to {}, {}",
            crate::dates::long_date(self.from),
            crate::dates::long_date(self.to),
            self.hub.as_deref().unwrap_or("all hubs")
        )
    }

    /// Every figure, in the order a funder reads them.
    pub fn sections(&self) -> Vec<Section> {
        use Value::{Count, Pence, Share};
        let (people, loans, training) = (&self.people, &self.loans, &self.training);
        let mut who = vec![
            figure("people.supported", "People supported", Count(people.supported)),
            figure(
                "people.borrowed",
                "People who borrowed a device",
                Count(people.borrowed),
            ),
            figure(
                "people.learners",
                "People who came to a training session",
                Count(people.learners),
            ),
        ];
        for ((code, label), n) in BARRIERS.iter().zip(&people.barriers) {
            who.push(figure(
                format!("people.barrier.{code}"),
                format!("People supported who said: {}", label.to_lowercase()),
                Count(*n),
            ));
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let loan_days = loans.loan_days.round().max(0.0) as u64;
        let lending = vec![
            figure("loans.issued", "Loans made", Count(loans.issued)),
            figure(
                "loans.out",
                "Loans out at some time in the period",
                Count(loans.out),
            ),
            figure("loans.devices_lent", "Devices lent", Count(loans.devices_lent)),
            figure(
                "loans.loan_days",
                "Days devices were with borrowers",
                Count(loan_days),
            ),
            figure("loans.returned", "Loans returned", Count(loans.returned)),
            figure(
                "loans.returned_on_time",
                "Returned by the due date",
                Count(loans.returned_on_time),
            ),
            figure(
                "loans.on_time_share",
                "Share returned on time",
                Share(share(loans.returned_on_time, loans.returned)),
            ),
            figure("loans.lost", "Devices reported lost", Count(loans.lost)),
        ];
        let learning = vec![
            figure(
                "training.sessions",
                "Sessions delivered",
                Count(training.sessions),
            ),
            figure(
                "training.attendances",
                "Attendances (present or late)",
                Count(training.attendances),
            ),
            figure("training.absences", "Absences", Count(training.absences)),
            figure("training.excused", "Excused absences", Count(training.excused)),
            figure(
                "training.attendance_rate",
                "Attendance rate (excused absences left out)",
                Share(share(
                    training.attendances,
                    training.attendances + training.absences,
                )),
            ),
        ];
        let mut skills = Vec::new();
        for progress in &self.skills {
            let (code, label) = (progress.area.as_str(), progress.area.label());
            skills.push(figure(
                format!("skills.{code}.measured"),
                format!("{label}: learners scored twice or more"),
                Count(progress.measured),
            ));
            skills.push(figure(
                format!("skills.{code}.rose"),
                format!("{label}: learners whose confidence rose"),
                Count(progress.rose),
            ));
        }
        let mut care = vec![
            figure("repairs.closed", "Repairs finished", Count(self.repairs.closed)),
            figure("repairs.fixed", "Devices repaired", Count(self.repairs.fixed)),
            figure("repairs.cost", "Cost of repairs", Pence(self.repairs.cost_pence)),
            figure(
                "retired.total",
                "Devices retired",
                Count(self.retired.iter().map(|(_, n)| n).sum()),
            ),
        ];
        for (method, n) in &self.retired {
            care.push(figure(
                format!("retired.{method}"),
                format!("Retired: {}", crate::loans::model::disposal_label(method)),
                Count(*n),
            ));
        }
        let monthly = self
            .monthly
            .iter()
            .map(|(month, n)| {
                figure(
                    format!("loans_by_month.{}", month.format("%Y-%m")),
                    month.format("%B %Y").to_string(),
                    Count(*n),
                )
            })
            .collect();
        vec![
            Section {
                heading: "People supported",
                figures: who,
            },
            Section {
                heading: "Devices lent",
                figures: lending,
            },
            Section {
                heading: "Training",
                figures: learning,
            },
            Section {
                heading: "Digital skills",
                figures: skills,
            },
            Section {
                heading: "Repairs and retired devices",
                figures: care,
            },
            Section {
                heading: "Loans made each month",
                figures: monthly,
            },
        ]
    }
}

impl FunderReport {
    /// The CSV: a BOM, `figure,label,value`, the period first, then every figure.
    pub fn csv(&self) -> Vec<u8> {
        let mut sheet = Sheet::default();
        sheet.row(["figure", "label", "value"].map(str::to_owned));
        let period = [
            ("period.organisation", "Organisation", self.organisation.clone()),
            ("period.from", "From", self.from.to_string()),
            ("period.to", "To", self.to.to_string()),
            (
                "period.hub",
                "Hub",
                self.hub.clone().unwrap_or_else(|| "all hubs".to_owned()),
            ),
        ];
        for (key, label, value) in period {
            sheet.row([key.to_owned(), label.to_owned(), value]);
        }
        for section in self.sections() {
            for figure in section.figures {
                sheet.row([figure.key, figure.label, figure.value.plain()]);
            }
        }
        let mut bytes = BOM.as_bytes().to_vec();
        bytes.extend(sheet.finish());
        bytes
    }

    /// `lendhub-funder-report-2026-04-01-to-2026-06-30.csv` (or `.pdf`).
    pub fn file_name(&self, extension: &str) -> String {
        format!("lendhub-funder-report-{}-to-{}.{extension}", self.from, self.to)
    }
}

/// Progress in each area from the period's scores, given in the order the sessions were held:
/// each learner's first score in an area against their latest.
pub fn skills_progress(scores: &[(i32, SkillsArea, i32)]) -> Vec<SkillsProgress> {
    // (learner, area) -> (first, latest, how many)
    let mut by_learner: BTreeMap<(i32, &str), (i32, i32, u32)> = BTreeMap::new();
    for &(learner, area, score) in scores {
        by_learner
            .entry((learner, area.as_str()))
            .and_modify(|(_, latest, n)| {
                *latest = score;
                *n += 1;
            })
            .or_insert((score, score, 1));
    }
    SkillsArea::ALL
        .iter()
        .map(|&area| {
            let measured = by_learner
                .iter()
                .filter(|((_, a), (_, _, n))| *a == area.as_str() && *n >= 2);
            let (measured, rose) = measured.fold((0, 0), |(m, r), (_, (first, latest, _))| {
                (m + 1, r + u64::from(latest > first))
            });
            SkillsProgress { area, measured, rose }
        })
        .collect()
}

/// The months the period touches, each as `(its first day, the part of it inside the period as
/// [start, end) instants)`.
pub fn months(from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, DateTime<Utc>, DateTime<Utc>)> {
    let mut months = Vec::new();
    let mut month = from.with_day(1).unwrap_or(from);
    while month <= to {
        let next = (month + Duration::days(32)).with_day(1).unwrap_or(month);
        let start = month.max(from);
        let end = next.min(to + Duration::days(1));
        months.push((
            month,
            crate::dates::london_midnight(start),
            crate::dates::london_midnight(end),
        ));
        month = next;
    }
    months
}

/// Every disposal method with its count (0 for those not used), in the order people know them.
pub fn retired_by_method(counts: &[(String, i64)]) -> Vec<(String, u64)> {
    let mut all: Vec<(String, u64)> = DISPOSAL_METHODS
        .iter()
        .map(|(code, _)| {
            let n = counts
                .iter()
                .find(|(c, _)| c == code)
                .map_or(0, |(_, n)| n.unsigned_abs());
            ((*code).to_owned(), n)
        })
        .collect();
    for (code, n) in counts {
        if !DISPOSAL_METHODS.iter().any(|(c, _)| c == code) {
            all.push((code.clone(), n.unsigned_abs()));
        }
    }
    all
}

/// # Errors
/// A `from` more than `LONGEST_PERIOD_DAYS` before `to`.
pub fn check_length(from: NaiveDate, to: NaiveDate) -> Result<(), FieldError> {
    if (to - from).num_days() >= LONGEST_PERIOD_DAYS {
        return Err(FieldError::new("from", "a report can cover at most 5 years"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_compares_each_learners_first_score_with_their_latest() {
        use SkillsArea::{BeingSafe, Communicating};
        let scores = [
            (1, Communicating, 2),
            (2, Communicating, 3),
            (1, BeingSafe, 4),
            (1, Communicating, 1),
            (2, Communicating, 3),
            (1, Communicating, 4),
            (3, Communicating, 5),
        ];
        let progress = skills_progress(&scores);
        let communicating = progress.iter().find(|p| p.area == Communicating).unwrap();
        // Learner 1 went 2 -> 1 -> 4 (rose), learner 2 stayed at 3, learner 3 was scored once.
        assert_eq!((communicating.measured, communicating.rose), (2, 1));
        let safe = progress.iter().find(|p| p.area == BeingSafe).unwrap();
        assert_eq!((safe.measured, safe.rose), (0, 0));
        assert_eq!(progress.len(), SkillsArea::ALL.len());
    }

    #[test]
    fn months_cut_at_the_period_and_cover_it_exactly() {
        let from = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
        let to = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let months = months(from, to);
        assert_eq!(months.len(), 3);
        assert_eq!(months[0].0, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        assert_eq!(months[0].1, crate::dates::london_midnight(from));
        assert_eq!(months[1].1, months[0].2);
        assert_eq!(months[2].1, months[1].2);
        assert_eq!(months[2].2, crate::dates::london_midnight(to + Duration::days(1)));
    }

    #[test]
    fn values_read_plainly_in_the_csv_and_kindly_on_the_page() {
        assert_eq!(Value::Count(1_234_567).shown(), "1,234,567");
        assert_eq!(Value::Count(999).shown(), "999");
        assert_eq!(Value::Share(share(3, 4)).shown(), "75%");
        assert_eq!(Value::Share(share(3, 4)).plain(), "0.750");
        assert_eq!(Value::Share(share(1, 0)).plain(), "");
        assert_eq!(Value::Pence(1250).plain(), "12.50");
    }

    #[test]
    fn a_period_over_five_years_is_refused_naming_from() {
        let to = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert!(check_length(to - Duration::days(365 * 5), to).is_ok());
        assert_eq!(
            check_length(to - Duration::days(LONGEST_PERIOD_DAYS), to)
                .unwrap_err()
                .field,
            "from"
        );
    }
}
