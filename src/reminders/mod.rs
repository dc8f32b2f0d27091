//! Reminders about loans: a sweep writes what each open loan needs today into an outbox (one row
//! per loan, due date, kind and step, unique in the database); a worker delivers emails over
//! SMTP; borrowers without email go on the staff call list or get a letter; coordinators get a
//! weekly digest.

pub mod letters;
pub mod mail;
pub mod model;
pub mod pages;
pub mod repo;
pub mod routes;
pub mod service;
