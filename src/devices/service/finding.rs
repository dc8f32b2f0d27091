//! Finding devices: one by its asset tag, a page of the organisation's list (kept to the hubs the
//! reader sees), and a device's history.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use serde_json::Value;

use super::view::DeviceView;
use crate::{
    audit::{self, AuditAction, EntityRef},
    auth::{Action, Staff},
    devices::{
        model::{AssetTag, DeviceKind, DeviceStatus},
        repo::{self, DeviceFilter},
    },
    error::{AppError, FieldError},
};

/// One page of a device list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DevicePage {
    pub items: Vec<DeviceView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

pub const DEFAULT_PAGE: u64 = 50;
pub const MAX_PAGE: u64 = 200;

pub(super) fn unknown_device(tag: &str) -> AppError {
    AppError::NotFound(format!("there is no device with asset tag {tag}"))
}

/// One device by its asset tag, typed in any case.
pub async fn get(db: &impl ConnectionTrait, staff: &Staff, tag: &str) -> Result<DeviceView, AppError> {
    staff.require(Action::ViewDevices)?;
    let parsed = AssetTag::parse("asset_tag", tag).map_err(|_| unknown_device(tag))?;
    repo::find_by_tag(db, staff.organisation_id(), &parsed)
        .await?
        .filter(|device| staff.sees_hub(device.hub_id))
        .map(DeviceView::from)
        .ok_or_else(|| unknown_device(parsed.as_str()))
}

/// The list query as a client sends it, before checking.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// A device status, e.g. `available`
    #[param(value_type = Option<crate::devices::model::DeviceStatus>)]
    pub status: Option<String>,
    /// `laptop`, `tablet` or `mifi`
    #[param(value_type = Option<crate::devices::model::DeviceKind>)]
    pub kind: Option<String>,
    #[param(value_type = Option<i32>)]
    pub hub_id: Option<String>,
    /// At least 3 characters of an asset tag, serial number, make, model or IMEI
    #[param(pattern = r"^[A-Za-z0-9@._+'/%#&-]{3,100}$")]
    pub q: Option<String>,
    /// 1 to 200; 50 when absent
    #[param(value_type = Option<u64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page
    pub cursor: Option<String>,
}

impl ListParams {
    /// # Errors
    /// A `FieldError` naming the first parameter that is wrong.
    pub fn parse(&self) -> Result<(DeviceFilter, u64), FieldError> {
        let present = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let status = present(&self.status)
            .map(|s| DeviceStatus::parse(&s))
            .transpose()?;
        let kind = present(&self.kind).map(|s| DeviceKind::parse(&s)).transpose()?;
        let hub_id = present(&self.hub_id)
            .map(|s| {
                s.parse::<i32>()
                    .map_err(|_| FieldError::new("hub_id", "hub_id must be a whole number"))
            })
            .transpose()?;
        let q = crate::validate::search_text("q", self.q.as_deref())?;
        let limit = match present(&self.limit) {
            None => DEFAULT_PAGE,
            Some(text) => text
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| {
                    FieldError::new("limit", format!("limit must be a number from 1 to {MAX_PAGE}"))
                })?,
        };
        Ok((
            DeviceFilter {
                status,
                kind,
                hub_ids: hub_id.map(|id| vec![id]),
                q,
                after: present(&self.cursor).map(|c| c.to_uppercase()),
            },
            limit,
        ))
    }
}

/// One page of the organisation's devices.
pub async fn list(
    db: &impl ConnectionTrait,
    staff: &Staff,
    filter: &DeviceFilter,
    limit: u64,
) -> Result<DevicePage, AppError> {
    staff.require(Action::ViewDevices)?;
    let asked = filter.hub_ids.as_ref().and_then(|ids| ids.first().copied());
    let filter = DeviceFilter {
        hub_ids: staff.hubs_within(asked),
        ..filter.clone()
    };
    let mut rows = repo::list(db, staff.organisation_id(), &filter, limit + 1).await?;
    let next_cursor = if rows.len() as u64 > limit {
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        rows.last().map(|row| row.asset_tag.clone())
    } else {
        None
    };
    Ok(DevicePage {
        items: rows.into_iter().map(DeviceView::from).collect(),
        next_cursor,
    })
}

/// One entry of a device's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: AuditAction,
    #[schema(value_type = Object)]
    pub details: Value,
}

/// A device's history, oldest first.
pub async fn events(db: &impl ConnectionTrait, staff: &Staff, tag: &str) -> Result<Vec<EventView>, AppError> {
    let device = get(db, staff, tag).await?;
    let rows = audit::for_entity(db, EntityRef::Device(device.id)).await?;
    rows.into_iter()
        .map(|row| {
            let action = AuditAction::parse(&row.action).map_err(|_| {
                AppError::Internal(format!("audit event {} has an unknown action", row.id).into())
            })?;
            // Details are written from `json!` values; an unreadable one shows as null, not lost.
            let details = serde_json::from_str(&row.details).unwrap_or(Value::Null);
            Ok(EventView {
                at: row.at,
                actor: row.actor_label,
                action,
                details,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_params_name_the_bad_parameter() {
        let bad = |params: ListParams| params.parse().unwrap_err().field;
        assert_eq!(
            bad(ListParams {
                status: Some("borrowed".into()),
                ..ListParams::default()
            }),
            "status"
        );
        assert_eq!(
            bad(ListParams {
                kind: Some("phone".into()),
                ..ListParams::default()
            }),
            "kind"
        );
        assert_eq!(
            bad(ListParams {
                hub_id: Some("x".into()),
                ..ListParams::default()
            }),
            "hub_id"
        );
        assert_eq!(
            bad(ListParams {
                q: Some("ab".into()),
                ..ListParams::default()
            }),
            "q"
        );
        assert_eq!(
            bad(ListParams {
                limit: Some("0".into()),
                ..ListParams::default()
            }),
            "limit"
        );
        assert_eq!(
            bad(ListParams {
                limit: Some("201".into()),
                ..ListParams::default()
            }),
            "limit"
        );
        let (filter, limit) = ListParams {
            status: Some("on_loan".into()),
            ..ListParams::default()
        }
        .parse()
        .unwrap();
        assert_eq!((filter.status, limit), (Some(DeviceStatus::OnLoan), DEFAULT_PAGE));
    }
}
