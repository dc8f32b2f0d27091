//! The scheme's total of several organisations' funder reports: counts add up, and shares and
//! averages are worked out again from the added counts (never averaged), so the total reads as
//! one report would.

use super::report::FunderReport;

/// Adds `b` to `a` figure by figure, where each lists the same things in the same order.
fn add_counts<K: PartialEq + Clone>(a: &mut Vec<(K, u64)>, b: &[(K, u64)]) {
    for (key, n) in b {
        match a.iter_mut().find(|(k, _)| k == key) {
            Some((_, total)) => *total += n,
            None => a.push((key.clone(), *n)),
        }
    }
}

/// The average of two averages, each weighed by how many answers it is of.
fn weighed(a: Option<f64>, a_n: u64, b: Option<f64>, b_n: u64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    match (a, b) {
        (Some(a), Some(b)) if a_n + b_n > 0 => Some((a * a_n as f64 + b * b_n as f64) / (a_n + b_n) as f64),
        (Some(a), None) => Some(a),
        (None, b) => b,
        (a, _) => a,
    }
}

impl FunderReport {
    /// Adds `other` (another organisation's report over the same period) to this one.
    pub fn add(&mut self, other: &FunderReport) {
        let (people, o) = (&mut self.people, &other.people);
        people.supported += o.supported;
        people.borrowed += o.borrowed;
        people.learners += o.learners;
        for (mine, theirs) in people.barriers.iter_mut().zip(&o.barriers) {
            *mine += theirs;
        }
        let (loans, o) = (&mut self.loans, &other.loans);
        loans.issued += o.issued;
        loans.out += o.out;
        loans.devices_lent += o.devices_lent;
        loans.loan_days += o.loan_days;
        loans.returned += o.returned;
        loans.returned_on_time += o.returned_on_time;
        loans.lost += o.lost;
        let (training, o) = (&mut self.training, &other.training);
        training.sessions += o.sessions;
        training.attendances += o.attendances;
        training.absences += o.absences;
        training.excused += o.excused;
        for (mine, theirs) in self.skills.iter_mut().zip(&other.skills) {
            mine.measured += theirs.measured;
            mine.rose += theirs.rose;
        }
        self.repairs.closed += other.repairs.closed;
        self.repairs.fixed += other.repairs.fixed;
        self.repairs.cost_pence += other.repairs.cost_pence;
        add_counts(&mut self.retired, &other.retired);
        add_counts(&mut self.monthly, &other.monthly);
        self.gifts.given += other.gifts.given;
        self.gifts.after_loan += other.gifts.after_loan;
        self.connected.0 += other.connected.0;
        self.connected.1 += other.connected.1;
        let (said, o) = (&mut self.outcomes, &other.outcomes);
        said.confidence_before = weighed(
            said.confidence_before,
            said.confidence_pairs,
            o.confidence_before,
            o.confidence_pairs,
        );
        said.confidence_after = weighed(
            said.confidence_after,
            said.confidence_pairs,
            o.confidence_after,
            o.confidence_pairs,
        );
        said.asked += o.asked;
        said.answered += o.answered;
        said.answered_late += o.answered_late;
        said.still_using_late += o.still_using_late;
        said.confidence_pairs += o.confidence_pairs;
        add_counts(&mut said.helped, &o.helped);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_are_weighed_by_their_answers() {
        assert_eq!(weighed(Some(2.0), 1, Some(5.0), 2), Some(4.0));
        assert_eq!(weighed(None, 0, Some(3.0), 4), Some(3.0));
        assert_eq!(weighed(Some(3.0), 4, None, 0), Some(3.0));
        assert_eq!(weighed(None, 0, None, 0), None);
        let mut a = vec![("x", 1), ("y", 2)];
        add_counts(&mut a, &[("y", 3), ("z", 4)]);
        assert_eq!(a, [("x", 1), ("y", 5), ("z", 4)]);
    }
}
