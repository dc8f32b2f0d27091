//! What a SIM request must hold, and where a SIM stands.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{
    devices::model::parse_iccid,
    error::FieldError,
    validate::{collect, optional_text, required_text},
};

/// How many days before a SIM's data ends its person is told.
pub const WARN_DAYS: i64 = 7;

/// Where a SIM stands: on the shelf, given to someone, or past its last day of data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SimStatus {
    Available,
    Given,
    Expired,
}

impl SimStatus {
    pub fn of(given: bool, expires_on: NaiveDate, today: NaiveDate) -> Self {
        match (given, expires_on < today) {
            (true, _) => SimStatus::Given,
            (false, true) => SimStatus::Expired,
            (false, false) => SimStatus::Available,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SimStatus::Available => "Available",
            SimStatus::Given => "Given",
            SimStatus::Expired => "Data ended",
        }
    }

    /// # Errors
    /// A `FieldError` for `status` listing what it may be.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text.trim() {
            "available" => Ok(SimStatus::Available),
            "given" => Ok(SimStatus::Given),
            "expired" => Ok(SimStatus::Expired),
            _ => Err(FieldError::new(
                "status",
                "status must be one of available, given, expired",
            )),
        }
    }
}

/// `POST /sims`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSimRequest {
    /// The 18 to 22 digits printed on the SIM.
    #[schema(value_type = String, required = true, pattern = r"^[0-9]{18,22}$")]
    pub iccid: Option<String>,
    #[schema(value_type = String, required = true, format = "line", min_length = 1, max_length = 50)]
    pub network: Option<String>,
    /// Data each month, in GB.
    #[schema(value_type = i32, required = true, minimum = 0, maximum = 10000)]
    pub allowance_gb: Option<i32>,
    /// The last day it has data, `YYYY-MM-DD`.
    #[schema(value_type = String, required = true, pattern = r"^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub expires_on: Option<String>,
    /// The batch it came in.
    #[schema(format = "line", max_length = 100)]
    pub batch: Option<String>,
    /// The hub it is kept at; none for every hub.
    pub hub_id: Option<i32>,
}

/// A SIM request, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSim {
    pub iccid: String,
    pub network: String,
    pub allowance_gb: i32,
    pub expires_on: NaiveDate,
    pub batch: Option<String>,
}

impl NewSimRequest {
    /// Every field at once, so a form can show all its problems.
    ///
    /// # Errors
    /// The fields that are wrong.
    pub fn parse(&self, today: NaiveDate) -> Result<NewSim, Vec<FieldError>> {
        let iccid = parse_iccid("iccid", self.iccid.as_deref());
        let network = required_text("network", "the network", self.network.as_deref(), 50);
        let allowance = self
            .allowance_gb
            .filter(|gb| (0..=10_000).contains(gb))
            .ok_or_else(|| {
                FieldError::new("allowance_gb", "enter the data each month in GB, from 0 to 10000")
            });
        let expires_on = crate::dates::optional_date("expires_on", self.expires_on.as_deref()).and_then(
            |date| match date {
                None => Err(FieldError::new(
                    "expires_on",
                    "enter the last day it has data, like 2027-06-30",
                )),
                Some(date) if date < today => {
                    Err(FieldError::new("expires_on", "its data has already ended"))
                }
                Some(date) => Ok(date),
            },
        );
        let batch = optional_text("batch", "the batch", self.batch.as_deref(), 100);
        let mut errors = Vec::new();
        let iccid = collect(&mut errors, iccid);
        let network = collect(&mut errors, network);
        let allowance_gb = collect(&mut errors, allowance);
        let expires_on = collect(&mut errors, expires_on);
        let batch = collect(&mut errors, batch);
        match (iccid, network, allowance_gb, expires_on, batch) {
            (Some(iccid), Some(network), Some(allowance_gb), Some(expires_on), Some(batch))
                if errors.is_empty() =>
            {
                Ok(NewSim {
                    iccid,
                    network,
                    allowance_gb,
                    expires_on,
                    batch,
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
    fn a_sim_request_names_every_field_that_is_wrong() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let good = NewSimRequest {
            iccid: Some("8944 1100 0000 0000 001".into()),
            network: Some("Vodafone".into()),
            allowance_gb: Some(20),
            expires_on: Some("2027-06-07".into()),
            batch: Some("National Databank, December".into()),
            hub_id: None,
        };
        assert_eq!(good.parse(today).unwrap().iccid, "8944110000000000001");
        let bad = NewSimRequest {
            iccid: Some("123".into()),
            network: None,
            allowance_gb: Some(-1),
            expires_on: Some("2026-12-06".into()),
            ..good
        };
        let fields: Vec<String> = bad
            .parse(today)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["iccid", "network", "allowance_gb", "expires_on"]);
        assert_eq!(SimStatus::of(false, today, today), SimStatus::Available);
        assert_eq!(
            SimStatus::of(false, today.pred_opt().unwrap(), today),
            SimStatus::Expired
        );
    }
}
