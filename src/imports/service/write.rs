//! The second pass: the file read again and every row written, with the hubs it names and its
//! audit events, in one transaction. A row that no longer reads as it did writes nothing.

use std::io::Read;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use serde_json::json;

use super::{
    check::{Check, Problems, borrower, service},
    source::Rows,
};
use crate::{
    audit::{self, Actor, AuditAction, EntityRef, NewEvent},
    auth::Staff,
    db::{self, Db},
    devices::{
        self,
        model::{AssetTag, DeviceStatus},
    },
    directory,
    error::AppError,
    hubs,
    imports::model::{Mapping, Stage, Target},
    organisations, people,
};

/// The second pass: every row, in one transaction.
#[allow(clippy::too_many_arguments)]
pub(super) async fn write<R: Read>(
    db: &Db,
    staff: &Staff,
    target: Target,
    rows: &mut Rows<R>,
    mapping: &Mapping,
    mut check: Check,
    progress: &(dyn Fn(Stage, u64) + Sync),
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let tx = db::begin_write(db).await?;
    for name in &check.new_hubs {
        let details = hubs::model::HubDetails {
            name: name.clone(),
            address: None,
            opening_hours: None,
            phone: None,
        };
        let hub = hubs::service::insert(&tx, staff.organisation_id(), &details, now).await?;
        check.hubs.insert(name.to_lowercase(), hub.id);
    }
    let mut next_number = 0;
    if target == Target::Devices {
        if check.highest_typed > 0 {
            organisations::service::skip_asset_numbers_to(&tx, check.organisation_id, check.highest_typed)
                .await?;
        }
        if check.untagged > 0 {
            next_number =
                organisations::service::take_asset_numbers(&tx, check.organisation_id, check.untagged)
                    .await?;
        }
    }
    // The first pass found nothing wrong: every row reads again as it did then.
    check.create_hubs = false;
    check.tags.clear();
    check.serials.clear();
    let mut ignored = Problems::default();
    let written = if target == Target::Devices {
        write_devices(
            &tx,
            staff,
            rows,
            mapping,
            &mut check,
            &mut ignored,
            next_number,
            progress,
            now,
        )
        .await?
    } else {
        write_others(
            &tx,
            staff,
            target,
            rows,
            mapping,
            &check,
            &mut ignored,
            progress,
            now,
        )
        .await?
    };
    if ignored.count > 0 {
        // Only a change to the file between the passes could do this: write nothing.
        return Err(AppError::Conflict {
            code: "file_changed",
            message: "the file changed while it was imported: nothing was written; import it again".into(),
        });
    }
    if matches!(target, Target::Borrowers) {
        // Each new borrower's consents start their history, as one added by hand does.
        people::service::record_imported(&tx, check.organisation_id, staff.id(), now).await?;
    }
    audit::record(
        &tx,
        staff,
        EntityRef::Organisation(check.organisation_id),
        AuditAction::Imported,
        json!({"what": target.as_str(), "rows": written, "new_hubs": check.new_hubs}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(written)
}

/// Borrowers and directory services, a batch at a time.
#[allow(clippy::too_many_arguments)]
async fn write_others<R: Read>(
    tx: &DatabaseTransaction,
    staff: &Staff,
    target: Target,
    rows: &mut Rows<R>,
    mapping: &Mapping,
    check: &Check,
    ignored: &mut Problems,
    progress: &(dyn Fn(Stage, u64) + Sync),
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let mut written = 0;
    loop {
        let batch = rows.batch()?;
        if batch.is_empty() {
            return Ok(written);
        }
        if target == Target::Borrowers {
            let mut new_rows = Vec::with_capacity(batch.len());
            for (row, cells) in &batch {
                if let Some(details) = borrower(mapping, *row, cells, ignored) {
                    new_rows.push(people::service::new_row(
                        check.organisation_id,
                        &details,
                        staff.id(),
                        now,
                    ));
                }
            }
            written += new_rows.len() as u64;
            people::service::insert_many(tx, new_rows)
                .await
                .map_err(changed_meanwhile)?;
        } else {
            // A directory is hundreds of rows, not millions: each service with its areas and
            // place, as one added by hand.
            for (row, cells) in &batch {
                if let Some(new) = service(mapping, *row, cells, ignored) {
                    directory::service::insert(tx, check.organisation_id, staff.id(), &new, now).await?;
                    written += 1;
                }
            }
        }
        progress(Stage::Writing, written);
    }
}

/// The devices of the file, a batch at a time, each with its "added" event. The next batch is read
/// and checked while the database writes this one, so the two cores share the work.
#[allow(clippy::too_many_arguments)]
async fn write_devices<R: Read>(
    tx: &DatabaseTransaction,
    staff: &Staff,
    rows: &mut Rows<R>,
    mapping: &Mapping,
    check: &mut Check,
    ignored: &mut Problems,
    mut next_number: i32,
    progress: &(dyn Fn(Stage, u64) + Sync),
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let organisation_id = check.organisation_id;
    let mut read_next = |check: &mut Check, ignored: &mut Problems| -> Result<Option<NewRows>, AppError> {
        let batch = rows.batch()?;
        if batch.is_empty() {
            return Ok(None);
        }
        let mut new = NewRows::default();
        for (row, cells) in &batch {
            let Some(device) = check.device(mapping, *row, cells, ignored) else {
                continue;
            };
            let tag = device.asset_tag.clone().unwrap_or_else(|| {
                next_number += 1;
                AssetTag::numbered(&check.prefix, next_number - 1)
            });
            new.rows.push(devices::service::new_row(
                organisation_id,
                &tag,
                device.kind,
                DeviceStatus::Available,
                &device.details,
                now,
            ));
            new.tags.push(tag.as_str().to_owned());
        }
        Ok(Some(new))
    };
    let mut written = 0;
    let mut batch = read_next(check, ignored)?;
    while let Some(new) = batch {
        // `join!` starts the insert first; its statement runs on the database's thread while
        // this one reads the next batch.
        let (added, next) = tokio::join!(insert_devices(tx, staff, organisation_id, new, now), async {
            read_next(check, ignored)
        });
        written += added?;
        progress(Stage::Writing, written);
        batch = next?;
    }
    Ok(written)
}

/// One batch of device rows, not yet written, with their tags.
#[derive(Default)]
struct NewRows {
    rows: Vec<crate::entities::device::ActiveModel>,
    tags: Vec<String>,
}

async fn insert_devices(
    tx: &DatabaseTransaction,
    staff: &Staff,
    organisation_id: i32,
    new: NewRows,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    devices::service::insert_many(tx, new.rows)
        .await
        .map_err(changed_meanwhile)?;
    let added = devices::service::ids_of_tags(tx, organisation_id, new.tags).await?;
    let count = added.len() as u64;
    audit::insert_many(
        tx,
        added
            .into_iter()
            .map(|(id, tag)| NewEvent {
                organisation_id,
                at: now,
                actor: Actor::Staff(staff),
                entity: EntityRef::Device(id),
                action: AuditAction::DeviceAdded,
                details: json!({"asset_tag": tag, "imported": true}),
            })
            .collect(),
    )
    .await?;
    Ok(count)
}

fn changed_meanwhile(err: sea_orm::DbErr) -> AppError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code: "duplicate",
            message: "a row of the file was added by someone else meanwhile: nothing was written; import it again to see which".into(),
        },
        _ => err.into(),
    }
}
