//! What an agreement in force lets a staff member read of another organisation: a [`Grant`],
//! which only [`grant`] makes, after finding the agreement; the reads of another organisation's
//! people take one, so none can be made without the agreement. Each such read goes into the
//! person's access log, naming the agreement.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use crate::{
    auth::{Action, Staff},
    dates::today,
    db::Db,
    error::AppError,
    people::{self, model::Looked},
    sharing::{
        model::{Purpose, SharedData, Status, status},
        repo,
    },
};

/// Leave, under one agreement in force today, for a staff member to read what it names of the
/// other organisation. Its fields are private and only [`grant`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    agreement_id: i32,
    reader: i32,
    other: i32,
    data: Vec<SharedData>,
}

impl Grant {
    pub fn agreement_id(&self) -> i32 {
        self.agreement_id
    }

    /// The organisation whose rows it lets the reader see.
    pub fn other_organisation_id(&self) -> i32 {
        self.other
    }

    /// The reader's organisation.
    pub fn reader_organisation_id(&self) -> i32 {
        self.reader
    }

    pub fn allows(&self, data: SharedData) -> bool {
        self.data.contains(&data)
    }
}

/// The grant for `staff` to read `need` of `other`'s people for `purpose` today: of the
/// agreements in force between the two for it that name `need`, the one that names the most
/// besides (the newest of equals); `None` without one, and for the staff member's own
/// organisation, which needs none.
pub async fn grant(
    db: &impl ConnectionTrait,
    staff: &Staff,
    other: i32,
    purpose: Purpose,
    need: SharedData,
    now: DateTime<Utc>,
) -> Result<Option<Grant>, AppError> {
    if other == staff.organisation_id() {
        return Ok(None);
    }
    let rows =
        repo::in_force_between(db, staff.organisation_id(), other, purpose.as_str(), today(now)).await?;
    let best = rows.into_iter().fold(None::<Grant>, |best, row| {
        let data = row.data.into_inner();
        if !data.contains(&need) {
            return best;
        }
        match best {
            Some(best) if best.data.len() >= data.len() => Some(best),
            _ => Some(Grant {
                agreement_id: row.id,
                reader: staff.organisation_id(),
                other,
                data,
            }),
        }
    });
    Ok(best)
}

/// The organisations that share `need` with `staff`'s organisation for `purpose` today, a
/// grant each.
pub async fn grants(
    db: &impl ConnectionTrait,
    staff: &Staff,
    purpose: Purpose,
    need: SharedData,
    now: DateTime<Utc>,
) -> Result<Vec<Grant>, AppError> {
    let rows = repo::partners_in_force(db, staff.organisation_id(), purpose.as_str(), today(now)).await?;
    let mut others: Vec<i32> = rows
        .iter()
        .map(|r| {
            if r.organisation_id == staff.organisation_id() {
                r.with_organisation_id
            } else {
                r.organisation_id
            }
        })
        .collect();
    others.sort_unstable();
    others.dedup();
    let mut grants = Vec::new();
    for other in others {
        grants.extend(grant(db, staff, other, purpose, need, now).await?);
    }
    Ok(grants)
}

/// A person of another organisation, as an agreement shows them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SharedPerson {
    pub borrower_id: i32,
    pub organisation_id: i32,
    pub name: String,
    pub large_print: bool,
    pub accessibility_needs: Option<String>,
    /// Only under an agreement that names contact details.
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The agreement they are shown under.
    pub agreement_id: i32,
}

fn shared_person(grant: &Grant, row: crate::entities::borrower::Model) -> SharedPerson {
    let contact = grant.allows(SharedData::Contact);
    SharedPerson {
        borrower_id: row.id,
        organisation_id: row.organisation_id,
        name: row.name,
        large_print: row.large_print,
        accessibility_needs: row.accessibility_needs,
        phone: row.phone.filter(|_| contact),
        email: row.email.filter(|_| contact),
        agreement_id: grant.agreement_id,
    }
}

/// Of `ids`, the people of other organisations `staff` may see for `purpose` now: under an
/// agreement in force that names their names, and only those who consented to sharing with
/// partners. Each one shown is written to their access log as `what`, naming the agreement.
pub async fn shared_people(
    db: &Db,
    staff: &Staff,
    purpose: Purpose,
    ids: &[i32],
    what: Looked,
    now: DateTime<Utc>,
) -> Result<HashMap<i32, SharedPerson>, AppError> {
    let mut by_organisation: HashMap<i32, Vec<i32>> = HashMap::new();
    for (id, organisation_id) in people::service::organisations_of(&db.read, ids).await? {
        if organisation_id != staff.organisation_id() {
            by_organisation.entry(organisation_id).or_default().push(id);
        }
    }
    let mut shown = HashMap::new();
    for (other, ids) in by_organisation {
        let Some(grant) = grant(&db.read, staff, other, purpose, SharedData::Names, now).await? else {
            continue;
        };
        let rows = people::service::find_shared(&db.read, &grant, &ids).await?;
        let looked: Vec<i32> = rows.iter().map(|r| r.id).collect();
        people::service::looked_under(db, staff, &grant, &looked, what, now).await?;
        shown.extend(rows.into_iter().map(|row| (row.id, shared_person(&grant, row))));
    }
    Ok(shown)
}

/// `GET /sharing-agreements/{id}/people`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SharedQuery {
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^[0-9]{1,9}$")]
    pub cursor: Option<String>,
    /// How many a page holds (1 to 100; 25 unless given).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SharedPage {
    pub items: Vec<SharedPerson>,
    /// How many people the agreement shares now.
    pub total: u64,
    pub next_cursor: Option<String>,
}

/// The other organisation's people an agreement in force shares with the caller's now (those
/// who consented), by id: for a trainer to find a partner's learner to enrol. Each listed is
/// written to their access log.
///
/// # Errors
/// `NotFound` for an agreement the organisation is not a party to; `Conflict` `not_in_force`
/// when it is not in force today or names no names.
pub async fn shared_with_us(
    db: &Db,
    staff: &Staff,
    agreement_id: i32,
    query: &SharedQuery,
    now: DateTime<Utc>,
) -> Result<SharedPage, AppError> {
    staff.require(Action::ViewTraining)?;
    let row = repo::find(&db.read, staff.organisation_id(), agreement_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no sharing agreement with id {agreement_id}")))?;
    let other = if row.organisation_id == staff.organisation_id() {
        row.with_organisation_id
    } else {
        row.organisation_id
    };
    // This agreement, whatever others are in force between the two.
    let data = row.data.into_inner();
    let in_force = status(
        row.accepted_at.is_some(),
        row.ended_at.is_some(),
        row.starts_on,
        row.ends_on,
        today(now),
    ) == Status::InForce;
    let grant = (in_force && data.contains(&SharedData::Names))
        .then(|| Grant {
            agreement_id,
            reader: staff.organisation_id(),
            other,
            data,
        })
        .ok_or_else(|| AppError::Conflict {
            code: "not_in_force",
            message: "this agreement shares no names today: it is not in force, or names no names".into(),
        })?;
    let limit = crate::paging::page_size(query.limit, 25, 100)?;
    let after = crate::paging::id_cursor(query.cursor.as_deref())?;
    let rows = people::service::shared_page(&db.read, &grant, after, limit + 1).await?;
    let total = people::service::shared_count(&db.read, &grant).await?;
    let (rows, next) = crate::paging::cut_by(rows, limit, |r| r.id.to_string());
    let listed: Vec<i32> = rows.iter().map(|r| r.id).collect();
    people::service::looked_under(db, staff, &grant, &listed, Looked::SharedList, now).await?;
    let items = rows.into_iter().map(|row| shared_person(&grant, row)).collect();
    Ok(SharedPage {
        items,
        total,
        next_cursor: next,
    })
}
