//! The signed-in staff member a request acts for, and the `Scope` of rows they may read, which
//! only the role check hands out.

use sea_orm::{Condition, entity::prelude::*};

use super::roles::{Action, Role};
use crate::entities::staff_user;
use crate::error::AppError;

/// The signed-in staff member a request acts for. Its fields are private: what it may do is
/// asked of it ([`Staff::require`], [`Staff::scope`]), never read off its role by a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    id: i32,
    organisation_id: i32,
    email: String,
    name: String,
    role: Role,
    /// `None` for every hub of the organisation; hub staff the hubs an admin assigned them.
    hubs: Option<Vec<i32>>,
}

/// The rows a caller may read: one organisation and, within it, every hub or only some. Only
/// [`Staff`] makes one, and only after the role check for what it is for, so a repo function that
/// takes a `Scope` cannot be called without both the check and the filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    organisation_id: i32,
    hubs: Option<Vec<i32>>,
}

impl Scope {
    pub fn organisation_id(&self) -> i32 {
        self.organisation_id
    }

    /// The hubs the rows are kept to (perhaps none); `None` for every hub.
    pub fn hub_ids(&self) -> Option<&[i32]> {
        self.hubs.as_deref()
    }

    pub fn sees_hub(&self, hub_id: i32) -> bool {
        self.hubs.as_ref().is_none_or(|ids| ids.contains(&hub_id))
    }

    /// The filter for a table with an organisation and a hub column: `IN ()` of no hubs matches
    /// nothing, so an account assigned to no hub reads no row.
    pub fn condition(&self, organisation: impl ColumnTrait, hub: impl ColumnTrait) -> Condition {
        let within = Condition::all().add(organisation.eq(self.organisation_id));
        match &self.hubs {
            None => within,
            Some(ids) => within.add(hub.is_in(ids.iter().copied())),
        }
    }
}

/// An account before its hubs are read: hub staff see no hub, so a `Staff` made this way can see
/// nothing it should not.
impl From<staff_user::Model> for Staff {
    fn from(row: staff_user::Model) -> Self {
        Staff::new(row, Vec::new())
    }
}

impl Staff {
    /// The staff member of an account row; `assigned_hubs` is read for hub staff only (the
    /// others work at every hub).
    pub fn new(row: staff_user::Model, assigned_hubs: Vec<i32>) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            email: row.email,
            name: row.name,
            hubs: (row.role == Role::HubStaff).then_some(assigned_hubs),
            role: row.role,
        }
    }

    pub fn id(&self) -> i32 {
        self.id
    }

    pub fn organisation_id(&self) -> i32 {
        self.organisation_id
    }

    pub fn email(&self) -> &str {
        &self.email
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The role, to show or to store; what it allows is asked with [`Staff::can`].
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether the staff member works at only the hubs assigned to them (and which).
    pub fn assigned_hubs(&self) -> Option<&[i32]> {
        self.hubs.as_deref()
    }

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

    /// The role check for `action`, handing back the rows it may be done to: the organisation,
    /// and for hub staff only their hubs.
    ///
    /// # Errors
    /// As [`Staff::require`].
    pub fn scope(&self, action: Action) -> Result<Scope, AppError> {
        self.require(action)?;
        Ok(Scope {
            organisation_id: self.organisation_id,
            hubs: self.hubs.clone(),
        })
    }

    /// As [`Staff::scope`], narrowed to one hub when `asked` names one (a hub outside the staff
    /// member's own leaves no hub at all).
    pub fn scope_within(&self, action: Action, asked: Option<i32>) -> Result<Scope, AppError> {
        self.require(action)?;
        Ok(Scope {
            organisation_id: self.organisation_id,
            hubs: self.hubs_within(asked),
        })
    }

    /// Every hub of the organisation, for taking back at this counter a device lent at another:
    /// whoever uses it answers without naming the borrower.
    pub fn counter_scope(&self) -> Result<Scope, AppError> {
        self.require(Action::Lend)?;
        Ok(Scope {
            organisation_id: self.organisation_id,
            hubs: None,
        })
    }

    pub fn sees_hub(&self, hub_id: i32) -> bool {
        self.hubs.as_ref().is_none_or(|ids| ids.contains(&hub_id))
    }

    /// The hubs a list is kept to when `asked` for one hub or all: `None` for every hub, else
    /// the hubs (perhaps none) both asked for and within the staff member's own.
    pub fn hubs_within(&self, asked: Option<i32>) -> Option<Vec<i32>> {
        match (&self.hubs, asked) {
            (None, None) => None,
            (None, Some(hub)) => Some(vec![hub]),
            (Some(ids), None) => Some(ids.clone()),
            (Some(ids), Some(hub)) => Some(ids.iter().copied().filter(|id| *id == hub).collect()),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, hubs: Vec<i32>) -> Staff {
        let row = staff_user::Model {
            id: 1,
            organisation_id: 7,
            email: "s@example.org".into(),
            name: "S".into(),
            role,
            password_hash: String::new(),
            active: true,
            created_at: chrono::DateTime::default(),
        };
        Staff::new(row, hubs)
    }

    #[test]
    fn a_scope_comes_only_with_the_role_check() {
        let hub_staff = staff(Role::HubStaff, vec![2]);
        let scope = hub_staff.scope(Action::ViewLoans).unwrap();
        assert_eq!((scope.organisation_id(), scope.hub_ids()), (7, Some(&[2][..])));
        assert!(hub_staff.scope(Action::ManageDevices).is_err());
        assert_eq!(
            hub_staff
                .scope_within(Action::ViewLoans, Some(3))
                .unwrap()
                .hub_ids(),
            Some(&[][..])
        );
        assert_eq!(hub_staff.counter_scope().unwrap().hub_ids(), None);
        assert!(staff(Role::Trainer, vec![]).counter_scope().is_err());
        assert_eq!(
            staff(Role::Coordinator, vec![])
                .scope(Action::ViewLoans)
                .unwrap()
                .hub_ids(),
            None
        );
    }

    #[test]
    fn hub_staff_see_only_their_hubs_and_others_every_hub() {
        let hub_staff = staff(Role::HubStaff, vec![2, 5]);
        assert!(hub_staff.sees_hub(5) && !hub_staff.sees_hub(3));
        assert_eq!(hub_staff.hubs_within(None), Some(vec![2, 5]));
        assert_eq!(hub_staff.hubs_within(Some(5)), Some(vec![5]));
        assert_eq!(hub_staff.hubs_within(Some(3)), Some(vec![]));
        let unassigned = staff(Role::HubStaff, vec![]);
        assert!(!unassigned.sees_hub(1));
        let everyone = staff(Role::Coordinator, vec![2]);
        assert!(everyone.sees_hub(3));
        assert_eq!(everyone.hubs_within(None), None);
        assert_eq!(everyone.hubs_within(Some(3)), Some(vec![3]));
    }

    #[test]
    fn a_refusal_names_the_action() {
        let trainer = staff(Role::Trainer, vec![]);
        let err = trainer.require(Action::ManageDevices).unwrap_err();
        assert_eq!(err.to_string(), "a trainer cannot add or change devices");
    }
}
