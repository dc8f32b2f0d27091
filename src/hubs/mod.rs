//! Hubs: the places devices are kept and issued from (a community hub, a job club, "online").

pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
