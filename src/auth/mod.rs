//! Staff accounts, sign-in, sessions, API tokens and the one place where roles are checked.

pub mod extract;
pub mod model;
pub mod repo;
pub mod routes;
pub mod service;

pub use model::{Action, Role, Staff};
