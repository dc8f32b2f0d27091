//! lendhub: the inventory and loan service of a digital-inclusion device scheme. One binary serves
//! the staff web pages, the JSON API and the background jobs.

#![forbid(unsafe_code)]

pub mod agreements;
pub mod audit;
pub mod auth;
pub mod config;
pub mod dates;
pub mod db;
pub mod demo;
pub mod devices;
pub mod directory;
pub mod entities;
pub mod enums;
pub mod error;
pub mod follow_ups;
pub mod hubs;
pub mod imports;
pub mod labels;
pub mod loans;
pub mod money;
pub mod organisations;
pub mod paging;
pub mod pdf;
pub mod people;
pub mod privacy;
pub mod referrals;
pub mod reminders;
pub mod reports;
pub mod reservations;
pub mod sharing;
pub mod sims;
pub mod staff;
pub mod startup;
pub mod state;
pub mod stocktakes;
pub mod training;
pub mod validate;
pub mod waiting;
pub mod web;
pub mod words;
