//! Organisations: the partners in a scheme. Each has an asset-tag prefix and a counter from which
//! new asset tags are numbered.

pub mod model;
pub mod pages;
pub mod repo;
pub mod routes;
pub mod service;
