//! Loan agreements: drawn from the loan in plain English (large print on request), signed at the
//! counter by typed name and an optional drawn signature or on paper, then stored once as a PDF
//! with its SHA-256.

pub mod model;
pub mod pages;
pub mod render;
pub mod repo;
pub mod routes;
pub mod service;
