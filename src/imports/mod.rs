//! Imports: a scheme's old spreadsheet of devices or borrowers, read, checked and written whole.

pub mod model;
pub mod pages;
pub mod routes;
pub mod service;
