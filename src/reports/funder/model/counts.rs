//! Figures worked out from the database's answers: each learner's skills progress, the months a
//! period touches, and devices retired by every disposal method.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::report::SkillsProgress;
use crate::{loans::model::DISPOSAL_METHODS, training::model::SkillsArea};

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
}
