//! Roles, what each may do, and the signed-in staff member. Every service asks
//! [`Staff::require`] before it acts: this table is the only place roles are checked.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldError};

/// A staff member's role.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[sea_orm(string_value = "admin")]
    Admin,
    #[sea_orm(string_value = "coordinator")]
    Coordinator,
    #[sea_orm(string_value = "hub_staff")]
    HubStaff,
    #[sea_orm(string_value = "trainer")]
    Trainer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Coordinator, Role::HubStaff, Role::Trainer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::HubStaff => "hub_staff",
            Role::Trainer => "trainer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Coordinator => "Coordinator",
            Role::HubStaff => "Hub staff",
            Role::Trainer => "Trainer",
        }
    }

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| {
                FieldError::new(
                    "role",
                    "role must be one of admin, coordinator, hub_staff, trainer",
                )
            })
    }

    /// What this role may do.
    pub fn allows(self, action: Action) -> bool {
        use Action::{
            Export, Import, Lend, ManageBorrowers, ManageDevices, ManageHubs, ManageRepairs, ManageTraining,
            Train, ViewBorrowers, ViewDevices, ViewLoans, ViewReports, ViewTraining,
        };
        match self {
            Role::Admin => true,
            Role::Coordinator => matches!(
                action,
                ViewDevices
                    | ManageDevices
                    | ManageHubs
                    | ViewBorrowers
                    | ManageBorrowers
                    | Lend
                    | ViewLoans
                    | ManageRepairs
                    | ViewTraining
                    | Train
                    | ManageTraining
                    | Export
                    | Import
                    | ViewReports
            ),
            Role::HubStaff => matches!(
                action,
                ViewDevices | ViewBorrowers | ManageBorrowers | Lend | ViewLoans | ViewTraining | ViewReports
            ),
            Role::Trainer => matches!(action, ViewDevices | ViewTraining | Train),
        }
    }
}

/// Something a staff member may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ViewDevices,
    ManageDevices,
    ManageHubs,
    ManageStaff,
    /// See every reminder sent or failed, and try a failed email again (admins).
    ManageOutbox,
    ViewBorrowers,
    ManageBorrowers,
    /// Issue, return, record checks, extend, report lost or found, send for repair.
    Lend,
    ViewLoans,
    /// Close repairs and retire devices.
    ManageRepairs,
    /// See courses and sessions.
    ViewTraining,
    /// Run one's own sessions: enrol learners, take the register, record skills.
    Train,
    /// Add courses and sessions for any trainer, and take any session's register.
    ManageTraining,
    /// Download whole tables as spreadsheets (admins and coordinators): bulk personal data stays
    /// with the roles that report on the scheme.
    Export,
    /// Add devices or borrowers from a spreadsheet (admins and coordinators).
    Import,
    /// See the dashboard and the scheme's figures (hub staff: their hubs').
    ViewReports,
}

impl Action {
    fn describe(self) -> &'static str {
        match self {
            Action::ViewDevices => "see devices",
            Action::ManageDevices => "add or change devices",
            Action::ManageHubs => "add or change hubs",
            Action::ManageStaff => "manage staff accounts",
            Action::ManageOutbox => "see the outbox of reminders (ask an admin)",
            Action::ViewBorrowers => "see borrowers",
            Action::ManageBorrowers => "add or change borrowers",
            Action::Lend => "issue or take back devices",
            Action::ViewLoans => "see loans",
            Action::ManageRepairs => "close repairs or retire devices",
            Action::ViewTraining => "see training sessions",
            Action::Train => "run training sessions",
            Action::ManageTraining => "manage courses and sessions",
            Action::Export => "download spreadsheets of the scheme's records",
            Action::Import => "import spreadsheets",
            Action::ViewReports => "see the scheme's figures",
        }
    }
}

/// The signed-in staff member a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: i32,
    pub organisation_id: i32,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub hubs: HubScope,
}

/// The hubs whose devices, loans, calls, letters and stocktakes a staff member sees and acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HubScope {
    /// Admins, coordinators and trainers.
    Every,
    /// Hub staff: the hubs an admin assigned them to, perhaps none.
    Only(Vec<i32>),
}

impl HubScope {
    /// The scope of `role` before its assignments are read: hub staff start with no hub, so a
    /// `Staff` built without them can see nothing it should not.
    pub fn of(role: Role) -> Self {
        if role == Role::HubStaff {
            HubScope::Only(Vec::new())
        } else {
            HubScope::Every
        }
    }
}

impl Staff {
    /// # Errors
    /// `AppError::Forbidden` naming the action when the role does not allow it.
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        if self.role.allows(action) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "a {} cannot {}",
                self.role.label().to_lowercase(),
                action.describe()
            )))
        }
    }

    pub fn can(&self, action: Action) -> bool {
        self.role.allows(action)
    }

    pub fn sees_hub(&self, hub_id: i32) -> bool {
        match &self.hubs {
            HubScope::Every => true,
            HubScope::Only(ids) => ids.contains(&hub_id),
        }
    }

    /// The hubs a list is kept to when `asked` for one hub or all: `None` for every hub, else
    /// the hubs (perhaps none) both asked for and within the staff member's own.
    pub fn hubs_within(&self, asked: Option<i32>) -> Option<Vec<i32>> {
        match (&self.hubs, asked) {
            (HubScope::Every, None) => None,
            (HubScope::Every, Some(hub)) => Some(vec![hub]),
            (HubScope::Only(ids), None) => Some(ids.clone()),
            (HubScope::Only(ids), Some(hub)) => Some(ids.iter().copied().filter(|id| *id == hub).collect()),
        }
    }

    /// # Errors
    /// `NotFound` (as if it were not there) for a hub outside the staff member's hubs.
    pub fn require_hub(&self, hub_id: i32, what: &str) -> Result<(), AppError> {
        if self.sees_hub(hub_id) {
            Ok(())
        } else {
            Err(AppError::NotFound(format!("there is no {what} at your hubs")))
        }
    }
}

/// An email address as staff type it: trimmed and lower-cased, with one `@` and a dot after it.
pub fn parse_email(field: &str, text: &str) -> Result<String, FieldError> {
    let email = text.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        });
    if valid {
        Ok(email)
    } else {
        Err(FieldError::new(
            field,
            "enter an email address like name@example.org",
        ))
    }
}

/// Passwords must be long enough to resist guessing; length matters more than character classes.
pub fn check_password(field: &str, password: &str) -> Result<(), FieldError> {
    if password.chars().count() < 12 {
        Err(FieldError::new(
            field,
            "the password must be at least 12 characters long",
        ))
    } else if password.len() > 1024 {
        Err(FieldError::new(
            field,
            "the password must be at most 1024 characters long",
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_allow_what_the_design_says() {
        assert!(Role::Admin.allows(Action::ManageStaff));
        assert!(Role::Coordinator.allows(Action::ManageDevices));
        assert!(!Role::Coordinator.allows(Action::ManageStaff));
        assert!(!Role::HubStaff.allows(Action::ManageDevices));
        assert!(!Role::Trainer.allows(Action::ManageDevices));
        assert!(Role::Trainer.allows(Action::ViewDevices));
        assert!(Role::HubStaff.allows(Action::Lend));
        assert!(!Role::HubStaff.allows(Action::ManageRepairs));
        assert!(!Role::Trainer.allows(Action::Lend));
        assert!(!Role::Trainer.allows(Action::ViewLoans));
        assert!(Role::Trainer.allows(Action::Train));
        assert!(!Role::Trainer.allows(Action::ManageTraining));
        assert!(Role::Coordinator.allows(Action::ManageTraining));
        assert!(Role::HubStaff.allows(Action::ViewTraining));
        assert!(!Role::HubStaff.allows(Action::Train));
    }

    #[test]
    fn hub_staff_see_only_their_hubs_and_others_every_hub() {
        let scope = |hubs| Staff {
            id: 1,
            organisation_id: 1,
            email: "h@example.org".into(),
            name: "H".into(),
            role: Role::HubStaff,
            hubs,
        };
        let hub_staff = scope(HubScope::Only(vec![2, 5]));
        assert!(hub_staff.sees_hub(5) && !hub_staff.sees_hub(3));
        assert_eq!(hub_staff.hubs_within(None), Some(vec![2, 5]));
        assert_eq!(hub_staff.hubs_within(Some(5)), Some(vec![5]));
        assert_eq!(hub_staff.hubs_within(Some(3)), Some(vec![]));
        let unassigned = scope(HubScope::of(Role::HubStaff));
        assert!(!unassigned.sees_hub(1));
        let everyone = scope(HubScope::of(Role::Coordinator));
        assert!(everyone.sees_hub(3));
        assert_eq!(everyone.hubs_within(None), None);
        assert_eq!(everyone.hubs_within(Some(3)), Some(vec![3]));
    }

    #[test]
    fn a_refusal_names_the_action() {
        let trainer = Staff {
            id: 1,
            organisation_id: 1,
            email: "t@example.org".into(),
            name: "T".into(),
            role: Role::Trainer,
            hubs: HubScope::Every,
        };
        let err = trainer.require(Action::ManageDevices).unwrap_err();
        assert_eq!(err.to_string(), "a trainer cannot add or change devices");
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            parse_email("email", "  Ada@Example.ORG ").unwrap(),
            "ada@example.org"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "a da@example.org",
        ] {
            assert!(parse_email("email", bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn roles_parse_from_their_names() {
        assert_eq!(Role::parse("hub_staff").unwrap(), Role::HubStaff);
        assert_eq!(Role::parse("boss").unwrap_err().field, "role");
    }
}
