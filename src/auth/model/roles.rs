//! The roles and the actions each may do: the one table that says who may do what.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;

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
            Export, Import, Lend, ManageBorrowers, ManageDevices, ManageDirectory, ManageHubs,
            ManageReferralLinks, ManageRepairs, ManageTraining, Train, ViewBorrowers, ViewDevices,
            ViewDirectory, ViewLoans, ViewReports, ViewSharing, ViewTraining,
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
                    | ManageReferralLinks
                    | ViewDirectory
                    | ManageDirectory
                    | ViewSharing
            ),
            Role::HubStaff => matches!(
                action,
                ViewDevices
                    | ViewBorrowers
                    | ManageBorrowers
                    | Lend
                    | ViewLoans
                    | ViewTraining
                    | ViewReports
                    | ViewDirectory
            ),
            Role::Trainer => matches!(action, ViewDevices | ViewTraining | Train | ViewDirectory),
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
    /// Read who has looked at a borrower's record, agreement or export (admins).
    ReadAccessLog,
    /// See whose records retention will anonymise, hold one back, or erase one on request
    /// (admins).
    ManageRetention,
    /// Make and revoke the links partners refer people through (admins and coordinators).
    ManageReferralLinks,
    /// Search the signposting directory (everyone).
    ViewDirectory,
    /// Add and change the organisation's services in the directory, and import them (admins and
    /// coordinators).
    ManageDirectory,
    /// See the organisation's sharing agreements (admins and coordinators).
    ViewSharing,
    /// Propose, accept and end sharing agreements (admins).
    ManageSharing,
}

impl Action {
    pub(super) fn describe(self) -> &'static str {
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
            Action::ReadAccessLog => "see who has looked at a record (ask an admin)",
            Action::ManageRetention => "hold or erase a borrower's record (ask an admin)",
            Action::ManageReferralLinks => "make or revoke referral links",
            Action::ManageRepairs => "close repairs or retire devices",
            Action::ViewTraining => "see training sessions",
            Action::Train => "run training sessions",
            Action::ManageTraining => "manage courses and sessions",
            Action::Export => "download spreadsheets of the scheme's records",
            Action::Import => "import spreadsheets",
            Action::ViewReports => "see the scheme's figures",
            Action::ViewDirectory => "search the signposting directory",
            Action::ManageDirectory => "add or change services in the directory",
            Action::ViewSharing => "see sharing agreements",
            Action::ManageSharing => "propose, accept or end sharing agreements (ask an admin)",
        }
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
        assert!(!Role::Coordinator.allows(Action::ManageRetention));
    }

    #[test]
    fn roles_parse_from_their_names() {
        assert_eq!(Role::parse("hub_staff").unwrap(), Role::HubStaff);
        assert_eq!(Role::parse("boss").unwrap_err().field, "role");
    }
}
