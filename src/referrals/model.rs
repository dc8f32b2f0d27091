//! What a referral says and how it is checked: the person, what they need, the scheme's
//! eligibility questions (after the National Databank's) and the priority their answers give.

use std::collections::BTreeMap;

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    auth::model::parse_email,
    enums::string_enum,
    error::FieldError,
    organisations::model::parse_name,
    people::model::{BorrowerDetails, BorrowerRequest, ConsentRequest, Consents, parse_phone},
    validate::optional_text,
};

string_enum!(
    /// What a referred person needs.
    Need, "needs" {
        Laptop = "laptop" / "Laptop",
        Tablet = "tablet" / "Tablet",
        Mifi = "mifi" / "MiFi (internet at home)",
        Sim = "sim" / "SIM with data only",
    }
);

string_enum!(
    /// Where a referral is.
    ReferralStatus, "status" { New = "new" / "New", Accepted = "accepted" / "Accepted", Declined = "declined" / "Declined" }
);

impl Need {
    /// The kind of device a person waits for, for a need that is a device.
    pub fn device(self) -> Option<crate::devices::model::DeviceKind> {
        use crate::devices::model::DeviceKind;
        match self {
            Need::Laptop => Some(DeviceKind::Laptop),
            Need::Tablet => Some(DeviceKind::Tablet),
            Need::Mifi => Some(DeviceKind::Mifi),
            Need::Sim => None,
        }
    }
}

/// A person's answers to the scheme's eligibility questions, by the question's key: each yes or
/// no.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = DefaultAnswers)]
pub struct Answers(pub BTreeMap<String, bool>);

/// The answers to the default questions (after the National Databank's). A scheme that sets its
/// own questions takes its own keys instead.
#[allow(clippy::struct_excessive_bools)] // one answer a question
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DefaultAnswers {
    /// 18 or over.
    pub over_18: bool,
    /// On a low income (benefits, a pension credit, or similar).
    pub low_income: bool,
    /// No internet, or not enough, at home or away from it.
    pub no_internet: bool,
    /// Cannot afford a contract or top-ups.
    pub cannot_afford: bool,
}

impl Answers {
    pub fn get(&self, key: &str) -> bool {
        self.0.get(key).copied().unwrap_or(false)
    }

    /// Every question the referral was asked answered yes: the scheme's criteria were met.
    pub fn all_yes(&self) -> bool {
        !self.0.is_empty() && self.0.values().all(|yes| *yes)
    }
}

/// One eligibility question: its key in `answers`, its words on the form, and what a yes adds to
/// the referral's priority (a higher priority waits less).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Question {
    #[schema(pattern = r"^[a-z][a-z0-9_]{0,39}$")]
    pub key: String,
    #[schema(format = "line", min_length = 1, max_length = 200)]
    pub question: String,
    #[schema(minimum = 0, maximum = 100)]
    pub weight: i32,
}

/// The scheme's eligibility questions, in form order: its own, or the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eligibility(Vec<Question>);

/// Names the referral form already uses for its own fields: a question's key cannot be one.
const RESERVED_KEYS: [&str; 9] = [
    "name", "email", "phone", "address", "postcode", "needs", "hub_id", "reasons", "answers",
];

/// The most questions a scheme may ask.
pub const MOST_QUESTIONS: usize = 12;

impl Default for Eligibility {
    /// After the National Databank's: 18 or over, a low income, no internet, cannot afford it.
    fn default() -> Self {
        let q = |key: &str, question: &str, weight| Question {
            key: key.to_owned(),
            question: question.to_owned(),
            weight,
        };
        Self(vec![
            q("over_18", "Are they 18 or over?", 0),
            q(
                "low_income",
                "Are they on a low income (for example, on benefits)?",
                3,
            ),
            q(
                "no_internet",
                "Do they have no internet, or not enough, at home or when out?",
                2,
            ),
            q(
                "cannot_afford",
                "Are they unable to afford a phone contract or top-ups?",
                2,
            ),
        ])
    }
}

impl Eligibility {
    /// The questions as stored (JSON), or the defaults when the scheme has set none.
    pub fn stored(text: Option<&str>) -> Self {
        text.and_then(|t| serde_json::from_str::<Vec<Question>>(t).ok())
            .filter(|q| !q.is_empty())
            .map_or_else(Self::default, Self)
    }

    /// Checks questions a scheme sets: one to `MOST_QUESTIONS`, each key once, lower case.
    ///
    /// # Errors
    /// A `FieldError` for `eligibility` saying what is wrong.
    pub fn new(questions: Vec<Question>) -> Result<Self, FieldError> {
        let bad = |message: String| FieldError::new("eligibility", message);
        if questions.is_empty() || questions.len() > MOST_QUESTIONS {
            return Err(bad(format!("ask from 1 to {MOST_QUESTIONS} questions")));
        }
        let mut checked: Vec<Question> = Vec::with_capacity(questions.len());
        for q in questions {
            let key = q.key.trim().to_owned();
            let valid_key = (1..=40).contains(&key.len())
                && key.starts_with(|c: char| c.is_ascii_lowercase())
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid_key {
                return Err(bad(format!(
                    "{key:?} is not a question key: use lower-case letters, digits and _, like low_income"
                )));
            }
            if RESERVED_KEYS.contains(&key.as_str())
                || key.starts_with("referrer")
                || key.starts_with("consent")
            {
                return Err(bad(format!(
                    "{key} is a field the referral form already has: choose another key"
                )));
            }
            if checked.iter().any(|c| c.key == key) {
                return Err(bad(format!("the key {key} is used twice")));
            }
            let question =
                crate::validate::required_text("eligibility", "the question", Some(&q.question), 200)?;
            if question.contains(['|', '\n', '\r']) {
                return Err(bad(format!(
                    "the question for {key} must be one line without a |"
                )));
            }
            if !(0..=100).contains(&q.weight) {
                return Err(bad(format!("the weight of {key} must be from 0 to 100")));
            }
            checked.push(Question {
                key,
                question,
                weight: q.weight,
            });
        }
        Ok(Self(checked))
    }

    /// Reads the settings form's lines, `key | question | weight`, one question a line.
    ///
    /// # Errors
    /// A `FieldError` for `eligibility` naming the line.
    pub fn from_lines(text: &str) -> Result<Self, FieldError> {
        let mut questions = Vec::new();
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            let weight = parts.get(2).and_then(|w| w.parse::<i32>().ok());
            let (Some(key), Some(question), Some(weight), 3) =
                (parts.first(), parts.get(1), weight, parts.len())
            else {
                return Err(FieldError::new(
                    "eligibility",
                    format!(
                        "line {} must be key | question | weight, like low_income | Are they on a low income? | 3",
                        n + 1
                    ),
                ));
            };
            questions.push(Question {
                key: (*key).to_owned(),
                question: (*question).to_owned(),
                weight,
            });
        }
        Self::new(questions)
    }

    pub fn to_lines(&self) -> String {
        self.0
            .iter()
            .map(|q| format!("{} | {} | {}", q.key, q.question, q.weight))
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "[]".to_owned())
    }

    pub fn questions(&self) -> &[Question] {
        &self.0
    }

    /// Every question answered, and nothing else.
    ///
    /// # Errors
    /// A `FieldError` for `answers.{key}` naming the first question not answered or not asked.
    pub fn check(&self, answers: &Answers) -> Result<(), FieldError> {
        if let Some(q) = self.0.iter().find(|q| !answers.0.contains_key(&q.key)) {
            return Err(FieldError::new(
                format!("answers.{}", q.key),
                format!("answer the question: {}", q.question),
            ));
        }
        if let Some(key) = answers.0.keys().find(|k| !self.0.iter().any(|q| &q.key == *k)) {
            return Err(FieldError::new(
                format!("answers.{key}"),
                format!("{key} is not one of the scheme's questions"),
            ));
        }
        Ok(())
    }

    /// Every question answered yes: the scheme's criteria are met.
    pub fn eligible(&self, answers: &Answers) -> bool {
        self.0.iter().all(|q| answers.get(&q.key))
    }

    /// The sum of the weights of the questions answered yes.
    pub fn priority(&self, answers: &Answers) -> i32 {
        self.0
            .iter()
            .filter(|q| answers.get(&q.key))
            .map(|q| q.weight)
            .sum()
    }
}

/// Who made the referral.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReferrerRequest {
    #[schema(value_type = String, required = true, format = "line", min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(value_type = String, required = true, format = "line", min_length = 1, max_length = 100)]
    pub organisation: Option<String>,
    #[schema(pattern = r"^[^\s@]+@[^\s@.][^\s@]*\.[^\s@]*[^\s@.]$", max_length = 254)]
    pub email: Option<String>,
    #[schema(pattern = r"^\+?[0-9]{10,15}$")]
    pub phone: Option<String>,
}

/// `POST /referrals` and the referral form, before checking.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralRequest {
    #[schema(value_type = String, required = true, format = "line", min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(pattern = r"^[^\s@]+@[^\s@.][^\s@]*\.[^\s@]*[^\s@.]$", max_length = 254)]
    pub email: Option<String>,
    #[schema(pattern = r"^\+?[0-9]{10,15}$")]
    pub phone: Option<String>,
    #[schema(max_length = 500)]
    pub address: Option<String>,
    #[schema(pattern = r"^[A-Z]{1,2}[0-9]{1,2} [0-9][A-Z]{2}$")]
    pub postcode: Option<String>,
    #[schema(value_type = Vec<Need>, required = true, min_items = 1, max_items = 4)]
    pub needs: Option<Vec<String>>,
    pub hub_id: Option<i32>,
    #[schema(required = true)]
    pub answers: Option<Answers>,
    /// Why they need it, in the referrer's words.
    #[schema(max_length = 1000)]
    pub reasons: Option<String>,
    #[schema(required = true)]
    pub referrer: Option<ReferrerRequest>,
    /// `loan` must be true: the person agreed to the scheme keeping their details to lend to them.
    #[schema(required = true)]
    pub consent: Option<ConsentRequest>,
}

/// A referral, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    pub person: BorrowerDetails,
    pub consents: Consents,
    pub needs: Vec<Need>,
    pub hub_id: Option<i32>,
    pub answers: Answers,
    pub reasons: Option<String>,
    pub referrer_name: String,
    pub referrer_organisation: String,
    pub referrer_email: Option<String>,
    pub referrer_phone: Option<String>,
}

impl ReferralRequest {
    /// Checks every field, naming each one that is wrong, in form order.
    pub fn parse(&self) -> Result<Referral, Vec<FieldError>> {
        let person = BorrowerRequest {
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            address: self.address.clone(),
            postcode: self.postcode.clone(),
            consent: self.consent.clone(),
            ..BorrowerRequest::default()
        };
        let mut errors = Vec::new();
        let details = person
            .parse_new()
            .map_err(|e| {
                // A referral names the purpose as `consent.loan`, as its schema does.
                errors.extend(e.into_iter().map(|error| match error.field.as_str() {
                    "consent.data_processing" => FieldError::new("consent.loan", error.message),
                    _ => error,
                }));
            })
            .ok();
        let mut needs = Vec::new();
        for need in self.needs.as_deref().unwrap_or_default() {
            match Need::parse(need) {
                Ok(need) if !needs.contains(&need) => needs.push(need),
                Ok(_) => {}
                Err(error) => errors.push(error),
            }
        }
        if needs.is_empty() && self.needs.as_ref().is_none_or(Vec::is_empty) {
            errors.push(FieldError::new(
                "needs",
                "choose what they need: a laptop, a tablet, a MiFi or a SIM",
            ));
        }
        if self.answers.is_none() {
            errors.push(FieldError::new(
                "answers",
                "answer each of the eligibility questions",
            ));
        }
        let reasons = optional_text("reasons", "why they need it", self.reasons.as_deref(), 1000)
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let referrer = self.referrer.clone().unwrap_or_default();
        let referrer_name = parse_name(
            "referrer.name",
            "your name",
            referrer.name.as_deref().unwrap_or_default(),
            100,
        )
        .map_err(|e| errors.push(e))
        .ok();
        let referrer_organisation = parse_name(
            "referrer.organisation",
            "your organisation",
            referrer.organisation.as_deref().unwrap_or_default(),
            100,
        )
        .map_err(|e| errors.push(e))
        .ok();
        let referrer_email = referrer
            .email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(|e| parse_email("referrer.email", e))
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let referrer_phone = referrer
            .phone
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(|p| parse_phone(p).map_err(|e| FieldError::new("referrer.phone", e.message)))
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        match (details, referrer_name, referrer_organisation) {
            (Some(person), Some(referrer_name), Some(referrer_organisation)) if errors.is_empty() => {
                let consents = self.consent.clone().unwrap_or_default().for_new(&person);
                Ok(Referral {
                    person,
                    consents,
                    needs,
                    hub_id: self.hub_id,
                    answers: self.answers.clone().unwrap_or_default(),
                    reasons,
                    referrer_name,
                    referrer_organisation,
                    referrer_email,
                    referrer_phone,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_key_is_not_one_of_the_form_s_own_fields_and_a_question_is_one_line() {
        let q = |key: &str, question: &str| Question {
            key: key.to_owned(),
            question: question.to_owned(),
            weight: 1,
        };
        for key in ["address", "name", "consent", "referrer_name"] {
            assert!(Eligibility::new(vec![q(key, "Is it?")]).is_err(), "{key}");
        }
        assert!(Eligibility::new(vec![q("carer", "A | B?")]).is_err());
        assert!(Eligibility::new(vec![q("carer", "Line\nbreak?")]).is_err());
        assert!(Eligibility::new(vec![q("carer", "Are they a carer?")]).is_ok());
    }

    fn answers(given: &[(&str, bool)]) -> Answers {
        Answers(given.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect())
    }

    fn request() -> ReferralRequest {
        ReferralRequest {
            name: Some("Margaret Example".into()),
            phone: Some("01234 567890".into()),
            needs: Some(vec!["tablet".into()]),
            answers: Some(answers(&[
                ("over_18", true),
                ("low_income", true),
                ("no_internet", true),
                ("cannot_afford", false),
            ])),
            referrer: Some(ReferrerRequest {
                name: Some("Sam Coach".into()),
                organisation: Some("Jobcentre Plus".into()),
                email: Some("sam@jobcentre.example".into()),
                phone: None,
            }),
            consent: Some(ConsentRequest {
                loan: Some(true),
                ..ConsentRequest::default()
            }),
            ..ReferralRequest::default()
        }
    }

    #[test]
    fn a_referral_is_read_with_its_priority_from_the_answers() {
        let referral = request().parse().unwrap();
        assert_eq!(referral.needs, [Need::Tablet]);
        let defaults = Eligibility::default();
        assert_eq!(defaults.check(&referral.answers), Ok(()));
        assert_eq!(defaults.priority(&referral.answers), 5);
        assert!(!defaults.eligible(&referral.answers));
        assert!(referral.consents.loan && referral.consents.phone_reminders);
        assert_eq!(referral.referrer_email.as_deref(), Some("sam@jobcentre.example"));
    }

    #[test]
    fn each_missing_part_is_named() {
        let empty = ReferralRequest::default().parse().unwrap_err();
        let fields: Vec<&str> = empty.iter().map(|e| e.field.as_str()).collect();
        for field in [
            "name",
            "needs",
            "answers",
            "referrer.name",
            "referrer.organisation",
        ] {
            assert!(fields.contains(&field), "{field} in {fields:?}");
        }
        let bad_need = ReferralRequest {
            needs: Some(vec!["phone".into()]),
            ..request()
        };
        assert_eq!(bad_need.parse().unwrap_err()[0].field, "needs");
    }

    #[test]
    fn a_scheme_sets_its_own_questions_and_weights() {
        let own = Eligibility::from_lines(
            "over_18 | Are they 18 or over? | 0\n\ncare_leaver | Have they left care in the last five years? | 5\n",
        )
        .unwrap();
        assert_eq!(own.questions().len(), 2);
        assert_eq!(Eligibility::from_lines(&own.to_lines()), Ok(own.clone()));
        assert_eq!(Eligibility::stored(Some(&own.to_json())), own);
        let said = answers(&[("over_18", true), ("care_leaver", true)]);
        assert_eq!(
            (own.check(&said), own.priority(&said), own.eligible(&said)),
            (Ok(()), 5, true)
        );
        assert_eq!(
            own.check(&answers(&[("over_18", true)])).unwrap_err().field,
            "answers.care_leaver"
        );
        assert_eq!(
            own.check(&answers(&[
                ("over_18", true),
                ("care_leaver", true),
                ("low_income", true)
            ]))
            .unwrap_err()
            .field,
            "answers.low_income"
        );
        for bad in [
            "",
            "Over 18 | Old enough? | 1",
            "a | b",
            "a | b | 101",
            "a | b | 1\na | c | 2",
        ] {
            assert!(Eligibility::from_lines(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Eligibility::stored(None), Eligibility::default());
    }
}
