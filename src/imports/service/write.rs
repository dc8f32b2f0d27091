//! The second pass: the file read again and every row written, with the hubs it names and its
//! audit events, in one transaction. A row that no longer reads as it did writes nothing.

use std::io::Read;

use chrono::{DateTime, Utc};
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
    let mut written = 0;
    let mut ignored = Problems::default();
    loop {
        let batch = rows.batch()?;
        if batch.is_empty() {
            break;
        }
        match target {
            Target::Devices => {
                let mut new_rows = Vec::with_capacity(batch.len());
                for (row, cells) in &batch {
                    let Some(device) = check.device(mapping, *row, cells, &mut ignored) else {
                        continue;
                    };
                    let tag = device.asset_tag.clone().unwrap_or_else(|| {
                        next_number += 1;
                        AssetTag::numbered(&check.prefix, next_number - 1)
                    });
                    new_rows.push(devices::service::new_row(
                        check.organisation_id,
                        &tag,
                        device.kind,
                        DeviceStatus::Available,
                        &device.details,
                        now,
                    ));
                }
                let added = devices::service::insert_returning_tags(&tx, new_rows)
                    .await
                    .map_err(changed_meanwhile)?;
                written += added.len() as u64;
                audit::insert_many(
                    &tx,
                    added
                        .into_iter()
                        .map(|(id, tag)| NewEvent {
                            organisation_id: check.organisation_id,
                            at: now,
                            actor: Actor::Staff(staff),
                            entity: EntityRef::Device(id),
                            action: AuditAction::DeviceAdded,
                            details: json!({"asset_tag": tag, "imported": true}),
                        })
                        .collect(),
                )
                .await?;
            }
            Target::Borrowers => {
                let mut new_rows = Vec::with_capacity(batch.len());
                for (row, cells) in &batch {
                    if let Some(details) = borrower(mapping, *row, cells, &mut ignored) {
                        new_rows.push(people::service::new_row(
                            check.organisation_id,
                            &details,
                            staff.id(),
                            now,
                        ));
                    }
                }
                written += new_rows.len() as u64;
                people::service::insert_many(&tx, new_rows)
                    .await
                    .map_err(changed_meanwhile)?;
            }
            // A directory is hundreds of rows, not millions: each service with its areas and
            // place, as one added by hand.
            Target::Directory => {
                for (row, cells) in &batch {
                    if let Some(new) = service(mapping, *row, cells, &mut ignored) {
                        directory::service::insert(&tx, check.organisation_id, staff.id(), &new, now).await?;
                        written += 1;
                    }
                }
            }
        }
        progress(Stage::Writing, written);
    }
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

fn changed_meanwhile(err: sea_orm::DbErr) -> AppError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code: "duplicate",
            message: "a row of the file was added by someone else meanwhile: nothing was written; import it again to see which".into(),
        },
        _ => err.into(),
    }
}
