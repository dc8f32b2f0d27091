//! Staff, session, token and sign-in-failure rows.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    sea_query::{Query, SelectStatement},
};

use super::model::{Role, Staff};
use crate::entities::{
    api_token::{self, Entity as ApiToken},
    login_failure::{self, Entity as LoginFailure},
    staff_session::{self, Entity as StaffSession},
    staff_user::{self, Entity as StaffUser},
};

impl From<staff_user::Model> for Staff {
    fn from(row: staff_user::Model) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            email: row.email,
            name: row.name,
            role: row.role,
        }
    }
}

pub async fn count_staff(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    StaffUser::find().count(db).await
}

pub async fn insert_staff(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    email: &str,
    name: &str,
    role: Role,
    password_hash: String,
    now: DateTime<Utc>,
) -> Result<staff_user::Model, DbErr> {
    staff_user::ActiveModel {
        organisation_id: Set(organisation_id),
        email: Set(email.to_owned()),
        name: Set(name.to_owned()),
        role: Set(role),
        password_hash: Set(password_hash),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn find_staff_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<staff_user::Model>, DbErr> {
    StaffUser::find()
        .filter(staff_user::Column::Email.eq(email))
        .one(db)
        .await
}

pub async fn insert_session(
    db: &impl ConnectionTrait,
    id_hash: String,
    staff_id: i32,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    staff_session::ActiveModel {
        id: Set(id_hash),
        staff_id: Set(staff_id),
        created_at: Set(now),
        expires_at: Set(expires_at),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn delete_session(db: &impl ConnectionTrait, id_hash: &str) -> Result<(), DbErr> {
    StaffSession::delete_by_id(id_hash.to_owned()).exec(db).await?;
    Ok(())
}

/// The active staff member behind a session that has not expired: one query.
pub async fn staff_for_session(
    db: &impl ConnectionTrait,
    id_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<staff_user::Model>, DbErr> {
    let sessions = Query::select()
        .column(staff_session::Column::StaffId)
        .from(StaffSession)
        .and_where(staff_session::Column::Id.eq(id_hash))
        .and_where(staff_session::Column::ExpiresAt.gt(now))
        .to_owned();
    active_staff_in(db, sessions).await
}

pub async fn insert_token(
    db: &impl ConnectionTrait,
    token_hash: String,
    staff_id: i32,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    api_token::ActiveModel {
        staff_id: Set(staff_id),
        token_hash: Set(token_hash),
        created_at: Set(now),
        expires_at: Set(expires_at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The active staff member behind an unexpired API token: one query.
pub async fn staff_for_token(
    db: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<staff_user::Model>, DbErr> {
    let tokens = Query::select()
        .column(api_token::Column::StaffId)
        .from(ApiToken)
        .and_where(api_token::Column::TokenHash.eq(token_hash))
        .and_where(api_token::Column::ExpiresAt.gt(now))
        .to_owned();
    active_staff_in(db, tokens).await
}

async fn active_staff_in(
    db: &impl ConnectionTrait,
    ids: SelectStatement,
) -> Result<Option<staff_user::Model>, DbErr> {
    StaffUser::find()
        .filter(staff_user::Column::Id.in_subquery(ids))
        .filter(staff_user::Column::Active.eq(true))
        .one(db)
        .await
}

pub async fn count_failures_since(
    db: &impl ConnectionTrait,
    email: &str,
    since: DateTime<Utc>,
) -> Result<u64, DbErr> {
    LoginFailure::find()
        .filter(login_failure::Column::Email.eq(email))
        .filter(login_failure::Column::At.gt(since))
        .count(db)
        .await
}

pub async fn insert_failure(db: &impl ConnectionTrait, email: &str, now: DateTime<Utc>) -> Result<(), DbErr> {
    login_failure::ActiveModel {
        email: Set(email.to_owned()),
        at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn clear_failures(db: &impl ConnectionTrait, email: &str) -> Result<(), DbErr> {
    LoginFailure::delete_many()
        .filter(login_failure::Column::Email.eq(email))
        .exec(db)
        .await?;
    Ok(())
}

/// An organisation's active staff, by name.
pub async fn staff_of(
    db: &impl ConnectionTrait,
    organisation_id: i32,
) -> Result<Vec<staff_user::Model>, DbErr> {
    StaffUser::find()
        .filter(staff_user::Column::OrganisationId.eq(organisation_id))
        .filter(staff_user::Column::Active.eq(true))
        .order_by_asc(staff_user::Column::Name)
        .all(db)
        .await
}

pub async fn find_staff_by_id(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<staff_user::Model>, DbErr> {
    StaffUser::find_by_id(id)
        .filter(staff_user::Column::Active.eq(true))
        .one(db)
        .await
}
