//! A partner added without naming its first admin gets a one-time link, valid 7 days: whoever the
//! lead hands it to makes the organisation's first admin account with it (their name, email and
//! password), once.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use serde_json::json;

use crate::{
    audit::{self, Actor, AuditAction, EntityRef, NewEvent},
    auth::{self, Role, Staff, model::check_password},
    db::{self, Db},
    entities::organisation_invitation,
    error::{AppError, FieldError},
    organisations::{model::parse_name, repo},
};

/// How long a partner's invitation works.
pub const INVITATION_DAYS: i64 = 7;

/// Makes the link for `organisation_id`'s first admin, in the caller's transaction.
pub(super) async fn new_invitation(
    tx: &impl sea_orm::ConnectionTrait,
    by: Option<&Staff>,
    organisation_id: i32,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), AppError> {
    let key = auth::service::new_secret();
    let expires_at = now + Duration::days(INVITATION_DAYS);
    repo::insert_invitation(
        tx,
        organisation_invitation::ActiveModel {
            organisation_id: Set(organisation_id),
            key_hash: Set(auth::service::hash_secret(&key)),
            created_by: Set(by.map(Staff::id)),
            created_at: Set(now),
            expires_at: Set(expires_at),
            ..Default::default()
        },
    )
    .await?;
    Ok((
        format!("{}/join/{key}", public_url.trim_end_matches('/')),
        expires_at,
    ))
}

fn gone() -> AppError {
    AppError::NotFound("this invitation has been used or has run out: ask for a new one".into())
}

/// The name of the organisation a working link is for.
pub async fn invited_to(db: &Db, key: &str, now: DateTime<Utc>) -> Result<String, AppError> {
    let invitation = repo::open_invitation(&db.read, &auth::service::hash_secret(key), now)
        .await?
        .ok_or_else(gone)?;
    let org = repo::find(&db.read, invitation.organisation_id)
        .await?
        .ok_or_else(gone)?;
    Ok(org.name)
}

/// What the first admin types.
#[derive(Debug, Clone, Default)]
pub struct JoinRequest {
    pub name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub confirm: Option<String>,
}

impl JoinRequest {
    /// The name, email and password, or every field at fault, so the form shows them all.
    ///
    /// # Errors
    /// Each field that is wrong.
    pub fn check(&self) -> Result<(String, String, String), Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = parse_name("name", "your name", self.name.as_deref().unwrap_or_default(), 100)
            .map_err(|e| errors.push(e))
            .ok();
        let email = auth::model::parse_email("email", self.email.as_deref().unwrap_or_default())
            .map_err(|e| errors.push(e))
            .ok();
        let password = self.password.clone().unwrap_or_default();
        if let Err(e) = check_password("password", &password) {
            errors.push(e);
        } else if self.confirm.as_deref() != Some(password.as_str()) {
            errors.push(FieldError::new("confirm", "type the same password twice"));
        }
        match (name, email) {
            (Some(name), Some(email)) if errors.is_empty() => Ok((name, email, password)),
            _ => Err(errors),
        }
    }
}

/// Makes the first admin's account with the link, once; answers their email to sign in with.
///
/// # Errors
/// `NotFound` for a used or expired link; `Invalid` naming each field at fault;
/// `Conflict` `duplicate_email`.
pub async fn join(db: &Db, key: &str, request: &JoinRequest, now: DateTime<Utc>) -> Result<String, AppError> {
    let invitation = repo::open_invitation(&db.read, &auth::service::hash_secret(key), now)
        .await?
        .ok_or_else(gone)?;
    let (name, email, password) = request
        .check()
        .map_err(|mut errors| AppError::Invalid(errors.remove(0)))?;
    let hash = auth::service::hash_password(password).await?;
    let tx = db::begin_write(db).await?;
    if !repo::use_invitation(&tx, invitation.id, now).await? {
        return Err(gone());
    }
    // The admin the lead named when adding the partner, who never chose a password, may be the
    // one using the new link: their waiting account is theirs to take up. Any other account with
    // the email is someone else's.
    let staff_id = match auth::service::find_staff_by_email(&tx, &email).await? {
        Some(waiting)
            if waiting.organisation_id == invitation.organisation_id
                && waiting.role == Role::Admin
                && waiting.password_hash == crate::staff::model::NO_PASSWORD =>
        {
            crate::staff::service::set_password(&tx, waiting.id, hash).await?;
            waiting.id
        }
        Some(_) => {
            return Err(AppError::invalid(
                "email",
                format!("there is already an account for {email}: use another email, or sign in with it"),
            ));
        }
        None => {
            auth::service::insert_staff(
                &tx,
                invitation.organisation_id,
                &email,
                &name,
                Role::Admin,
                hash,
                now,
            )
            .await
            .map_err(|err| auth::service::duplicate_email(err, &email))?
            .id
        }
    };
    audit::insert(
        &tx,
        NewEvent {
            organisation_id: invitation.organisation_id,
            at: now,
            actor: Actor::System("partner invitation"),
            entity: EntityRef::Staff(staff_id),
            action: AuditAction::StaffCreated,
            details: json!({"role": "admin", "first_admin": true}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(email)
}
