//! Staff-account requests and the rules they follow, with no I/O: an invitation names a person,
//! an email and a role; a password link is for an invitation (7 days) or a reset (1 day).

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::{
    auth::{Role, model::parse_email},
    error::FieldError,
    organisations::model::parse_name,
};

/// At most this many hubs in one assignment.
pub const MAX_HUBS: usize = 100;

/// `POST /staff`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct InviteRequest {
    #[schema(value_type = String, required = true, pattern = r"^[^\s@]+@[^\s@.][^\s@]*\.[^\s@]*[^\s@.]$", max_length = 254)]
    pub email: Option<String>,
    #[schema(value_type = String, required = true, format = "line", min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// `admin`, `coordinator`, `hub_staff` or `trainer`.
    #[schema(value_type = crate::auth::Role, required = true)]
    pub role: Option<String>,
    /// The hubs a hub staff member works at.
    pub hub_ids: Option<Vec<i32>>,
}

/// An invitation that reads: every field checked.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub hub_ids: Vec<i32>,
}

impl InviteRequest {
    /// # Errors
    /// Every problem, each naming its field, so a form shows them all at once.
    pub fn parse(&self) -> Result<Invitation, Vec<FieldError>> {
        let email = parse_email("email", self.email.as_deref().unwrap_or_default());
        let name = parse_name(
            "name",
            "their name",
            self.name.as_deref().unwrap_or_default(),
            100,
        );
        let role = parse_role(self.role.as_deref());
        let hub_ids = parse_hub_ids(self.hub_ids.as_deref());
        match (email, name, role, hub_ids) {
            (Ok(email), Ok(name), Ok(role), Ok(hub_ids)) => Ok(Invitation {
                email,
                name,
                role,
                hub_ids,
            }),
            (email, name, role, hub_ids) => Err([email.err(), name.err(), role.err(), hub_ids.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }
}

/// # Errors
/// A `FieldError` on `role` naming the four roles.
pub fn parse_role(text: Option<&str>) -> Result<Role, FieldError> {
    match text.map(str::trim) {
        None | Some("") => Err(FieldError::new("role", "choose a role")),
        Some(text) => Role::parse(text),
    }
}

/// Hub ids as given, once each, at most [`MAX_HUBS`].
///
/// # Errors
/// A `FieldError` on `hub_ids` for too many.
pub fn parse_hub_ids(ids: Option<&[i32]>) -> Result<Vec<i32>, FieldError> {
    let mut ids = ids.unwrap_or_default().to_vec();
    if ids.len() > MAX_HUBS {
        return Err(FieldError::new(
            "hub_ids",
            format!("choose at most {MAX_HUBS} hubs"),
        ));
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// What a one-time password link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    Invitation,
    PasswordReset,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "invitation",
            LinkPurpose::PasswordReset => "password_reset",
        }
    }

    pub fn parse(text: &str) -> Self {
        if text == "invitation" {
            LinkPurpose::Invitation
        } else {
            LinkPurpose::PasswordReset
        }
    }

    /// An invitation waits a week for someone to start; a reset is for now.
    pub fn lifetime(self) -> Duration {
        match self {
            LinkPurpose::Invitation => Duration::days(7),
            LinkPurpose::PasswordReset => Duration::days(1),
        }
    }
}

/// Stored in place of a password until an invited person chooses one: no argon2 hash, so no
/// password matches it.
pub const NO_PASSWORD: &str = "!";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_names_every_problem_at_once() {
        let errors = InviteRequest {
            email: Some("not an email".into()),
            name: Some("  ".into()),
            role: Some("boss".into()),
            hub_ids: Some(vec![1; MAX_HUBS + 1]),
        }
        .parse()
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "name", "role", "hub_ids"]);
    }

    #[test]
    fn hubs_are_kept_once() {
        assert_eq!(parse_hub_ids(Some(&[3, 1, 3])).unwrap(), [1, 3]);
        assert!(parse_hub_ids(None).unwrap().is_empty());
    }
}
