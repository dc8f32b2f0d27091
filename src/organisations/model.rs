//! The organisation's asset-tag prefix, its kind, and what adding a partner organisation takes.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{enums::string_enum, error::FieldError};

string_enum!(
    /// What kind of partner an organisation is in the scheme.
    OrganisationKind, "kind" {
        Landlord = "landlord" / "Landlord",
        Charity = "charity" / "Charity",
        TrainingPartner = "training_partner" / "Training partner",
        Council = "council" / "Council",
        Other = "other" / "Other",
    }
);

/// `POST /organisations`: a partner organisation and its first admin.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisationRequest {
    #[schema(value_type = String, required = true, format = "line", min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// 2 to 6 letters printed before its asset tags, no other organisation's.
    #[schema(value_type = String, required = true, pattern = r"^[A-Za-z]{2,6}$")]
    pub prefix: Option<String>,
    #[schema(value_type = OrganisationKind, required = true)]
    pub kind: Option<String>,
    /// Its first admin, when the lead knows them: the invitation is theirs. Without them the
    /// invitation lets whoever it is handed to make the first admin's account.
    #[schema(format = "line", min_length = 1, max_length = 100)]
    pub admin_name: Option<String>,
    #[schema(pattern = r"^[^\s@]+@[^\s@.][^\s@]*\.[^\s@]*[^\s@.]$", max_length = 254)]
    pub admin_email: Option<String>,
}

/// A partner organisation that reads.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub name: String,
    pub prefix: AssetPrefix,
    pub kind: OrganisationKind,
    /// Its first admin's name and email, when given (both or neither).
    pub admin: Option<(String, String)>,
}

impl NewOrganisationRequest {
    /// # Errors
    /// Every problem, each naming its field.
    pub fn parse(&self) -> Result<NewOrganisation, Vec<FieldError>> {
        use crate::validate::collect;
        let mut errors = Vec::new();
        let name = collect(
            &mut errors,
            parse_name(
                "name",
                "the organisation's name",
                self.name.as_deref().unwrap_or_default(),
                100,
            ),
        );
        let prefix = collect(
            &mut errors,
            AssetPrefix::parse("prefix", self.prefix.as_deref().unwrap_or_default()),
        );
        let kind = collect(
            &mut errors,
            match self.kind.as_deref() {
                None | Some("") => Err(FieldError::new("kind", "choose what kind of organisation it is")),
                Some(text) => OrganisationKind::parse(text),
            },
        );
        let admin = match (
            self.admin_name.as_deref().filter(|n| !n.trim().is_empty()),
            self.admin_email.as_deref().filter(|e| !e.trim().is_empty()),
        ) {
            (None, None) => Some(None),
            (name, email) => {
                let name = collect(
                    &mut errors,
                    parse_name(
                        "admin_name",
                        "their first admin's name",
                        name.unwrap_or_default(),
                        100,
                    ),
                );
                let email = collect(
                    &mut errors,
                    crate::auth::model::parse_email("admin_email", email.unwrap_or_default()),
                );
                name.zip(email).map(Some)
            }
        };
        match (name, prefix, kind, admin) {
            (Some(name), Some(prefix), Some(kind), Some(admin)) if errors.is_empty() => Ok(NewOrganisation {
                name,
                prefix,
                kind,
                admin,
            }),
            _ => Err(errors),
        }
    }
}

/// Two to six capital letters, e.g. `TCH`, printed before every asset tag of the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetPrefix(String);

impl AssetPrefix {
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        let prefix = text.trim().to_uppercase();
        if (2..=6).contains(&prefix.len()) && prefix.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(Self(prefix))
        } else {
            Err(FieldError::new(
                field,
                "the prefix must be 2 to 6 letters, like TCH",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name of something staff type (an organisation, a hub, a person): trimmed, not empty, not
/// longer than `max` characters.
pub fn parse_name(field: &str, label: &str, text: &str, max: usize) -> Result<String, FieldError> {
    let name = text.trim();
    if name.is_empty() {
        Err(FieldError::new(field, format!("enter {label}")))
    } else if name.chars().any(char::is_control) {
        Err(FieldError::new(
            field,
            format!("{label} must be one line of ordinary characters"),
        ))
    } else if name.chars().count() > max {
        Err(FieldError::new(
            field,
            format!("{label} must be at most {max} characters"),
        ))
    } else {
        Ok(name.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_capital_letters() {
        assert_eq!(AssetPrefix::parse("p", " tch ").unwrap().as_str(), "TCH");
        for bad in ["", "T", "TOOLONGX", "T1", "T-C"] {
            assert!(AssetPrefix::parse("p", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_name("name", "a name", "  Hub  ", 10).unwrap(), "Hub");
        assert_eq!(
            parse_name("name", "a name", "   ", 10).unwrap_err().message,
            "enter a name"
        );
        assert!(parse_name("name", "a name", "elevenchars", 10).is_err());
    }
}
