//! The one list of figures (a stable key, a label and a value) that the page, the CSV and the PDF
//! all show, and the CSV written from it.

use super::report::FunderReport;
use crate::{
    people::model::BARRIERS,
    reports::model::{BOM, Sheet},
};

/// A figure's value: shown one way to people and written plainly to the CSV.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Count(u64),
    /// A share from 0 to 1; `None` when there was nothing to share out.
    Share(Option<f64>),
    Pence(i64),
    /// An average score out of 5; `None` when nobody gave one.
    OutOfFive(Option<f64>),
    Text(String),
}

impl Value {
    /// As the page and the PDF show it: `1,234`, `75%`, `£12.50`, `none yet`.
    pub fn shown(&self) -> String {
        match self {
            Value::Count(n) => thousands(*n),
            Value::Share(Some(share)) => format!("{}%", (share * 100.0).round()),
            Value::Share(None) | Value::OutOfFive(None) => "none yet".to_owned(),
            Value::Pence(pence) => crate::money::pounds(*pence),
            Value::OutOfFive(Some(score)) => format!("{score:.1} of 5"),
            Value::Text(text) => text.clone(),
        }
    }

    /// As the CSV holds it: `1234`, `0.750`, `12.50`, empty for no share.
    pub fn plain(&self) -> String {
        match self {
            Value::Count(n) => n.to_string(),
            Value::Share(Some(share)) => format!("{share:.3}"),
            Value::Share(None) | Value::OutOfFive(None) => String::new(),
            Value::Pence(pence) => crate::money::pounds(*pence).trim_start_matches('£').to_owned(),
            Value::OutOfFive(Some(score)) => format!("{score:.1}"),
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
    /// What people said when asked how it went.
    fn outcome_figures(&self) -> Vec<Figure> {
        use Value::{Count, OutOfFive, Share};
        let said = &self.outcomes;
        let mut figures = vec![
            figure("outcomes.asked", "People asked how it went", Count(said.asked)),
            figure("outcomes.answered", "Answers", Count(said.answered)),
            figure(
                "outcomes.still_using_3_months",
                "Still using it at three months",
                Share(share(said.still_using_late, said.answered_late)),
            ),
        ];
        for (area, n) in &said.helped {
            figures.push(figure(
                format!("outcomes.helped.{}", area.as_str()),
                format!("Said it helped with: {}", area.label().to_lowercase()),
                Count(*n),
            ));
        }
        figures.extend([
            figure(
                "outcomes.confidence_pairs",
                "Answers with confidence before and now",
                Count(said.confidence_pairs),
            ),
            figure(
                "outcomes.confidence_before",
                "Average confidence before",
                OutOfFive(said.confidence_before),
            ),
            figure(
                "outcomes.confidence_now",
                "Average confidence now",
                OutOfFive(said.confidence_after),
            ),
        ]);
        figures
    }

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
            figure("gifts.given", "Devices given to keep", Count(self.gifts.given)),
            figure(
                "gifts.after_loan",
                "Of them, loans that became gifts",
                Count(self.gifts.after_loan),
            ),
            figure(
                "sims.people_connected",
                "People connected with a SIM with data",
                Count(self.connected.0),
            ),
            figure("sims.given", "SIMs with data given", Count(self.connected.1)),
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
        let outcomes = self.outcome_figures();
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
                heading: "Outcomes",
                figures: outcomes,
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

    /// The CSV of the scheme: `figure,label,value`, `value` this organisation's, then a column
    /// for each organisation of `by_organisation` (its name at the head), the total last.
    pub fn csv_by_organisation(&self, by_organisation: &[FunderReport]) -> Vec<u8> {
        let mut sheet = Sheet::default();
        let mut head = vec!["figure".to_owned(), "label".to_owned(), "value".to_owned()];
        head.extend(by_organisation.iter().map(|r| r.organisation.clone()));
        sheet.row(head);
        let columns: Vec<std::collections::HashMap<String, String>> = by_organisation
            .iter()
            .map(|r| {
                r.sections()
                    .into_iter()
                    .flat_map(|s| s.figures)
                    .map(|f| (f.key, f.value.plain()))
                    .collect()
            })
            .collect();
        let period = [
            ("period.from", "From", self.from.to_string()),
            ("period.to", "To", self.to.to_string()),
        ];
        for (key, label, value) in period {
            let mut row = vec![key.to_owned(), label.to_owned(), value.clone()];
            row.extend(by_organisation.iter().map(|_| value.clone()));
            sheet.row(row);
        }
        for section in self.sections() {
            for figure in section.figures {
                let mut row = vec![figure.key.clone(), figure.label, figure.value.plain()];
                row.extend(
                    columns
                        .iter()
                        .map(|c| c.get(&figure.key).cloned().unwrap_or_default()),
                );
                sheet.row(row);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_plainly_in_the_csv_and_kindly_on_the_page() {
        assert_eq!(Value::Count(1_234_567).shown(), "1,234,567");
        assert_eq!(Value::Count(999).shown(), "999");
        assert_eq!(Value::Share(share(3, 4)).shown(), "75%");
        assert_eq!(Value::Share(share(3, 4)).plain(), "0.750");
        assert_eq!(Value::Share(share(1, 0)).plain(), "");
        assert_eq!(Value::Pence(1250).plain(), "12.50");
    }
}
