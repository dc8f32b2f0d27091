//! The signposting directory: partners' services searched by staff, signposts recorded on a
//! borrower, and the public Open Referral UK feed of the services.

pub mod model;
pub mod openreferral;
pub mod pages;
mod repo;
pub mod routes;
pub mod service;
