//! Device types and the rules for what a device record may hold. Requests are parsed into these
//! types once, at the edge; a `NewDevice` that exists is valid.

mod request;
#[cfg(test)]
mod tests;

pub use request::*;

use chrono::NaiveDate;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{enums::string_enum, error::FieldError};

/// A device's asset tag, printed on its label and encoded in its QR code: an organisation prefix
/// and a number, e.g. `TCH-00042`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AssetTag(String);

impl AssetTag {
    /// The one reader of a tag, wherever it is typed or scanned: the label's whole QR address
    /// (`https://…/d/TCH-00005`), any case, with or without the dash, with or without leading
    /// zeros (`tch00005`, `TCH-5`). The result is always written the one way, `TCH-00005`.
    ///
    /// # Errors
    /// A `FieldError` on `field` when the text is not 2 to 6 letters and a number of at most 9
    /// digits.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        let text = text.trim();
        // A scanner types the QR code's address; the tag is its last part.
        let text = match text.rfind("/d/") {
            Some(at) => text[at + 3..].split(['?', '#', '/']).next().unwrap_or_default(),
            None => text,
        };
        let prefix_len = text
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(text.len());
        let (prefix, rest) = text.split_at(prefix_len);
        let digits = rest.strip_prefix('-').unwrap_or(rest);
        let number = digits
            .parse::<i32>()
            .ok()
            .filter(|_| (1..=9).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()));
        match number {
            Some(number) if (2..=6).contains(&prefix.len()) => {
                Ok(Self::numbered(&prefix.to_ascii_uppercase(), number))
            }
            _ => Err(FieldError::new(
                field,
                "an asset tag is letters, a dash and a number, like TCH-00042",
            )),
        }
    }

    /// The tag numbered `number` under `prefix`, zero-padded to five digits.
    pub fn numbered(prefix: &str, number: i32) -> Self {
        Self(format!("{prefix}-{number:05}"))
    }

    /// The prefix and number, when the number fits.
    pub fn parts(&self) -> (&str, Option<i32>) {
        let (prefix, number) = self.0.split_once('-').unwrap_or((&self.0, ""));
        (prefix, number.parse().ok())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AssetTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

string_enum!(
    /// What sort of device it is.
    DeviceKind, "kind" { Laptop = "laptop" / "Laptop", Tablet = "tablet" / "Tablet", Mifi = "mifi" / "MiFi" }
);

impl DeviceKind {
    /// The kind inside a sentence: "your laptop", "your tablet", "your MiFi" (a name, so capitals).
    pub fn in_sentence(self) -> &'static str {
        match self {
            DeviceKind::Laptop => "laptop",
            DeviceKind::Tablet => "tablet",
            DeviceKind::Mifi => "MiFi",
        }
    }
}

string_enum!(
    /// Where a device is in its life. Moves between statuses only by the transitions of
    /// `loans::model::Transition`. `retired` and `gifted` (given to its borrower for good) are
    /// the ends.
    DeviceStatus, "status" {
        Available = "available" / "Available",
        OnLoan = "on_loan" / "On loan",
        AwaitingChecks = "awaiting_checks" / "Awaiting checks",
        InRepair = "in_repair" / "In repair",
        Lost = "lost" / "Lost",
        Retired = "retired" / "Retired",
        Gifted = "gifted" / "Gifted",
    }
);

string_enum!(
    /// The physical state of a device.
    Condition, "condition" { New = "new" / "New", Good = "good" / "Good", Fair = "fair" / "Fair", Poor = "poor" / "Poor" }
);

impl DeviceKind {
    /// "1 laptop", "3 MiFi units".
    pub fn count(self, n: u64) -> String {
        let many = match self {
            DeviceKind::Laptop => "laptops",
            DeviceKind::Tablet => "tablets",
            DeviceKind::Mifi => "MiFi units",
        };
        crate::words::count(n, self.in_sentence(), many)
    }

    /// Whether this kind of device can hold a SIM.
    pub fn takes_sim(self) -> bool {
        matches!(self, DeviceKind::Tablet | DeviceKind::Mifi)
    }
}

/// A SIM card in a MiFi or cellular tablet, and its data plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Sim {
    pub iccid: String,
    pub network: String,
    pub allowance_gb: Option<i32>,
    #[schema(value_type = Option<String>, format = Date)]
    pub plan_ends_on: Option<NaiveDate>,
}
