//! Sharing agreements between the scheme's organisations, and what one in force lets a staff
//! member read of the other's people (only those who consented, only the data it names).

pub mod model;
pub mod pages;
mod repo;
pub mod routes;
pub mod service;
