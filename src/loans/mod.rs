//! Loans and the device's life around them: issue, return, checks, extensions, lost and found,
//! repairs and retirement. Every status change goes through one transition of `model.rs`.

pub mod gift_letter;
pub mod listing;
pub mod model;
pub mod pages;
pub mod repo;
pub mod routes;
pub mod service;
pub mod views;
