//! The device state machine and the rules for loans: which transition may happen in which status,
//! what a request to issue, return, check, extend or report lost must hold. A device is issued
//! only when available; a returned or found one waits for its checks (data wiped) before it is
//! available again; repairs and retirement start from available or awaiting checks; every other
//! move is refused with a 409 naming the current status.

use chrono::NaiveDate;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    devices::model::{Condition, DeviceKind, DeviceStatus},
    error::{AppError, FieldError},
};

/// A move of a device from one status to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    Issue,
    Return,
    ReportLost,
    /// Not found where it should be, at a stocktake.
    ReportMissing,
    Found,
    RecordChecks,
    OpenRepair,
    CloseRepairFixed,
    CloseRepairUnrepairable,
    Retire,
    /// Ownership passes to the borrower.
    Gift,
}

impl Transition {
    pub const ALL: [Transition; 11] = [
        Transition::Issue,
        Transition::Return,
        Transition::ReportLost,
        Transition::ReportMissing,
        Transition::Found,
        Transition::RecordChecks,
        Transition::OpenRepair,
        Transition::CloseRepairFixed,
        Transition::CloseRepairUnrepairable,
        Transition::Retire,
        Transition::Gift,
    ];

    /// The status a device moves to, when `from` allows this transition.
    pub fn target(self, from: DeviceStatus) -> Option<DeviceStatus> {
        use DeviceStatus::{Available, AwaitingChecks, Gifted, InRepair, Lost, OnLoan, Retired};
        match (self, from) {
            (Transition::Issue, Available) => Some(OnLoan),
            (Transition::Return, OnLoan) | (Transition::Found, Lost) => Some(AwaitingChecks),
            (Transition::ReportLost, OnLoan) | (Transition::ReportMissing, Available | AwaitingChecks) => {
                Some(Lost)
            }
            (Transition::RecordChecks, AwaitingChecks) | (Transition::CloseRepairFixed, InRepair) => {
                Some(Available)
            }
            (Transition::OpenRepair, Available | AwaitingChecks) => Some(InRepair),
            (Transition::CloseRepairUnrepairable, InRepair)
            | (Transition::Retire, Available | AwaitingChecks) => Some(Retired),
            (Transition::Gift, OnLoan | Available) => Some(Gifted),
            _ => None,
        }
    }

    /// What staff were trying to do, for the refusal.
    fn verb(self) -> &'static str {
        match self {
            Transition::Issue => "issue",
            Transition::Return => "return",
            Transition::ReportLost => "report as lost",
            Transition::ReportMissing => "report as missing",
            Transition::Found => "record as found",
            Transition::RecordChecks => "record checks for",
            Transition::OpenRepair => "send for repair",
            Transition::CloseRepairFixed | Transition::CloseRepairUnrepairable => "close a repair of",
            Transition::Retire => "retire",
            Transition::Gift => "give away",
        }
    }

    /// The status after this transition, or the 409 that names the current status.
    pub fn apply(self, tag: &str, from: DeviceStatus) -> Result<DeviceStatus, AppError> {
        self.target(from).ok_or_else(|| AppError::Conflict {
            code: if self == Transition::Issue {
                "device_not_available"
            } else {
                "invalid_transition"
            },
            message: format!(
                "cannot {} {tag}: it is {}",
                self.verb(),
                from.label().to_lowercase()
            ),
        })
    }
}

/// A loan's status.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum LoanStatus {
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "returned")]
    Returned,
    #[sea_orm(string_value = "lost")]
    Lost,
    /// It became a gift: the device is theirs.
    #[sea_orm(string_value = "gifted")]
    Gifted,
}

impl LoanStatus {
    pub fn label(self) -> &'static str {
        match self {
            LoanStatus::Open => "On loan",
            LoanStatus::Returned => "Returned",
            LoanStatus::Lost => "Lost",
            LoanStatus::Gifted => "Given to them",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LoanStatus::Open => "open",
            LoanStatus::Returned => "returned",
            LoanStatus::Lost => "lost",
            LoanStatus::Gifted => "gifted",
        }
    }
}

/// How a repair ended.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum RepairOutcome {
    #[sea_orm(string_value = "fixed")]
    Fixed,
    #[sea_orm(string_value = "unrepairable")]
    Unrepairable,
}

impl RepairOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fixed => "fixed",
            Self::Unrepairable => "unrepairable",
        }
    }

    pub fn parse(text: Option<&str>) -> Result<Self, FieldError> {
        match text.map(str::trim) {
            Some("fixed") => Ok(Self::Fixed),
            Some("unrepairable") => Ok(Self::Unrepairable),
            _ => Err(FieldError::new(
                "outcome",
                "choose the outcome: fixed or unrepairable",
            )),
        }
    }

    pub fn transition(self) -> Transition {
        match self {
            Self::Fixed => Transition::CloseRepairFixed,
            Self::Unrepairable => Transition::CloseRepairUnrepairable,
        }
    }
}

/// The longest a loan may run from its issue date.
pub const MAX_LOAN_DAYS: i64 = 366;

/// Reads a due date: `YYYY-MM-DD`, not before `today`, at most a year ahead.
pub fn parse_due_on(field: &str, text: Option<&str>, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    let text = text
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| FieldError::new(field, "enter the date it is due back"))?;
    let date =
        crate::dates::parse_date(text).ok_or_else(|| FieldError::new(field, crate::dates::DATE_HINT))?;
    if date < today {
        return Err(FieldError::new(
            field,
            "the date it is due back cannot be in the past",
        ));
    }
    if (date - today).num_days() > MAX_LOAN_DAYS {
        return Err(FieldError::new(
            field,
            "the date it is due back must be within a year",
        ));
    }
    Ok(date)
}

/// The accessories issued that did not come back.
pub fn missing_accessories(issued: &[String], returned: &[String]) -> Vec<String> {
    issued
        .iter()
        .filter(|a| !returned.iter().any(|r| r.eq_ignore_ascii_case(a)))
        .cloned()
        .collect()
}

/// How a device's data was wiped before it is lent again.
pub const WIPE_METHODS: [(&str, &str); 6] = [
    ("factory_reset", "Factory reset"),
    ("windows_reset", "Windows \"Reset this PC\" (remove everything)"),
    ("chromeos_powerwash", "ChromeOS Powerwash"),
    ("ios_erase", "iPadOS \"Erase All Content and Settings\""),
    (
        "secure_erase_software",
        "Secure erase software (certificate kept)",
    ),
    ("mifi_reset", "MiFi reset to factory settings"),
];

/// The wipe methods that fit a kind of device, in the order a form offers them: a laptop is not
/// offered iPadOS's erase, nor a MiFi Windows' reset.
pub fn wipe_methods_for(kind: DeviceKind) -> Vec<(&'static str, &'static str)> {
    let codes: &[&str] = match kind {
        DeviceKind::Laptop => &[
            "windows_reset",
            "chromeos_powerwash",
            "factory_reset",
            "secure_erase_software",
        ],
        DeviceKind::Tablet => &["ios_erase", "factory_reset", "secure_erase_software"],
        DeviceKind::Mifi => &["mifi_reset", "factory_reset"],
    };
    codes
        .iter()
        .filter_map(|code| WIPE_METHODS.iter().find(|(value, _)| value == code).copied())
        .collect()
}

/// How a device of `kind` was wiped: one of [`wipe_methods_for`] it.
pub fn parse_wipe_method(kind: DeviceKind, text: Option<&str>) -> Result<String, FieldError> {
    let text = text.map(str::trim).unwrap_or_default();
    wipe_methods_for(kind)
        .iter()
        .find(|(value, _)| *value == text)
        .map(|(value, _)| (*value).to_owned())
        .ok_or_else(|| {
            let labels: Vec<&str> = wipe_methods_for(kind).iter().map(|(_, label)| *label).collect();
            FieldError::new(
                "wipe_method",
                format!("choose how its data was wiped: {}", labels.join("; ")),
            )
        })
}

pub fn wipe_method_label(value: &str) -> &str {
    crate::enums::label_in(&WIPE_METHODS, value)
}

pub fn disposal_label(value: &str) -> &str {
    crate::enums::label_in(&DISPOSAL_METHODS, value)
}

/// How a retired device left the scheme.
pub const DISPOSAL_METHODS: [(&str, &str); 4] = [
    ("recycled", "Recycled (WEEE)"),
    ("donated", "Donated on"),
    ("returned_to_supplier", "Returned to the supplier"),
    ("destroyed", "Destroyed (data-bearing parts shredded)"),
];

pub fn parse_condition(text: Option<&str>) -> Result<Condition, FieldError> {
    match text.map(str::trim) {
        None | Some("") => Err(FieldError::new("condition", "choose the condition it is in")),
        Some(text) => Condition::parse(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeviceStatus::{Available, AwaitingChecks, Gifted, InRepair, Lost, OnLoan, Retired};

    /// The state machine as a table: every allowed move and where it leads.
    const ALLOWED: [(DeviceStatus, Transition, DeviceStatus); 15] = [
        (Available, Transition::Issue, OnLoan),
        (OnLoan, Transition::Return, AwaitingChecks),
        (OnLoan, Transition::ReportLost, Lost),
        (Available, Transition::ReportMissing, Lost),
        (AwaitingChecks, Transition::ReportMissing, Lost),
        (Lost, Transition::Found, AwaitingChecks),
        (AwaitingChecks, Transition::RecordChecks, Available),
        (Available, Transition::OpenRepair, InRepair),
        (AwaitingChecks, Transition::OpenRepair, InRepair),
        (InRepair, Transition::CloseRepairFixed, Available),
        (InRepair, Transition::CloseRepairUnrepairable, Retired),
        (Available, Transition::Retire, Retired),
        (AwaitingChecks, Transition::Retire, Retired),
        (OnLoan, Transition::Gift, Gifted),
        (Available, Transition::Gift, Gifted),
    ];

    #[test]
    fn every_allowed_transition_leads_where_the_design_says() {
        for (from, transition, to) in ALLOWED {
            assert_eq!(transition.target(from), Some(to), "{transition:?} from {from:?}");
        }
    }

    #[test]
    fn every_other_transition_is_refused_naming_the_status() {
        let mut refused = 0;
        for &from in DeviceStatus::ALL {
            for transition in Transition::ALL {
                if ALLOWED.iter().any(|(f, t, _)| *f == from && *t == transition) {
                    continue;
                }
                refused += 1;
                let err = transition.apply("TCH-00001", from).unwrap_err();
                assert_eq!(err.status(), axum::http::StatusCode::CONFLICT);
                assert!(
                    err.to_string()
                        .ends_with(&format!("it is {}", from.label().to_lowercase())),
                    "{transition:?} from {from:?}: {err}"
                );
            }
        }
        assert_eq!(
            refused,
            DeviceStatus::ALL.len() * Transition::ALL.len() - ALLOWED.len()
        );
    }

    #[test]
    fn issuing_an_unavailable_device_is_device_not_available() {
        let err = Transition::Issue.apply("TCH-00001", OnLoan).unwrap_err();
        assert_eq!(err.code(), "device_not_available");
        assert_eq!(err.to_string(), "cannot issue TCH-00001: it is on loan");
        assert_eq!(
            Transition::Return
                .apply("TCH-00001", Available)
                .unwrap_err()
                .code(),
            "invalid_transition"
        );
    }

    #[test]
    fn retired_and_gifted_are_the_end() {
        assert!(Transition::ALL.iter().all(|t| t.target(Retired).is_none()));
        assert!(Transition::ALL.iter().all(|t| t.target(Gifted).is_none()));
    }

    #[test]
    fn due_dates_are_in_the_coming_year() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(
            parse_due_on("due_on", Some("2027-02-17"), today).unwrap(),
            NaiveDate::from_ymd_opt(2027, 2, 17).unwrap()
        );
        assert_eq!(parse_due_on("due_on", Some("2026-11-25"), today).unwrap(), today);
        for bad in [
            None,
            Some(""),
            Some("17/02/2027"),
            Some("2026-11-24"),
            Some("2028-01-01"),
        ] {
            assert_eq!(
                parse_due_on("due_on", bad, today).unwrap_err().field,
                "due_on",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn missing_accessories_ignore_case() {
        let issued = vec!["Charger".to_owned(), "Case".to_owned()];
        assert_eq!(missing_accessories(&issued, &["charger".to_owned()]), ["Case"]);
        assert!(missing_accessories(&issued, &["case".to_owned(), "CHARGER".to_owned()]).is_empty());
    }

    #[test]
    fn wipe_methods_are_a_closed_list() {
        assert_eq!(
            parse_wipe_method(DeviceKind::Laptop, Some("factory_reset")).unwrap(),
            "factory_reset"
        );
        assert!(parse_wipe_method(DeviceKind::Laptop, Some("ios_erase")).is_err());
        assert!(parse_wipe_method(DeviceKind::Mifi, Some("windows_reset")).is_err());
        let refused = parse_wipe_method(DeviceKind::Tablet, None).unwrap_err().message;
        assert!(!refused.contains('_'), "plain words, not codes: {refused}");
        assert_eq!(
            parse_wipe_method(DeviceKind::Laptop, Some("hammer"))
                .unwrap_err()
                .field,
            "wipe_method"
        );
        assert_eq!(
            parse_wipe_method(DeviceKind::Laptop, None).unwrap_err().field,
            "wipe_method"
        );
    }
}
