//! Staff, session, token and sign-in-failure rows.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
    sea_query::{Expr, ExprTrait, Func, Query, SelectStatement},
};

use super::model::Role;
use crate::entities::{
    api_token::{self, Entity as ApiToken},
    login_failure::{self, Entity as LoginFailure},
    staff_session::{self, Entity as StaffSession},
    staff_user::{self, Entity as StaffUser},
};

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
        last_seen_at: Set(Some(now)),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn delete_session(db: &impl ConnectionTrait, id_hash: &str) -> Result<(), DbErr> {
    StaffSession::delete_by_id(id_hash.to_owned()).exec(db).await?;
    Ok(())
}

/// When a session was last used: marked, or else when it started.
fn last_used() -> Expr {
    Func::coalesce([
        Expr::col(staff_session::Column::LastSeenAt),
        Expr::col(staff_session::Column::CreatedAt),
    ])
    .into()
}

/// The active staff member behind a session that has neither expired nor been idle since
/// `idle_before`: one query.
pub async fn staff_for_session(
    db: &impl ConnectionTrait,
    id_hash: &str,
    now: DateTime<Utc>,
    idle_before: DateTime<Utc>,
) -> Result<Option<staff_user::Model>, DbErr> {
    let sessions = Query::select()
        .column(staff_session::Column::StaffId)
        .from(StaffSession)
        .and_where(staff_session::Column::Id.eq(id_hash))
        .and_where(staff_session::Column::ExpiresAt.gt(now))
        .and_where(last_used().gte(idle_before))
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

/// A staff member's unexpired API tokens, newest first (at most `limit`).
pub async fn tokens_of(
    db: &impl ConnectionTrait,
    staff_id: i32,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<api_token::Model>, DbErr> {
    ApiToken::find()
        .filter(api_token::Column::StaffId.eq(staff_id))
        .filter(api_token::Column::ExpiresAt.gt(now))
        .order_by_desc(api_token::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Deletes one of a staff member's tokens; `false` when they have no such token.
pub async fn delete_token(db: &impl ConnectionTrait, staff_id: i32, id: i32) -> Result<bool, DbErr> {
    let result = ApiToken::delete_many()
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::StaffId.eq(staff_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
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

/// Holds, until the transaction ends, PostgreSQL's lock for sign-ins from `address`, so that
/// counting the attempts and recording one is a single step there too (SQLite's single writer
/// already makes it one).
pub async fn lock_address(db: &impl ConnectionTrait, address: &str) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            [address.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Sign-in attempts from `address` since `since`: for one email when given, else for any.
pub async fn count_attempts_since(
    db: &impl ConnectionTrait,
    address: &str,
    email: Option<&str>,
    since: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut query = LoginFailure::find()
        .filter(login_failure::Column::Address.eq(address))
        .filter(login_failure::Column::At.gt(since));
    if let Some(email) = email {
        query = query.filter(login_failure::Column::Email.eq(email));
    }
    query.count(db).await
}

pub async fn insert_attempt(
    db: &impl ConnectionTrait,
    address: &str,
    email: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    login_failure::ActiveModel {
        email: Set(email.to_owned()),
        address: Set(Some(address.to_owned())),
        at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Forgets the attempts for `email` from `address`, after it signed in.
pub async fn clear_attempts(db: &impl ConnectionTrait, address: &str, email: &str) -> Result<(), DbErr> {
    LoginFailure::delete_many()
        .filter(login_failure::Column::Address.eq(address))
        .filter(login_failure::Column::Email.eq(email))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks a session used at `now`, when it was last marked more than a minute ago (one write a
/// minute per browser, not one a request).
pub async fn touch_session(
    db: &impl ConnectionTrait,
    id_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    StaffSession::update_many()
        .col_expr(staff_session::Column::LastSeenAt, Some(now).into())
        .filter(staff_session::Column::Id.eq(id_hash))
        .filter(
            Condition::any()
                .add(staff_session::Column::LastSeenAt.is_null())
                .add(staff_session::Column::LastSeenAt.lt(now - Duration::minutes(1))),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes what can no longer be used: sign-in attempts older than `attempts_before`, sessions
/// expired or idle since `idle_before`, and expired API tokens. Returns how many rows went.
pub async fn purge(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    attempts_before: DateTime<Utc>,
    idle_before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let attempts = LoginFailure::delete_many()
        .filter(login_failure::Column::At.lt(attempts_before))
        .exec(db)
        .await?;
    let sessions = StaffSession::delete_many()
        .filter(
            Condition::any()
                .add(staff_session::Column::ExpiresAt.lte(now))
                .add(last_used().lt(idle_before)),
        )
        .exec(db)
        .await?;
    let tokens = ApiToken::delete_many()
        .filter(api_token::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    Ok(attempts.rows_affected + sessions.rows_affected + tokens.rows_affected)
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
