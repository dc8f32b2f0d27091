//! Staff accounts run from the web: invitations, roles, hub assignments, disabling, password
//! links, and one's own password.

pub mod model;
pub mod pages;
pub mod recovery;
pub mod repo;
pub mod routes;
pub mod service;
