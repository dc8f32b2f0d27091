//! The integration tests, one binary: a module per feature, driving lendhub through real HTTP
//! against a fresh database each (SQLite, or PostgreSQL when `LENDHUB_TEST_POSTGRES_URL` is set),
//! with the helpers they share.

mod agreements;
mod backup;
mod consents;
mod devices;
mod faults;
mod flows;
mod funder;
mod hardening;
mod helpers;
mod imports;
mod labels;
mod lifecycle;
mod loans;
mod metrics;
mod openapi;
mod outbox;
mod permissions;
mod privacy;
mod records;
mod reminders;
mod reports;
mod retention;
mod review;
mod scoping;
mod staff;
mod stocktakes;
mod term;
mod training;
mod web_counter;
mod web_security;
