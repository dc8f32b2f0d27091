//! Adding, changing, finding and listing devices. Each change and its audit event are written in
//! one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, SqlErr};
use serde::Serialize;
use serde_json::{Value, json};

use super::{
    model::{AssetTag, Condition, DeviceDetails, DeviceKind, DeviceRequest, DeviceStatus, NewDevice, Sim},
    repo::{self, DeviceFilter},
};
use crate::audit::AuditAction;
use crate::{
    audit::{self, Actor, EntityRef, NewEvent, model::changes},
    auth::{Action, Staff},
    db::{self, Db},
    entities::device,
    error::{AppError, FieldError, merge_into},
    hubs, organisations,
};

/// A device as the API and pages show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceView {
    pub id: i32,
    pub asset_tag: String,
    pub kind: DeviceKind,
    pub status: DeviceStatus,
    pub make: String,
    pub model: String,
    pub serial_number: Option<String>,
    pub imei: Option<String>,
    pub condition: Condition,
    pub accessories: Vec<String>,
    pub hub_id: i32,
    pub funding_source: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub purchased_on: Option<NaiveDate>,
    pub purchase_cost_pence: Option<i64>,
    pub notes: Option<String>,
    pub sim: Option<Sim>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<device::Model> for DeviceView {
    fn from(row: device::Model) -> Self {
        let sim = match (row.sim_iccid, row.sim_network) {
            (Some(iccid), Some(network)) => Some(Sim {
                iccid,
                network,
                allowance_gb: row.sim_allowance_gb,
                plan_ends_on: row.sim_plan_ends_on,
            }),
            _ => None,
        };
        Self {
            id: row.id,
            asset_tag: row.asset_tag,
            kind: row.kind,
            status: row.status,
            make: row.make,
            model: row.model,
            serial_number: row.serial_number,
            imei: row.imei,
            condition: row.condition,
            accessories: row.accessories.into_inner(),
            hub_id: row.hub_id,
            funding_source: row.funding_source,
            purchased_on: row.purchased_on,
            purchase_cost_pence: row.purchase_cost_pence,
            notes: row.notes,
            sim,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl DeviceView {
    /// The editable fields in the shape of a request, for merging a PATCH or filling a form.
    pub fn as_request(&self) -> DeviceRequest {
        DeviceRequest {
            kind: Some(self.kind.as_str().to_owned()),
            make: Some(self.make.clone()),
            model: Some(self.model.clone()),
            hub_id: Some(self.hub_id),
            serial_number: self.serial_number.clone(),
            imei: self.imei.clone(),
            asset_tag: Some(self.asset_tag.clone()),
            condition: Some(self.condition.as_str().to_owned()),
            accessories: Some(self.accessories.clone()),
            funding_source: self.funding_source.clone(),
            purchased_on: self.purchased_on.map(|d| d.to_string()),
            purchase_cost_pence: self.purchase_cost_pence,
            notes: self.notes.clone(),
            sim: self.sim.as_ref().map(|sim| super::model::SimRequest {
                iccid: Some(sim.iccid.clone()),
                network: Some(sim.network.clone()),
                allowance_gb: sim.allowance_gb,
                plan_ends_on: sim.plan_ends_on.map(|d| d.to_string()),
            }),
        }
    }

    /// What the audit log keeps of a device's editable fields.
    fn snapshot(&self) -> Value {
        json!({
            "make": self.make, "model": self.model, "serial_number": self.serial_number,
            "imei": self.imei, "condition": self.condition, "accessories": self.accessories,
            "hub_id": self.hub_id, "funding_source": self.funding_source,
            "purchased_on": self.purchased_on, "purchase_cost_pence": self.purchase_cost_pence,
            "notes": self.notes, "sim": self.sim,
        })
    }
}

/// One page of a device list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DevicePage {
    pub items: Vec<DeviceView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

pub const DEFAULT_PAGE: u64 = 50;
pub const MAX_PAGE: u64 = 200;

fn unknown_device(tag: &str) -> AppError {
    AppError::NotFound(format!("there is no device with asset tag {tag}"))
}

fn first_error(errors: Vec<FieldError>) -> AppError {
    errors.into_iter().next().map_or_else(
        || AppError::invalid("body", "the device is not valid"),
        AppError::Invalid,
    )
}

async fn check_hub(db: &impl ConnectionTrait, staff: &Staff, hub_id: i32) -> Result<(), AppError> {
    match hubs::repo::find(db, hub_id).await? {
        Some(hub) if hub.organisation_id == staff.organisation_id() => Ok(()),
        _ => Err(AppError::invalid(
            "hub_id",
            format!("there is no hub with id {hub_id}"),
        )),
    }
}

/// A serial number is one device's: another device of the organisation with it is named.
async fn check_serial(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    serial: Option<&str>,
    except_id: Option<i32>,
) -> Result<(), AppError> {
    if let Some(serial) = serial
        && let Some(tag) = repo::serial_taken_by(db, organisation_id, serial, except_id).await?
    {
        return Err(serial_in_use(serial, &tag));
    }
    Ok(())
}

fn serial_in_use(serial: &str, tag: &str) -> AppError {
    AppError::invalid(
        "serial_number",
        format!("{tag} already has the serial number {serial}: each device has its own"),
    )
}

/// A unique index refused the row: the serial number's (a race with another request) or the tag's.
fn duplicate_tag(err: sea_orm::DbErr, tag: &AssetTag) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) if message.contains("serial") => {
            serial_in_use("given", "another device")
        }
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code: "duplicate_asset_tag",
            message: format!("asset tag {tag} is already in use"),
        },
        _ => err.into(),
    }
}

/// The highest number a typed asset tag may carry: a million devices, far more than any scheme
/// holds, and far below the nine digits `AssetTag::parse` reads.
pub const MAX_TYPED_NUMBER: i32 = 999_999;

/// Adds a device; its asset tag is the next of the organisation's when none is given.
pub async fn create(
    db: &Db,
    staff: &Staff,
    device: NewDevice,
    now: DateTime<Utc>,
) -> Result<DeviceView, AppError> {
    staff.require(Action::ManageDevices)?;
    let tx = db::begin_write(db).await?;
    check_hub(&tx, staff, device.details.hub_id).await?;
    check_serial(
        &tx,
        staff.organisation_id(),
        device.details.serial_number.as_deref(),
        None,
    )
    .await?;
    let org = organisations::repo::find(&tx, staff.organisation_id())
        .await?
        .ok_or_else(|| AppError::NotFound("your organisation no longer exists".into()))?;
    let tag = match device.asset_tag {
        Some(tag) => {
            // A typed tag is one of this organisation's, numbered no higher than a tag may be, so
            // the numbers handed out after it still make tags that read back.
            let number = match tag.parts() {
                (prefix, Some(number)) if prefix == org.asset_prefix && number <= MAX_TYPED_NUMBER => number,
                _ => {
                    return Err(AppError::invalid(
                        "asset_tag",
                        format!(
                            "asset tags here are {}- and a number up to {MAX_TYPED_NUMBER}, like {}",
                            org.asset_prefix,
                            AssetTag::numbered(&org.asset_prefix, 42).as_str()
                        ),
                    ));
                }
            };
            organisations::repo::skip_asset_numbers_to(&tx, org.id, number).await?;
            tag
        }
        None => {
            let number = organisations::repo::take_asset_numbers(&tx, org.id, 1).await?;
            AssetTag::numbered(&org.asset_prefix, number)
        }
    };
    let row = repo::new_row(
        org.id,
        &tag,
        device.kind,
        DeviceStatus::Available,
        &device.details,
        now,
    );
    let view = DeviceView::from(
        repo::insert(&tx, row)
            .await
            .map_err(|err| duplicate_tag(err, &tag))?,
    );
    audit::repo::insert(
        &tx,
        NewEvent {
            organisation_id: org.id,
            at: now,
            actor: Actor::Staff(staff),
            entity: EntityRef::Device(view.id),
            action: AuditAction::DeviceAdded,
            details: json!({ "asset_tag": view.asset_tag, "kind": view.kind, "after": view.snapshot() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

/// Changes a device's editable fields, and its kind while it is available (nothing of a loan
/// depends on it then). Status changes only through its own actions.
pub async fn update(
    db: &Db,
    staff: &Staff,
    tag: &str,
    kind: Option<DeviceKind>,
    details: DeviceDetails,
    now: DateTime<Utc>,
) -> Result<DeviceView, AppError> {
    staff.require(Action::ManageDevices)?;
    write_details(db, staff, tag, kind, details, now).await
}

/// Moves a device to another hub, as a stocktake that found it there asks: staff who lend may do
/// this, not only those who manage devices.
pub async fn move_to_hub(
    db: &Db,
    staff: &Staff,
    tag: &str,
    hub_id: i32,
    now: DateTime<Utc>,
) -> Result<DeviceView, AppError> {
    staff.require(Action::Lend)?;
    let current = get(&db.read, staff, tag).await?;
    let mut details = current
        .as_request()
        .details(Some(current.kind))
        .map_err(first_error)?;
    details.hub_id = hub_id;
    write_details(db, staff, tag, None, details, now).await
}

/// Saves a device's details and audits what changed; the caller has checked the role.
async fn write_details(
    db: &Db,
    staff: &Staff,
    tag: &str,
    kind: Option<DeviceKind>,
    details: DeviceDetails,
    now: DateTime<Utc>,
) -> Result<DeviceView, AppError> {
    let tag = AssetTag::parse("asset_tag", tag).map_err(|_| unknown_device(tag))?;
    let tx = db::begin_write(db).await?;
    let row = repo::find_by_tag(&tx, staff.organisation_id(), &tag)
        .await?
        .ok_or_else(|| unknown_device(tag.as_str()))?;
    check_hub(&tx, staff, details.hub_id).await?;
    if row.serial_number != details.serial_number {
        check_serial(
            &tx,
            staff.organisation_id(),
            details.serial_number.as_deref(),
            Some(row.id),
        )
        .await?;
    }
    let before = DeviceView::from(row.clone());
    if let Some(kind) = kind.filter(|k| *k != row.kind) {
        if row.status != DeviceStatus::Available {
            return Err(AppError::invalid(
                "kind",
                format!(
                    "the kind can be changed only while the device is available; it is {}",
                    row.status.label().to_lowercase()
                ),
            ));
        }
        repo::set_kind(&tx, row.id, kind, now).await?;
    }
    let after = DeviceView::from(
        repo::update_details(&tx, row, &details, now)
            .await
            .map_err(|err| duplicate_tag(err, &tag))?,
    );
    let diff = changes(&before.snapshot(), &after.snapshot());
    if !diff.is_empty() {
        audit::repo::insert(
            &tx,
            NewEvent {
                organisation_id: staff.organisation_id(),
                at: now,
                actor: Actor::Staff(staff),
                entity: EntityRef::Device(after.id),
                action: AuditAction::DeviceUpdated,
                details: json!({ "changes": diff }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Applies a JSON merge patch (RFC 7386) to a device's editable fields.
pub async fn patch(
    db: &Db,
    staff: &Staff,
    tag: &str,
    patch: &Value,
    now: DateTime<Utc>,
) -> Result<DeviceView, AppError> {
    staff.require(Action::ManageDevices)?;
    let Some(patch) = patch.as_object() else {
        return Err(AppError::Malformed("the body must be a JSON object".into()));
    };
    for (field, why) in [
        ("asset_tag", "the asset tag of a device cannot be changed"),
        (
            "status",
            "the status changes by issuing, returning, checking or repairing the device",
        ),
    ] {
        if patch.contains_key(field) {
            return Err(AppError::invalid(field, why));
        }
    }
    let current = get(&db.read, staff, tag).await?;
    let request = merge_into(&current.as_request(), &Value::Object(patch.clone()))?;
    let kind = match patch.get("kind") {
        Some(kind) => {
            let text = kind.as_str().unwrap_or_default();
            Some(DeviceKind::parse(text)?)
        }
        None => None,
    };
    let details = request
        .details(Some(kind.unwrap_or(current.kind)))
        .map_err(first_error)?;
    update(db, staff, tag, kind, details, now).await
}

/// Parses and adds a device from a request, reporting the first problem by field.
pub async fn create_from_request(
    db: &Db,
    staff: &Staff,
    request: &DeviceRequest,
    now: DateTime<Utc>,
) -> Result<DeviceView, AppError> {
    staff.require(Action::ManageDevices)?;
    let device = request.parse().map_err(first_error)?;
    create(db, staff, device, now).await
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
    pub status: Option<String>,
    /// `laptop`, `tablet` or `mifi`
    pub kind: Option<String>,
    pub hub_id: Option<String>,
    /// At least 3 characters of an asset tag, serial number, make, model or IMEI
    pub q: Option<String>,
    /// 1 to 200; 50 when absent
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
    let rows = audit::repo::for_entity(db, EntityRef::Device(device.id)).await?;
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

/// Where a found device goes back to: what the public page behind its QR label shows to someone
/// who is not signed in. Nothing about the device's state and nothing about who borrowed it.
#[derive(Debug, Clone)]
pub struct ReturnTo {
    pub asset_tag: String,
    pub organisation: String,
    pub organisation_phone: Option<String>,
    pub organisation_email: Option<String>,
    pub hub: String,
    pub hub_address: Option<String>,
    pub hub_opening_hours: Option<String>,
    pub hub_phone: Option<String>,
}

/// The return details for `tag`, read as a scanner or a person types it; 404 when it is not a
/// device of any organisation here.
pub async fn return_to(db: &impl ConnectionTrait, tag: &str) -> Result<ReturnTo, AppError> {
    let not_ours = || AppError::NotFound("this label is not one of the devices lendhub knows".into());
    let tag = AssetTag::parse("asset_tag", tag).map_err(|_| not_ours())?;
    let device = repo::find_by_tag_anywhere(db, &tag).await?.ok_or_else(not_ours)?;
    let organisation = organisations::repo::find(db, device.organisation_id)
        .await?
        .ok_or_else(not_ours)?;
    let hub = crate::hubs::repo::find(db, device.hub_id)
        .await?
        .ok_or_else(not_ours)?;
    Ok(ReturnTo {
        asset_tag: device.asset_tag,
        organisation: organisation.name,
        organisation_phone: organisation.phone,
        organisation_email: organisation.email,
        hub: hub.name,
        hub_address: hub.address,
        hub_opening_hours: hub.opening_hours,
        hub_phone: hub.phone,
    })
}
