//! Reports: the scheme's records as spreadsheets for coordinators and funders.

pub mod funder;
pub mod model;
pub mod pages;
pub mod repo;
pub mod routes;
pub mod service;
pub mod summary;
