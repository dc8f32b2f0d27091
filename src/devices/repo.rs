//! Device rows. The list query pages by asset tag over an index that matches each filter, and
//! searches through the text index of the migration (FTS5 on SQLite, trigrams on PostgreSQL).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Statement,
    sea_query::{Expr, Query},
};

use super::model::{AssetTag, DeviceDetails, DeviceKind, DeviceStatus};
use crate::entities::device::{self, Entity as Device};

/// What a device list is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceFilter {
    pub status: Option<DeviceStatus>,
    pub kind: Option<DeviceKind>,
    /// Only these hubs' devices; `None` for every hub.
    pub hub_ids: Option<Vec<i32>>,
    /// Text to find within tag, serial number, make, model or IMEI: at least 3 characters.
    pub q: Option<String>,
    /// The asset tag after which the page starts.
    pub after: Option<String>,
}

fn set_details(row: &mut device::ActiveModel, details: &DeviceDetails, now: DateTime<Utc>) {
    let sim = details.sim.as_ref();
    row.make = Set(details.make.clone());
    row.model = Set(details.model.clone());
    row.serial_number = Set(details.serial_number.clone());
    row.imei = Set(details.imei.clone());
    row.condition = Set(details.condition);
    row.accessories = Set(details.accessories.clone().into());
    row.hub_id = Set(details.hub_id);
    row.funding_source = Set(details.funding_source.clone());
    row.purchased_on = Set(details.purchased_on);
    row.purchase_cost_pence = Set(details.purchase_cost_pence);
    row.notes = Set(details.notes.clone());
    row.sim_iccid = Set(sim.map(|s| s.iccid.clone()));
    row.sim_network = Set(sim.map(|s| s.network.clone()));
    row.sim_allowance_gb = Set(sim.and_then(|s| s.allowance_gb));
    row.sim_plan_ends_on = Set(sim.and_then(|s| s.plan_ends_on));
    row.updated_at = Set(now);
}

/// A new row, not yet written: for `insert` and for bulk loading.
pub fn new_row(
    organisation_id: i32,
    tag: &AssetTag,
    kind: DeviceKind,
    status: DeviceStatus,
    details: &DeviceDetails,
    now: DateTime<Utc>,
) -> device::ActiveModel {
    let mut row = device::ActiveModel {
        organisation_id: Set(organisation_id),
        asset_tag: Set(tag.as_str().to_owned()),
        kind: Set(kind),
        status: Set(status),
        created_at: Set(now),
        ..Default::default()
    };
    set_details(&mut row, details, now);
    row
}

pub async fn insert(db: &impl ConnectionTrait, row: device::ActiveModel) -> Result<device::Model, DbErr> {
    row.insert(db).await
}

pub async fn insert_many(db: &impl ConnectionTrait, rows: Vec<device::ActiveModel>) -> Result<(), DbErr> {
    Device::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

/// Inserts `rows` and answers each new device's id and asset tag, in the one statement.
pub async fn insert_returning_tags(
    db: &impl ConnectionTrait,
    rows: Vec<device::ActiveModel>,
) -> Result<Vec<(i32, String)>, DbErr> {
    let mut insert = Device::insert_many(rows).into_query();
    insert.returning(Query::returning().columns([device::Column::Id, device::Column::AssetTag]));
    db.query_all(&insert)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("", "id")?, row.try_get("", "asset_tag")?)))
        .collect()
}

pub async fn update_details(
    db: &impl ConnectionTrait,
    row: device::Model,
    details: &DeviceDetails,
    now: DateTime<Utc>,
) -> Result<device::Model, DbErr> {
    let serial_changed = row.serial_number != details.serial_number;
    let mut row = row.into_active_model();
    set_details(&mut row, details, now);
    if serial_changed {
        // A corrected serial number is checked like any other by the unique index.
        row.serial_duplicate = Set(false);
    }
    row.update(db).await
}

/// The tag of another device of the organisation with this serial number, if there is one.
pub async fn serial_taken_by(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    serial: &str,
    except_id: Option<i32>,
) -> Result<Option<String>, DbErr> {
    let mut query = Device::find()
        .select_only()
        .column(device::Column::AssetTag)
        .filter(device::Column::OrganisationId.eq(organisation_id))
        .filter(device::Column::SerialNumber.eq(serial));
    if let Some(id) = except_id {
        query = query.filter(device::Column::Id.ne(id));
    }
    query.into_tuple().one(db).await
}

/// Changes a device's kind (while it is available: nothing of a loan depends on it then).
pub async fn set_kind(
    db: &impl ConnectionTrait,
    id: i32,
    kind: DeviceKind,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    Device::update_many()
        .col_expr(device::Column::Kind, Expr::value(kind))
        .col_expr(device::Column::UpdatedAt, Expr::value(now))
        .filter(device::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn find_by_tag(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    tag: &AssetTag,
) -> Result<Option<device::Model>, DbErr> {
    Device::find()
        .filter(device::Column::AssetTag.eq(tag.as_str()))
        .filter(device::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await
}

/// A device by its tag, whatever organisation: for the public "found this device?" page, which
/// shows no more than where to bring it.
pub async fn find_by_tag_anywhere(
    db: &impl ConnectionTrait,
    tag: &AssetTag,
) -> Result<Option<device::Model>, DbErr> {
    Device::find()
        .filter(device::Column::AssetTag.eq(tag.as_str()))
        .one(db)
        .await
}

/// A device by its id, whatever organisation: for callers that reached it through a row of their own.
pub async fn find(db: &impl ConnectionTrait, id: i32) -> Result<Option<device::Model>, DbErr> {
    Device::find_by_id(id).one(db).await
}

/// The devices with these ids, in no particular order.
pub async fn find_many(db: &impl ConnectionTrait, ids: Vec<i32>) -> Result<Vec<device::Model>, DbErr> {
    Device::find().filter(device::Column::Id.is_in(ids)).all(db).await
}

/// Up to `limit` devices of the organisation matching `filter`, in asset-tag order.
pub async fn list(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    filter: &DeviceFilter,
    limit: u64,
) -> Result<Vec<device::Model>, DbErr> {
    let mut query = Device::find().filter(device::Column::OrganisationId.eq(organisation_id));
    if let Some(status) = filter.status {
        query = query.filter(device::Column::Status.eq(status));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(device::Column::Kind.eq(kind));
    }
    if let Some(hub_ids) = &filter.hub_ids {
        query = query.filter(device::Column::HubId.is_in(hub_ids.iter().copied()));
    }
    if let Some(after) = &filter.after {
        query = query.filter(device::Column::AssetTag.gt(after.as_str()));
    }
    if let Some(q) = &filter.q {
        if db.get_database_backend() == DbBackend::Postgres {
            query = query.filter(Expr::cust_with_values(
                format!("{SEARCH_TEXT} LIKE $1"),
                [format!("%{}%", escape_like(&q.to_lowercase()))],
            ));
        } else {
            match sqlite_matches(db, q).await? {
                // Few matches: find the page among them by their keys, then read the page's rows.
                Some(ids) => return page_of(db, organisation_id, filter, limit, ids).await,
                // Many matches: walk the list in tag order and stop at the page's end, which comes
                // soon because so many rows match.
                None => {
                    query = query.filter(Expr::cust_with_values(
                        format!("instr({SEARCH_TEXT}, ?) > 0"),
                        [q.to_lowercase()],
                    ));
                }
            }
        }
    }
    query
        .order_by_asc(device::Column::AssetTag)
        .limit(limit)
        .all(db)
        .await
}

/// The text a search looks in. On PostgreSQL the `devices_search_trgm` index is over this very
/// expression, so it must not change without the index.
const SEARCH_TEXT: &str = "lower(asset_tag || ' ' || coalesce(serial_number, '') || ' ' || make || ' ' || model || ' ' || \
     coalesce(imei, ''))";

/// Above this many text matches a search walks the list instead of fetching the matches.
const FEW_MATCHES: i64 = 500;

/// The ids of the devices whose text contains `q`, when there are few of them (FTS5 trigram index).
/// They come back as one row, a count and the ids joined by commas: sqlx hands each row over from
/// the connection's thread on its own, and a common word's 501 rows cost more in those hand-overs
/// than the index took to find them.
async fn sqlite_matches(db: &impl ConnectionTrait, q: &str) -> Result<Option<Vec<i32>>, DbErr> {
    let phrase = format!("\"{}\"", q.replace('"', "\"\""));
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT count(*), coalesce(group_concat(rowid), '') FROM \
             (SELECT rowid FROM devices_fts WHERE devices_fts MATCH ? LIMIT ?)",
            [phrase.into(), (FEW_MATCHES + 1).into()],
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("a count of the text matches".into()))?;
    if row.try_get_by_index::<i64>(0)? > FEW_MATCHES {
        return Ok(None);
    }
    let ids: String = row.try_get_by_index(1)?;
    ids.split(',')
        .filter(|id| !id.is_empty())
        .map(|id| {
            id.parse()
                .map_err(|_| DbErr::Type(format!("{id:?} is not a device id")))
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

/// One step of tidying the SQLite search index: FTS5 merges up to `pages` pages of its segments
/// towards one segment, as `optimize` does all at once (a negative count asks for that even where
/// a level holds few segments). Answers whether there was anything left to merge: FTS5
/// makes fewer than two changes when there was not.
pub async fn merge_search_index(db: &impl ConnectionTrait, pages: i64) -> Result<bool, DbErr> {
    let changes = || async {
        db.query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT total_changes()",
        ))
        .await?
        .map_or(Ok(0), |row| row.try_get_by_index::<i64>(0))
    };
    let before = changes().await?;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "INSERT INTO devices_fts(devices_fts, rank) VALUES ('merge', ?)",
        [(-pages).into()],
    ))
    .await?;
    Ok(changes().await? - before >= 2)
}

/// The page the list query would have returned from among `ids`, in one query. Each filter is
/// written `+column` so that SQLite finds the rows by their ids and sorts that handful, rather than
/// walking the organisation's tag index past a million rows that are not among them.
async fn page_of(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    filter: &DeviceFilter,
    limit: u64,
    ids: Vec<i32>,
) -> Result<Vec<device::Model>, DbErr> {
    let mut query = Device::find()
        .filter(device::Column::Id.is_in(ids))
        .filter(Expr::cust_with_values("+organisation_id = ?", [organisation_id]));
    if let Some(status) = filter.status {
        query = query.filter(Expr::cust_with_values("+status = ?", [status.as_str()]));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(Expr::cust_with_values("+kind = ?", [kind.as_str()]));
    }
    if let Some(hub_ids) = &filter.hub_ids {
        let marks = vec!["?"; hub_ids.len()].join(", ");
        query = query.filter(Expr::cust_with_values(
            format!("+hub_id IN ({marks})"),
            hub_ids.iter().copied(),
        ));
    }
    if let Some(after) = &filter.after {
        query = query.filter(Expr::cust_with_values("+asset_tag > ?", [after.as_str()]));
    }
    query
        .order_by_asc(device::Column::AssetTag)
        .limit(limit)
        .all(db)
        .await
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Which of `tags` are devices of the organisation.
pub async fn existing_tags(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    tags: &[AssetTag],
) -> Result<std::collections::HashSet<String>, DbErr> {
    let mut found = std::collections::HashSet::new();
    for chunk in tags.chunks(500) {
        let rows: Vec<String> = Device::find()
            .select_only()
            .column(device::Column::AssetTag)
            .filter(device::Column::OrganisationId.eq(organisation_id))
            .filter(device::Column::AssetTag.is_in(chunk.iter().map(AssetTag::as_str)))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Devices of the organisation added between `from` and `to`, optionally at one hub, by tag.
pub async fn added_between(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    hub_id: Option<i32>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<device::Model>, DbErr> {
    let mut query = Device::find()
        .filter(device::Column::OrganisationId.eq(organisation_id))
        .filter(device::Column::CreatedAt.gte(from))
        .filter(device::Column::CreatedAt.lt(to));
    if let Some(hub_id) = hub_id {
        query = query.filter(device::Column::HubId.eq(hub_id));
    }
    query
        .order_by_asc(device::Column::AssetTag)
        .limit(limit)
        .all(db)
        .await
}

/// Up to `limit` of the organisation's devices with ids above `after`, by id: one batch of an
/// export.
pub async fn batch_after(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    after: i32,
    limit: u64,
) -> Result<Vec<device::Model>, DbErr> {
    Device::find()
        .filter(device::Column::OrganisationId.eq(organisation_id))
        .filter(device::Column::Id.gt(after))
        .order_by_asc(device::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Which of `serials` are serial numbers of the organisation's devices.
pub async fn existing_serials(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    serials: &[String],
) -> Result<std::collections::HashSet<String>, DbErr> {
    let mut found = std::collections::HashSet::new();
    for chunk in serials.chunks(500) {
        let rows: Vec<Option<String>> = Device::find()
            .select_only()
            .column(device::Column::SerialNumber)
            .filter(device::Column::OrganisationId.eq(organisation_id))
            .filter(device::Column::SerialNumber.is_in(chunk.iter().map(String::as_str)))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows.into_iter().flatten());
    }
    Ok(found)
}
