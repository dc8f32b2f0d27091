//! Everything one agreement says, drawn from the facts of its loan and the terms, ready to be
//! drawn as a PDF or shown as a page.

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    signing::Acceptance,
    terms::{Section, Terms},
};
use crate::dates::long_date;

/// Everything one agreement says, ready to be drawn as a PDF or a page.
#[derive(Debug, Clone)]
pub struct AgreementDoc {
    pub loan_id: i32,
    pub organisation: String,
    pub borrower: String,
    /// "Laptop: Lenovo ThinkPad T480"
    pub device: String,
    pub asset_tag: String,
    pub due_on: NaiveDate,
    /// Label and value pairs: who, what, when.
    pub facts: Vec<(&'static str, String)>,
    pub sections: Vec<Section>,
    pub terms_version: String,
    pub large_print: bool,
    pub acceptance: Option<Acceptance>,
}

/// The facts of a loan, as an agreement states them.
#[derive(Debug, Clone)]
pub struct LoanFacts {
    pub loan_id: i32,
    pub organisation: String,
    pub organisation_phone: Option<String>,
    pub organisation_email: Option<String>,
    pub hub_name: String,
    pub hub_address: Option<String>,
    pub borrower: String,
    pub large_print: bool,
    pub kind: String,
    pub make_model: String,
    pub asset_tag: String,
    pub serial_number: Option<String>,
    pub accessories: Vec<String>,
    pub issued_at: DateTime<Utc>,
    pub due_on: NaiveDate,
}

impl AgreementDoc {
    pub fn new(facts: LoanFacts, terms: &Terms, acceptance: Option<Acceptance>) -> Self {
        let due_date = long_date(facts.due_on);
        let hub = match &facts.hub_address {
            Some(address) => format!("{}, {address}", facts.hub_name),
            None => facts.hub_name.clone(),
        };
        let sections = terms.fill(&facts.organisation, &facts.hub_name, &due_date);
        let accessories = if facts.accessories.is_empty() {
            "Nothing else".to_owned()
        } else {
            facts.accessories.join(", ")
        };
        let device = format!("{}: {}", facts.kind, facts.make_model);
        Self {
            loan_id: facts.loan_id,
            organisation: facts.organisation.clone(),
            borrower: facts.borrower.clone(),
            device: device.clone(),
            asset_tag: facts.asset_tag.clone(),
            due_on: facts.due_on,
            facts: vec![
                ("Borrower", facts.borrower),
                (
                    "Lent by",
                    [
                        Some(facts.organisation),
                        facts.organisation_phone.map(|p| format!("phone {p}")),
                        facts.organisation_email.map(|e| format!("email {e}")),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", "),
                ),
                ("Hub", hub),
                ("Device", device),
                ("Asset tag", facts.asset_tag),
                (
                    "Serial number",
                    facts.serial_number.unwrap_or_else(|| "Not recorded".to_owned()),
                ),
                ("Comes with", accessories),
                ("Lent on", long_date(crate::dates::today(facts.issued_at))),
                ("Bring it back by", due_date),
                ("Loan number", facts.loan_id.to_string()),
            ],
            sections,
            terms_version: terms.version.clone(),
            large_print: facts.large_print,
            acceptance,
        }
    }

    /// The sentence under the title.
    pub fn summary(&self) -> String {
        format!(
            "{} lends {} this {} until {}. Please read this agreement. It says what you and we agree to.",
            self.organisation,
            self.borrower,
            self.device.split(':').next().unwrap_or("device").to_lowercase(),
            long_date(self.due_on)
        )
    }

    /// Every piece of text the document prints, for choosing its fonts.
    pub fn texts(&self) -> Vec<&str> {
        let mut texts: Vec<&str> = vec![&self.organisation, &self.borrower, &self.device];
        texts.extend(self.facts.iter().map(|(_, v)| v.as_str()));
        for section in &self.sections {
            texts.push(&section.heading);
            texts.extend(section.paragraphs.iter().map(String::as_str));
        }
        if let Some(acceptance) = &self.acceptance {
            texts.push(&acceptance.signed_name);
            texts.push(&acceptance.staff_name);
        }
        texts
    }
}
