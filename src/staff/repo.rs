//! Rows for managing staff accounts: the list, role and active flag, hub assignments, ending a
//! disabled account's sessions and tokens, and one-time password links.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::{
    auth::{Role, model::Credential},
    entities::{
        api_token::{self, Entity as ApiToken},
        staff_hub::{self, Entity as StaffHub},
        staff_link::{self, Entity as StaffLink},
        staff_session::{self, Entity as StaffSession},
        staff_user::{self, Entity as StaffUser},
    },
};

/// Up to `limit` of the organisation's staff with ids above `after`, by id.
pub async fn page(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    after: i32,
    limit: u64,
) -> Result<Vec<staff_user::Model>, DbErr> {
    StaffUser::find()
        .filter(staff_user::Column::OrganisationId.eq(organisation_id))
        .filter(staff_user::Column::Id.gt(after))
        .order_by_asc(staff_user::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// One of the organisation's staff, active or not.
pub async fn find(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    id: i32,
) -> Result<Option<staff_user::Model>, DbErr> {
    StaffUser::find_by_id(id)
        .filter(staff_user::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await
}

pub async fn update(db: &impl ConnectionTrait, id: i32, role: Role, active: bool) -> Result<(), DbErr> {
    StaffUser::update_many()
        .col_expr(staff_user::Column::Role, role.into())
        .col_expr(staff_user::Column::Active, active.into())
        .filter(staff_user::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Changes an account's name and the email it signs in with.
pub async fn rename(db: &impl ConnectionTrait, id: i32, name: &str, email: &str) -> Result<(), DbErr> {
    StaffUser::update_many()
        .col_expr(staff_user::Column::Name, name.into())
        .col_expr(staff_user::Column::Email, email.into())
        .filter(staff_user::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn set_password(db: &impl ConnectionTrait, id: i32, hash: String) -> Result<(), DbErr> {
    StaffUser::update_many()
        .col_expr(staff_user::Column::PasswordHash, hash.into())
        .filter(staff_user::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every browser session and API token of a staff member.
pub async fn sign_out_everywhere(db: &impl ConnectionTrait, staff_id: i32) -> Result<(), DbErr> {
    StaffSession::delete_many()
        .filter(staff_session::Column::StaffId.eq(staff_id))
        .exec(db)
        .await?;
    ApiToken::delete_many()
        .filter(api_token::Column::StaffId.eq(staff_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every browser session and API token of a staff member but the one `keep`.
pub async fn sign_out_elsewhere(
    db: &impl ConnectionTrait,
    staff_id: i32,
    keep: &Credential,
) -> Result<(), DbErr> {
    let (session, token) = match keep {
        Credential::Session(hash) => (Some(hash.clone()), None),
        Credential::Token(hash) => (None, Some(hash.clone())),
        Credential::None => (None, None),
    };
    let mut sessions = StaffSession::delete_many().filter(staff_session::Column::StaffId.eq(staff_id));
    if let Some(hash) = session {
        sessions = sessions.filter(staff_session::Column::Id.ne(hash));
    }
    sessions.exec(db).await?;
    let mut tokens = ApiToken::delete_many().filter(api_token::Column::StaffId.eq(staff_id));
    if let Some(hash) = token {
        tokens = tokens.filter(api_token::Column::TokenHash.ne(hash));
    }
    tokens.exec(db).await?;
    Ok(())
}

/// The hubs a staff member is assigned to.
pub async fn hubs_of(db: &impl ConnectionTrait, staff_id: i32) -> Result<Vec<i32>, DbErr> {
    StaffHub::find()
        .select_only()
        .column(staff_hub::Column::HubId)
        .filter(staff_hub::Column::StaffId.eq(staff_id))
        .order_by_asc(staff_hub::Column::HubId)
        .into_tuple()
        .all(db)
        .await
}

/// The hubs each of `staff_ids` is assigned to, in one query.
pub async fn hubs_of_many(
    db: &impl ConnectionTrait,
    staff_ids: Vec<i32>,
) -> Result<HashMap<i32, Vec<i32>>, DbErr> {
    let rows: Vec<(i32, i32)> = StaffHub::find()
        .select_only()
        .column(staff_hub::Column::StaffId)
        .column(staff_hub::Column::HubId)
        .filter(staff_hub::Column::StaffId.is_in(staff_ids))
        .order_by_asc(staff_hub::Column::HubId)
        .into_tuple()
        .all(db)
        .await?;
    let mut hubs: HashMap<i32, Vec<i32>> = HashMap::new();
    for (staff, hub) in rows {
        hubs.entry(staff).or_default().push(hub);
    }
    Ok(hubs)
}

/// Replaces a staff member's hubs with `hub_ids`.
pub async fn set_hubs(db: &impl ConnectionTrait, staff_id: i32, hub_ids: &[i32]) -> Result<(), DbErr> {
    StaffHub::delete_many()
        .filter(staff_hub::Column::StaffId.eq(staff_id))
        .exec(db)
        .await?;
    if !hub_ids.is_empty() {
        StaffHub::insert_many(hub_ids.iter().map(|&hub_id| staff_hub::ActiveModel {
            staff_id: Set(staff_id),
            hub_id: Set(hub_id),
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// A new one-time link; earlier unused links of the same staff member stop working.
pub async fn insert_link(
    db: &impl ConnectionTrait,
    row: staff_link::ActiveModel,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if let Set(staff_id) = row.staff_id {
        expire_links(db, staff_id, now).await?;
    }
    row.insert(db).await?;
    Ok(())
}

/// Marks every unused link of a staff member used.
pub async fn expire_links(db: &impl ConnectionTrait, staff_id: i32, now: DateTime<Utc>) -> Result<(), DbErr> {
    StaffLink::update_many()
        .col_expr(staff_link::Column::UsedAt, Some(now).into())
        .filter(staff_link::Column::StaffId.eq(staff_id))
        .filter(staff_link::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// The unused, unexpired link whose secret hashes to `token_hash`.
pub async fn live_link(
    db: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<staff_link::Model>, DbErr> {
    StaffLink::find()
        .filter(staff_link::Column::TokenHash.eq(token_hash))
        .filter(staff_link::Column::UsedAt.is_null())
        .filter(staff_link::Column::ExpiresAt.gt(now))
        .one(db)
        .await
}

/// Uses a link once: `false` when it was used (or expired) meanwhile.
pub async fn use_link(db: &impl ConnectionTrait, id: i32, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = StaffLink::update_many()
        .col_expr(staff_link::Column::UsedAt, Some(now).into())
        .filter(staff_link::Column::Id.eq(id))
        .filter(staff_link::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Whether a staff member has an unused, unexpired invitation: they have not chosen a password.
pub async fn pending_invitations(
    db: &impl ConnectionTrait,
    staff_ids: Vec<i32>,
    now: DateTime<Utc>,
) -> Result<Vec<i32>, DbErr> {
    StaffLink::find()
        .select_only()
        .column(staff_link::Column::StaffId)
        .filter(staff_link::Column::StaffId.is_in(staff_ids))
        .filter(staff_link::Column::Purpose.eq("invitation"))
        .filter(staff_link::Column::UsedAt.is_null())
        .filter(staff_link::Column::ExpiresAt.gt(now))
        .into_tuple()
        .all(db)
        .await
}

/// The longest-standing active admin.
pub async fn first_admin(db: &impl ConnectionTrait) -> Result<Option<staff_user::Model>, DbErr> {
    StaffUser::find()
        .filter(staff_user::Column::Role.eq(Role::Admin))
        .filter(staff_user::Column::Active.eq(true))
        .order_by_asc(staff_user::Column::Id)
        .one(db)
        .await
}
