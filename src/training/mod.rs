//! Training: courses and sessions (60 or 90 minutes, at a hub or online), enrolments and
//! walk-ins, the trainer's register, skills progress per Essential Digital Skills area, the
//! devices used in each session, loans linked to courses, and a calendar feed per trainer.

pub mod model;
pub mod pages;
pub mod repo;
pub mod routes;
pub mod service;
