//! Borrowers: the people devices are lent to. We keep no more about them than the scheme needs,
//! and never without their recorded consent.

pub mod model;
pub mod pages;
pub mod repo;
pub mod routes;
pub mod service;
