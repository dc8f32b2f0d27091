//! The integration tests, one binary: a module per feature, driving lendhub through real HTTP
//! against a fresh database each (SQLite, or PostgreSQL when `LENDHUB_TEST_POSTGRES_URL` is set),
//! with the helpers they share.

mod agreements;
mod backup;
mod consents;
mod devices;
mod directory;
mod faults;
mod flows;
mod follow_ups;
mod funder;
mod gifts;
mod hardening;
mod helpers;
mod imports;
mod isolation;
mod journey;
mod labels;
mod lifecycle;
mod loans;
mod metrics;
mod openapi;
mod outbox;
mod partners;
mod permissions;
mod privacy;
mod proxies;
mod records;
mod referrals;
mod reminders;
mod reports;
mod restore;
mod retention;
mod review;
mod scoping;
mod sharing;
mod sims;
mod staff;
mod stocktakes;
mod term;
mod training;
mod upgrade;
mod waiting;
mod web_counter;
mod web_security;
