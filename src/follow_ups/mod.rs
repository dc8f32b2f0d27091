//! Asking later how it went: at 4 weeks and 3 months after a loan or gift begins
//! (`LENDHUB_FOLLOW_UP_DAYS`), with `follow_up` consent, an email with a link to a short
//! questionnaire that needs no account (`/f/{key}`), or a row on the call list for staff to ask
//! by phone. The answers feed the funder report's outcomes.

pub mod model;
pub mod pages;
pub mod repo;
pub mod routes;
pub mod service;
