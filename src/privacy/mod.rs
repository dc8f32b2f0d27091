//! A person's own data on request: everything lendhub holds about one borrower, gathered from
//! every feature into one ZIP they can be given. It stands above the features it reads (people,
//! loans, reminders, training, agreements, audit); none of them reads it.

pub mod pages;
pub mod routes;
pub mod service;
