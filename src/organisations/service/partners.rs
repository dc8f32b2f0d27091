//! The scheme's partner organisations: the first organisation leads, and its admins add the
//! others (each with its own prefix, hubs, devices, staff and borrowers) and invite each one's
//! first admin. `lendhub organisation create` does the same from the server.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, SqlErr};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    audit::{self, Actor, AuditAction, EntityRef, NewEvent},
    auth::{Action, Staff},
    db::{self, Db},
    entities::organisation,
    error::AppError,
    organisations::{
        model::{NewOrganisationRequest, OrganisationKind},
        repo,
    },
};

/// An organisation as the lead's list shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerView {
    pub id: i32,
    pub name: String,
    pub prefix: String,
    #[schema(value_type = OrganisationKind)]
    pub kind: String,
    /// The organisation that leads the scheme (the first).
    pub lead: bool,
    /// Someone has signed up as its admin (until then the lead may make it a new invitation).
    pub has_admin: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerPage {
    pub items: Vec<PartnerView>,
    pub total: u64,
    pub next_cursor: Option<String>,
}

/// `GET /organisations`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartnerQuery {
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^[0-9]{1,9}$")]
    pub cursor: Option<String>,
    /// How many a page holds (1 to 200; 50 unless given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// `POST /organisations` answers the new organisation and its first admin's invitation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedOrganisation {
    pub id: i32,
    pub invitation_url: String,
    pub expires_at: DateTime<Utc>,
}

/// Whether `organisation_id` leads the scheme: it came first.
pub async fn leads(db: &impl ConnectionTrait, organisation_id: i32) -> Result<bool, AppError> {
    Ok(repo::first(db).await?.is_some_and(|o| o.id == organisation_id))
}

/// The lead organisation's admins manage the partnership; anyone else is refused.
pub async fn require_lead_admin(db: &impl ConnectionTrait, staff: &Staff) -> Result<(), AppError> {
    staff.require(Action::ManageStaff)?;
    if leads(db, staff.organisation_id()).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only the lead organisation's admins add or list the scheme's organisations".into(),
        ))
    }
}

/// Whether someone has made an admin account in the organisation (an invitation not yet taken
/// up does not count).
async fn has_admin(db: &impl ConnectionTrait, organisation_id: i32) -> Result<bool, AppError> {
    Ok(crate::auth::service::staff_of(db, organisation_id)
        .await?
        .iter()
        .any(|s| s.role == crate::auth::Role::Admin && s.password_hash != crate::staff::model::NO_PASSWORD))
}

fn view(row: organisation::Model, lead_id: Option<i32>, has_admin: bool) -> PartnerView {
    PartnerView {
        has_admin,
        lead: Some(row.id) == lead_id,
        id: row.id,
        name: row.name,
        prefix: row.asset_prefix,
        kind: row.kind,
        created_at: row.created_at,
    }
}

/// The scheme's organisations, the lead first.
pub async fn list(db: &Db, staff: &Staff, query: &PartnerQuery) -> Result<PartnerPage, AppError> {
    require_lead_admin(&db.read, staff).await?;
    let limit = crate::paging::page_size(query.limit, 50, 200)?;
    let after = crate::paging::id_cursor(query.cursor.as_deref())?;
    let lead = repo::first(&db.read).await?.map(|o| o.id);
    let rows = repo::list(&db.read, after, limit + 1).await?;
    let total = repo::count(&db.read).await?;
    let (rows, next) = crate::paging::cut_by(rows, limit, |r| r.id.to_string());
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let admin = has_admin(&db.read, row.id).await?;
        items.push(view(row, lead, admin));
    }
    Ok(PartnerPage {
        items,
        total,
        next_cursor: next,
    })
}

/// Adds a partner organisation and invites its first admin: by a lead admin (`by`), or from the
/// server's command line (`None`).
///
/// # Errors
/// `Forbidden` for all but the lead's admins; `Invalid` naming the first field at fault;
/// `Conflict` `prefix_taken` or `duplicate_email`.
pub async fn create(
    db: &Db,
    by: Option<&Staff>,
    public_url: &str,
    request: &NewOrganisationRequest,
    now: DateTime<Utc>,
) -> Result<CreatedOrganisation, AppError> {
    if let Some(staff) = by {
        require_lead_admin(&db.read, staff).await?;
    }
    let new = request
        .parse()
        .map_err(|mut errors| AppError::Invalid(errors.remove(0)))?;
    let tx = db::begin_write(db).await?;
    let row = repo::insert_partner(&tx, &new.name, new.prefix.as_str(), new.kind.as_str(), now)
        .await
        .map_err(|err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
                code: "prefix_taken",
                message: format!(
                    "another organisation's tags start {}: choose another prefix",
                    new.prefix.as_str()
                ),
            },
            _ => err.into(),
        })?;
    let (invitation_url, expires_at) = match &new.admin {
        Some((name, email)) => {
            let invited =
                crate::staff::service::invite_first_admin(&tx, by, row.id, name, email, public_url, now)
                    .await?;
            (invited.invitation_url, invited.expires_at)
        }
        None => super::joining::new_invitation(&tx, by, row.id, public_url, now).await?,
    };
    let details = json!({"organisation_id": row.id, "kind": row.kind, "prefix": row.asset_prefix});
    let event = |organisation_id, actor| NewEvent {
        organisation_id,
        at: now,
        actor,
        entity: EntityRef::Organisation(row.id),
        action: AuditAction::OrganisationCreated,
        details: details.clone(),
    };
    let mut events = vec![event(row.id, Actor::System("partnership"))];
    if let Some(staff) = by {
        // The lead's own log says who added the partner, too.
        events.push(event(staff.organisation_id(), Actor::Staff(staff)));
    }
    audit::insert_many(&tx, events).await?;
    tx.commit().await?;
    Ok(CreatedOrganisation {
        id: row.id,
        invitation_url,
        expires_at,
    })
}

/// A new invitation for a partner nobody has yet signed up to as admin (its first link ran out,
/// or went to the wrong person): a `/join/{key}` link, valid 7 days. Once the partner has an
/// admin it is theirs to invite colleagues, and the lead can make no account in it.
///
/// # Errors
/// `Forbidden` for all but the lead's admins; `NotFound` for the lead itself or no such
/// organisation; `Conflict` `has_admin`.
pub async fn reinvite(
    db: &Db,
    staff: &Staff,
    organisation_id: i32,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<CreatedOrganisation, AppError> {
    require_lead_admin(&db.read, staff).await?;
    let not_found = || {
        AppError::NotFound(format!(
            "there is no partner organisation with id {organisation_id}"
        ))
    };
    if organisation_id == staff.organisation_id() {
        return Err(not_found());
    }
    repo::find(&db.read, organisation_id)
        .await?
        .ok_or_else(not_found)?;
    if has_admin(&db.read, organisation_id).await? {
        return Err(AppError::Conflict {
            code: "has_admin",
            message: "this organisation has an admin already: they invite its staff".into(),
        });
    }
    let tx = db::begin_write(db).await?;
    let (invitation_url, expires_at) =
        super::joining::new_invitation(&tx, Some(staff), organisation_id, public_url, now).await?;
    audit::record(
        &tx,
        staff,
        EntityRef::Organisation(organisation_id),
        AuditAction::OrganisationUpdated,
        json!({"invitation": "new"}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedOrganisation {
        id: organisation_id,
        invitation_url,
        expires_at,
    })
}
