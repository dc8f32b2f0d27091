//! Adding and changing devices: a typed asset tag checked against the organisation's, a serial
//! number kept to one device, and each change written with its audit event in one transaction.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, SqlErr};
use serde_json::{Value, json};

use super::{
    finding::{get, unknown_device},
    view::DeviceView,
};
use crate::{
    audit::{self, Actor, AuditAction, EntityRef, NewEvent, model::changes},
    auth::{Action, Staff},
    db::{self, Db},
    devices::{
        model::{AssetTag, DeviceDetails, DeviceKind, DeviceRequest, DeviceStatus, NewDevice},
        repo,
    },
    error::{AppError, FieldError, merge_into},
    hubs, organisations,
};

fn first_error(errors: Vec<FieldError>) -> AppError {
    errors.into_iter().next().map_or_else(
        || AppError::invalid("body", "the device is not valid"),
        AppError::Invalid,
    )
}

async fn check_hub(db: &impl ConnectionTrait, staff: &Staff, hub_id: i32) -> Result<(), AppError> {
    match hubs::service::find_row(db, hub_id).await? {
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
    let org = organisations::service::find(&tx, staff.organisation_id())
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
            organisations::service::skip_asset_numbers_to(&tx, org.id, number).await?;
            tag
        }
        None => {
            let number = organisations::service::take_asset_numbers(&tx, org.id, 1).await?;
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
    audit::insert(
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
        audit::insert(
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
