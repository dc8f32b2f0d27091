//! Staff accounts made from the command line or an admin's request, and first-run set-up: the
//! organisation and its first admin, while no account exists yet.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, SqlErr};

use super::passwords::hash_password;
use crate::{
    audit::{self, Actor, AuditAction, EntityRef, NewEvent},
    auth::{
        model::{Action, Role, Staff, check_password, parse_email},
        repo,
    },
    db::{self, Db},
    error::{AppError, FieldError},
    organisations::{
        self,
        model::{AssetPrefix, parse_name},
    },
};

/// The conflict a second account for one email is.
pub fn duplicate_email(err: sea_orm::DbErr, email: &str) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code: "duplicate_email",
            message: format!("there is already an account for {email}"),
        },
        _ => err.into(),
    }
}

/// A staff account as asked for, before it is checked.
#[derive(Debug, Clone)]
pub struct NewStaffRequest {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password: String,
}

/// Creates a staff account in `organisation_id`. `actor` is `None` only for the command line.
pub async fn create_staff(
    db: &Db,
    actor: Option<&Staff>,
    organisation_id: i32,
    request: NewStaffRequest,
    now: DateTime<Utc>,
) -> Result<Staff, AppError> {
    if let Some(actor) = actor {
        actor.require(Action::ManageStaff)?;
    }
    let email = parse_email("email", &request.email)?;
    let name = parse_name("name", "a name", &request.name, 100)?;
    check_password("password", &request.password)?;
    let hash = hash_password(request.password).await?;
    let tx = db::begin_write(db).await?;
    let row = repo::insert_staff(&tx, organisation_id, &email, &name, request.role, hash, now)
        .await
        .map_err(|err| duplicate_email(err, &email))?;
    audit::insert(
        &tx,
        NewEvent {
            organisation_id,
            at: now,
            actor: actor.map_or(Actor::System("command line"), Actor::Staff),
            entity: EntityRef::Staff(row.id),
            action: AuditAction::StaffCreated,
            details: serde_json::json!({"email": email, "name": name, "role": request.role}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row.into())
}

/// What the first-run set-up page asks for.
#[derive(Debug, Clone, Default)]
pub struct SetupRequest {
    pub organisation_name: String,
    pub asset_prefix: String,
    pub name: String,
    pub email: String,
    pub password: String,
}

/// Every problem with a set-up form, so the page can show them all at once.
pub fn check_setup(request: &SetupRequest) -> Vec<FieldError> {
    [
        parse_name(
            "organisation_name",
            "the organisation's name",
            &request.organisation_name,
            100,
        )
        .err(),
        AssetPrefix::parse("asset_prefix", &request.asset_prefix).err(),
        parse_name("name", "your name", &request.name, 100).err(),
        parse_email("email", &request.email).err(),
        check_password("password", &request.password).err(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// First run: creates the organisation and its first admin, while no account exists yet.
pub async fn setup(db: &Db, request: SetupRequest, now: DateTime<Utc>) -> Result<Staff, AppError> {
    if let Some(first) = check_setup(&request).into_iter().next() {
        return Err(first.into());
    }
    let prefix = AssetPrefix::parse("asset_prefix", &request.asset_prefix)?;
    let hash = hash_password(request.password).await?;
    let tx = db::begin_write(db).await?;
    if repo::count_staff(&tx).await? > 0 {
        return Err(AppError::NotFound("lendhub is already set up".into()));
    }
    let org =
        organisations::service::insert(&tx, request.organisation_name.trim(), prefix.as_str(), now).await?;
    let row = repo::insert_staff(
        &tx,
        org.id,
        &parse_email("email", &request.email)?,
        request.name.trim(),
        Role::Admin,
        hash,
        now,
    )
    .await?;
    let actor = Actor::System("first-run set-up");
    for (entity, action) in [
        (EntityRef::Organisation(org.id), AuditAction::OrganisationCreated),
        (EntityRef::Staff(row.id), AuditAction::StaffCreated),
    ] {
        audit::insert(
            &tx,
            NewEvent {
                organisation_id: org.id,
                at: now,
                actor,
                entity,
                action,
                details: serde_json::json!({"name": row.name, "organisation": org.name}),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(row.into())
}

pub async fn needs_setup(db: &impl ConnectionTrait) -> Result<bool, AppError> {
    Ok(repo::count_staff(db).await? == 0)
}

/// Used by the command line: the organisation to add accounts to, created on first use when a
/// name and prefix are given.
pub async fn organisation_for_cli(
    db: &Db,
    name: Option<&str>,
    prefix: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i32, AppError> {
    if let Some(org) = organisations::service::first(&db.read).await? {
        return Ok(org.id);
    }
    let (Some(name), Some(prefix)) = (name, prefix) else {
        return Err(AppError::invalid(
            "organisation",
            "there is no organisation yet: give --organisation and --prefix, or use the set-up link that `lendhub serve` prints",
        ));
    };
    let name = parse_name("organisation", "the organisation's name", name, 100)?;
    let prefix = AssetPrefix::parse("prefix", prefix)?;
    let tx = db::begin_write(db).await?;
    let org = organisations::service::insert(&tx, &name, prefix.as_str(), now).await?;
    tx.commit().await?;
    Ok(org.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_reports_every_problem_at_once() {
        let fields: Vec<_> = check_setup(&SetupRequest::default())
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["organisation_name", "asset_prefix", "name", "email", "password"]
        );
    }
}
