//! The funder report's figures kept by London day, so that a period of any length reads a few
//! hundred small rows instead of every loan out in it. Pure arithmetic, no I/O: what one device's
//! loans, or one person's loans and attendances, add to the kept figures, and how a period's
//! figures are read back from them.
//!
//! Sums (loans made, returned, on time, lost, loan-days) add up day by day. Distinct counts
//! (devices lent, people) do not, so each key's days out are merged into runs: a key is out in
//! the days `[p, q]` when one of its runs overlaps them. Counting runs that overlap is two sums
//! (runs started by `q`, less runs ended before `p`); a key with two runs in the period is then
//! counted once for each, so each gap between a key's runs that lies wholly inside `[p, q]` is
//! taken away again. Gaps are kept by the pair of days they fall between.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// A London day, as days from the common era (`NaiveDate::num_days_from_ce`).
pub type Day = i32;

pub fn day_of(at: DateTime<Utc>) -> Day {
    crate::dates::today(at).num_days_from_ce()
}

pub fn day_number(date: NaiveDate) -> Day {
    date.num_days_from_ce()
}

/// One loan, as the report counts it (kept as a short array).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(from = "FactRow", into = "FactRow")]
pub struct LoanFact {
    /// The day it was made, and the instant (seconds since 1970).
    pub issued: Day,
    pub issued_at: i64,
    /// The last day it was out: the later of the day it was made, returned, or (still lost)
    /// reported lost. `None` while it is open.
    pub last: Option<Day>,
    /// When it ended for loan-days: its return, else its loss. `None` while open, and for a loan
    /// that ended with neither (a gift), which counts to the period's end when made in it.
    pub ended_at: Option<i64>,
    pub open: bool,
    /// The day it came back, and whether that was by its due date.
    pub returned: Option<(Day, bool)>,
    /// The day it was reported lost, while it is still lost.
    pub lost: Option<Day>,
}

type FactRow = (
    Day,
    i64,
    Option<Day>,
    Option<i64>,
    bool,
    Option<(Day, bool)>,
    Option<Day>,
);

impl From<FactRow> for LoanFact {
    fn from((issued, issued_at, out_until, ended_at, open, returned, still_lost): FactRow) -> Self {
        Self {
            issued,
            issued_at,
            last: out_until,
            ended_at,
            open,
            returned,
            lost: still_lost,
        }
    }
}

impl From<LoanFact> for FactRow {
    fn from(f: LoanFact) -> Self {
        (
            f.issued,
            f.issued_at,
            f.last,
            f.ended_at,
            f.open,
            f.returned,
            f.lost,
        )
    }
}

impl LoanFact {
    /// The loan as the funder report's queries count it: out from its issue until its return, or
    /// its loss while still lost; loan-days end at its return or loss.
    pub fn of(loan: &crate::entities::loan::Model) -> Self {
        use crate::loans::model::LoanStatus;
        let issued = day_of(loan.issued_at);
        let open = loan.status == LoanStatus::Open;
        let still_lost = if loan.status == LoanStatus::Lost {
            loan.lost_at.map(day_of)
        } else {
            None
        };
        let returned_day = loan.returned_at.map(day_of);
        let out_until = (!open).then(|| {
            issued
                .max(returned_day.unwrap_or(issued))
                .max(still_lost.unwrap_or(issued))
        });
        Self {
            issued,
            issued_at: loan.issued_at.timestamp(),
            last: out_until,
            ended_at: loan.returned_at.or(loan.lost_at).map(|at| at.timestamp()),
            open,
            returned: returned_day.map(|day| (day, loan.returned_on.is_some_and(|on| on <= loan.due_on))),
            lost: still_lost,
        }
    }

    /// Out until the period's end once made in it, as a gift is: not open, with no end instant.
    fn counts_to_period_end(self) -> bool {
        !self.open && self.ended_at.is_none()
    }

    pub fn days(&self) -> (Day, Option<Day>) {
        (self.issued, self.last)
    }
}

/// The columns of `loan_days`, in order.
pub const LOAN_COLUMNS: [&str; 10] = [
    "issued",
    "issued_secs",
    "closed",
    "ended",
    "ended_secs",
    "to_end",
    "to_end_secs",
    "returned",
    "on_time",
    "lost",
];

/// Where a kept figure lives: a row of `presence_days` (runs of `kind` that start and end on
/// `day`), of `presence_gaps` (gaps in `kind`'s runs from `after` to `before`), or of `loan_days`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cell {
    Runs { kind: String, day: Day },
    Gap { kind: String, after: Day, before: Day },
    Loans { day: Day },
}

/// Kept figures as changes to add: each cell's values in the order of its table's columns
/// (`starts, ends`; `n`; [`LOAN_COLUMNS`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally(pub HashMap<Cell, [i64; 10]>);

impl Tally {
    fn add(&mut self, cell: Cell, column: usize, n: i64) {
        if n != 0 {
            self.0.entry(cell).or_insert([0; 10])[column] += n;
        }
    }

    /// `self + sign * other`, dropping cells that come to nothing.
    pub fn merge(&mut self, other: &Tally, sign: i64) {
        for (cell, values) in &other.0 {
            let entry = self.0.entry(cell.clone()).or_insert([0; 10]);
            for (a, b) in entry.iter_mut().zip(values) {
                *a += sign * b;
            }
            // Only the cells this touched can have come to nothing: a batch merges a thousand
            // keys into one tally, and walking all of it each time would make that quadratic.
            if entry.iter().all(|v| *v == 0) {
                self.0.remove(cell);
            }
        }
    }

    fn loan(&mut self, fact: &LoanFact) {
        let day = |day| Cell::Loans { day };
        self.add(day(fact.issued), 0, 1);
        if let Some(last) = fact.last {
            self.add(day(last), 2, 1);
        }
        if fact.counts_to_period_end() {
            self.add(day(fact.issued), 5, 1);
            self.add(day(fact.issued), 6, fact.issued_at);
        } else {
            self.add(day(fact.issued), 1, fact.issued_at);
            if let Some(ended) = fact.ended_at {
                let on = day_of(DateTime::from_timestamp(ended, 0).unwrap_or_default());
                self.add(day(on), 3, 1);
                self.add(day(on), 4, ended);
            }
        }
        if let Some((on, on_time)) = fact.returned {
            self.add(day(on), 7, 1);
            self.add(day(on), 8, i64::from(on_time));
        }
        if let Some(on) = fact.lost {
            self.add(day(on), 9, 1);
        }
    }

    /// The runs `spans` merge into, kept under `kind`.
    fn runs(&mut self, kind: &str, spans: &[(Day, Option<Day>)]) {
        let mut previous: Option<Day> = None;
        for (first, last) in runs(spans) {
            let cell = |day| Cell::Runs {
                kind: kind.to_owned(),
                day,
            };
            self.add(cell(first), 0, 1);
            if let Some(last) = last {
                self.add(cell(last), 1, 1);
            }
            if let Some(after) = previous {
                let gap = Cell::Gap {
                    kind: kind.to_owned(),
                    after,
                    before: first,
                };
                self.add(gap, 0, 1);
            }
            previous = last;
        }
    }
}

/// Days out merged into runs, first day first: spans that overlap or touch become one. An open
/// span (`None`) runs on for ever.
pub fn runs(spans: &[(Day, Option<Day>)]) -> Vec<(Day, Option<Day>)> {
    let mut sorted = spans.to_vec();
    sorted.sort_unstable();
    let mut merged: Vec<(Day, Option<Day>)> = Vec::new();
    for (first, last) in sorted {
        match merged.last_mut() {
            Some((_, end)) if end.is_none_or(|end| first <= end + 1) => {
                *end = end.zip(last).map(|(a, b)| a.max(b));
            }
            _ => merged.push((first, last)),
        }
    }
    merged
}

/// What one device adds: its loans' sums, and its days out under `device`.
pub fn device_tally(loans: &[LoanFact]) -> Tally {
    let mut tally = Tally::default();
    for fact in loans {
        tally.loan(fact);
    }
    tally.runs("device", &loans.iter().map(LoanFact::days).collect::<Vec<_>>());
    tally
}

/// What one person adds at one organisation: their days with a loan out (`borrower`), those and
/// the days they came to a session (`person`), and the same again under each barrier they named.
pub fn person_tally(loans: &[(Day, Option<Day>)], attended: &[Day], barriers: &[&str]) -> Tally {
    let mut tally = Tally::default();
    tally.runs("borrower", loans);
    let mut supported = loans.to_vec();
    supported.extend(attended.iter().map(|day| (*day, Some(*day))));
    tally.runs("person", &supported);
    for code in barriers {
        tally.runs(&format!("barrier:{code}"), &supported);
    }
    tally
}

/// How many keys were out on some day of `[p, q]`, from the kept sums: runs started by `q`, less
/// runs ended before `p`, less gaps wholly inside.
pub fn distinct(started_by_q: i64, ended_before_p: i64, gaps_inside: i64) -> u64 {
    (started_by_q - ended_before_p - gaps_inside)
        .max(0)
        .unsigned_abs()
}

/// `loan_days` summed over the days before the period, and over the period's days.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoanSums {
    pub before: [i64; 10],
    pub within: [i64; 10],
}

/// The loan figures of the period `[from, to)` (London midnights), counted up to `end` (the
/// period's end, or now): `(made, out, loan-days, returned, on time, lost)`.
pub fn loan_figures(sums: &LoanSums, from: i64, end: i64) -> (u64, u64, f64, u64, u64, u64) {
    let [
        issued,
        issued_secs,
        _,
        ended,
        ended_secs,
        to_end,
        to_end_secs,
        returned,
        on_time,
        lost,
    ] = sums.within;
    let before = sums.before;
    let out_at_start = before[0] - before[5] - before[3];
    let out = before[0] + issued - before[2];
    let seconds = out_at_start * (end - from) + ((issued - to_end) * end - issued_secs)
        - (ended * end - ended_secs)
        + (to_end * end - to_end_secs);
    let n = |v: i64| v.max(0).unsigned_abs();
    #[allow(clippy::cast_precision_loss)]
    let days = seconds as f64 / 86_400.0;
    (n(issued), n(out), days, n(returned), n(on_time), n(lost))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: &str) -> Day {
        day_number(NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap())
    }

    #[test]
    fn spans_that_touch_or_overlap_become_one_run_and_an_open_one_runs_on() {
        let spans = [
            (day("2026-01-10"), Some(day("2026-01-12"))),
            (day("2026-01-13"), Some(day("2026-01-14"))),
            (day("2026-01-01"), Some(day("2026-01-03"))),
            (day("2026-01-02"), Some(day("2026-01-02"))),
            (day("2026-02-01"), None),
            (day("2026-03-01"), Some(day("2026-03-02"))),
        ];
        assert_eq!(
            runs(&spans),
            vec![
                (day("2026-01-01"), Some(day("2026-01-03"))),
                (day("2026-01-10"), Some(day("2026-01-14"))),
                (day("2026-02-01"), None),
            ]
        );
    }

    /// Every period of a short history: the kept sums give what counting the keys gives.
    #[test]
    fn distinct_counts_from_runs_and_gaps_equal_a_count_of_keys() {
        let keys: Vec<Vec<(Day, Option<Day>)>> = vec![
            vec![(1, Some(2)), (5, Some(5)), (9, None)],
            vec![(3, Some(3))],
            vec![(2, Some(4)), (7, Some(8))],
            vec![(6, None), (1, Some(1))],
        ];
        let mut tally = Tally::default();
        for spans in &keys {
            let mut one = Tally::default();
            one.runs("k", spans);
            tally.merge(&one, 1);
        }
        for p in 0..12 {
            for q in p..12 {
                let expected = keys
                    .iter()
                    .filter(|spans| spans.iter().any(|(a, b)| *a <= q && b.is_none_or(|b| b >= p)))
                    .count() as u64;
                let mut started = 0;
                let mut ended = 0;
                let mut gaps = 0;
                for (cell, v) in &tally.0 {
                    match cell {
                        Cell::Runs { day, .. } => {
                            started += if *day <= q { v[0] } else { 0 };
                            ended += if *day < p { v[1] } else { 0 };
                        }
                        Cell::Gap { after, before, .. } if *after >= p && *before <= q => gaps += v[0],
                        _ => {}
                    }
                }
                assert_eq!(distinct(started, ended, gaps), expected, "days {p}..={q}");
            }
        }
    }

    #[test]
    fn a_tally_taken_from_itself_comes_to_nothing() {
        let fact = LoanFact {
            issued: 10,
            issued_at: 1_000,
            last: Some(12),
            ended_at: Some(2_000),
            open: false,
            returned: Some((12, true)),
            lost: None,
        };
        let mut tally = device_tally(&[fact]);
        assert!(!tally.0.is_empty());
        tally.merge(&device_tally(&[fact]), -1);
        assert!(tally.0.is_empty());
    }
}
