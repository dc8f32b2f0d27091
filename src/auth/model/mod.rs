//! Roles, what each may do, and the signed-in staff member. Every service asks
//! [`Staff::require`] before it acts: this table is the only place roles are checked.

mod credentials;
mod roles;
mod staff;

pub use credentials::*;
pub use roles::*;
pub use staff::*;
