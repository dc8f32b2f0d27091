//! A device as a request gives it: every field parsed at once, so a form can show all its
//! problems; IMEIs checked by their Luhn digit; a SIM only where the kind takes one.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{AssetTag, Condition, DeviceKind, Sim};
use crate::{
    error::FieldError,
    validate::{collect, name_list, optional_text, required_text},
};

/// A SIM's ICCID as printed on it, spaces left out: 18 to 22 digits.
///
/// # Errors
/// A `FieldError` naming `field`.
pub fn parse_iccid(field: &str, text: Option<&str>) -> Result<String, FieldError> {
    let iccid: String = text
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if !(18..=22).contains(&iccid.len()) || !iccid.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldError::new(
            field,
            "the ICCID is the 18 to 22 digit number printed on the SIM",
        ));
    }
    Ok(iccid)
}

/// The SIM part of a request, before it is checked.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SimRequest {
    #[schema(pattern = r"^[0-9]{18,22}$")]
    pub iccid: Option<String>,
    pub network: Option<String>,
    #[schema(minimum = 0)]
    pub allowance_gb: Option<i32>,
    /// `YYYY-MM-DD`
    #[schema(pattern = r"^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub plan_ends_on: Option<String>,
}

impl SimRequest {
    pub fn parse(&self) -> Result<Sim, FieldError> {
        let iccid = parse_iccid("sim.iccid", self.iccid.as_deref())?;
        let network = required_text("sim.network", "the network", self.network.as_deref(), 50)?;
        if self.allowance_gb.is_some_and(|gb| gb < 0) {
            return Err(FieldError::new(
                "sim.allowance_gb",
                "the allowance cannot be negative",
            ));
        }
        let plan_ends_on = crate::dates::optional_date("sim.plan_ends_on", self.plan_ends_on.as_deref())?;
        Ok(Sim {
            iccid,
            network,
            allowance_gb: self.allowance_gb,
            plan_ends_on,
        })
    }
}

/// The fields staff can set on a device, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceDetails {
    pub make: String,
    pub model: String,
    pub serial_number: Option<String>,
    pub imei: Option<String>,
    pub condition: Condition,
    pub accessories: Vec<String>,
    pub hub_id: i32,
    pub funding_source: Option<String>,
    pub purchased_on: Option<NaiveDate>,
    pub purchase_cost_pence: Option<i64>,
    pub notes: Option<String>,
    pub sim: Option<Sim>,
}

/// A device about to be added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    pub kind: DeviceKind,
    pub asset_tag: Option<AssetTag>,
    pub details: DeviceDetails,
}

/// `POST /devices` and the add-device form, before checking. Every field is optional here so
/// that a missing one is reported by name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeviceRequest {
    /// `laptop`, `tablet` or `mifi`
    #[schema(value_type = Option<DeviceKind>)]
    pub kind: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100)]
    pub make: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100)]
    pub model: Option<String>,
    pub hub_id: Option<i32>,
    pub serial_number: Option<String>,
    pub imei: Option<String>,
    /// Generated from the organisation's prefix when absent.
    pub asset_tag: Option<String>,
    /// `new`, `good` (the default), `fair` or `poor`
    #[schema(value_type = Option<Condition>)]
    pub condition: Option<String>,
    #[schema(max_items = 30)]
    pub accessories: Option<Vec<String>>,
    pub funding_source: Option<String>,
    /// `YYYY-MM-DD`
    #[schema(pattern = r"^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub purchased_on: Option<String>,
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub purchase_cost_pence: Option<i64>,
    pub notes: Option<String>,
    pub sim: Option<SimRequest>,
}

impl DeviceRequest {
    /// Checks every field and returns all the problems, in form order.
    pub fn parse(&self) -> Result<NewDevice, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = match self.kind.as_deref() {
            None | Some("") => Err(FieldError::new(
                "kind",
                "choose the kind of device: a laptop, a tablet or a MiFi unit",
            )),
            Some(text) => DeviceKind::parse(text),
        };
        let asset_tag = self
            .asset_tag
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(|t| AssetTag::parse("asset_tag", t))
            .transpose();
        let details = self.details(kind.as_ref().ok().copied());
        let kind = kind.map_err(|e| errors.push(e)).ok();
        let asset_tag = asset_tag.map_err(|e| errors.push(e)).ok();
        let details = details.map_err(|mut e| errors.append(&mut e)).ok();
        match (kind, asset_tag, details) {
            (Some(kind), Some(asset_tag), Some(details)) if errors.is_empty() => Ok(NewDevice {
                kind,
                asset_tag,
                details,
            }),
            _ => Err(errors),
        }
    }

    /// The editable fields, checked against the device's kind (when known).
    pub fn details(&self, kind: Option<DeviceKind>) -> Result<DeviceDetails, Vec<FieldError>> {
        let mut errors = Vec::new();
        let make = collect(
            &mut errors,
            required_text("make", "the make", self.make.as_deref(), 100),
        );
        let model = collect(
            &mut errors,
            required_text("model", "the model", self.model.as_deref(), 100),
        );
        let hub_id = collect(
            &mut errors,
            self.hub_id
                .ok_or_else(|| FieldError::new("hub_id", "choose the device's home hub")),
        );
        let serial_number = collect(
            &mut errors,
            optional_text(
                "serial_number",
                "the serial number",
                self.serial_number.as_deref(),
                100,
            ),
        );
        let imei = collect(&mut errors, optional_imei(self.imei.as_deref()));
        let condition = collect(
            &mut errors,
            match self.condition.as_deref().map(str::trim) {
                None | Some("") => Ok(Condition::Good),
                Some(text) => Condition::parse(text),
            },
        );
        let accessories = collect(
            &mut errors,
            name_list("accessories", self.accessories.as_deref().unwrap_or_default()),
        );
        let funding_source = collect(
            &mut errors,
            optional_text(
                "funding_source",
                "the funding source",
                self.funding_source.as_deref(),
                100,
            ),
        );
        let purchased_on = collect(
            &mut errors,
            crate::dates::optional_date("purchased_on", self.purchased_on.as_deref()),
        );
        let purchase_cost_pence = collect(
            &mut errors,
            crate::money::check_pence("purchase_cost_pence", self.purchase_cost_pence),
        );
        let notes = collect(
            &mut errors,
            optional_text("notes", "the notes", self.notes.as_deref(), 2000),
        );
        let sim = collect(
            &mut errors,
            match (&self.sim, kind) {
                (None, _) => Ok(None),
                (Some(_), Some(kind)) if !kind.takes_sim() => {
                    Err(FieldError::new("sim", "only MiFi units and tablets take a SIM"))
                }
                (Some(sim), _) => sim.parse().map(Some),
            },
        );
        match (
            make,
            model,
            hub_id,
            serial_number,
            imei,
            condition,
            accessories,
            funding_source,
            purchased_on,
            purchase_cost_pence,
            notes,
            sim,
        ) {
            (
                Some(make),
                Some(model),
                Some(hub_id),
                Some(serial_number),
                Some(imei),
                Some(condition),
                Some(accessories),
                Some(funding_source),
                Some(purchased_on),
                Some(purchase_cost_pence),
                Some(notes),
                Some(sim),
            ) => Ok(DeviceDetails {
                make,
                model,
                serial_number,
                imei,
                condition,
                accessories,
                hub_id,
                funding_source,
                purchased_on,
                purchase_cost_pence,
                notes,
                sim,
            }),
            _ => Err(errors),
        }
    }
}

/// An IMEI is 15 digits whose last is a Luhn check digit; spaces and dashes are ignored.
fn optional_imei(text: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if digits.len() != 15 || !digits.chars().all(|c| c.is_ascii_digit()) {
        Err(FieldError::new(
            "imei",
            "the IMEI is 15 digits (dial *#06# on the device to see it)",
        ))
    } else if !luhn_valid(&digits) {
        Err(FieldError::new(
            "imei",
            "the IMEI's last digit does not check out: one of its digits is mistyped (dial *#06# on the device to see it)",
        ))
    } else {
        Ok(Some(digits))
    }
}

fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}
