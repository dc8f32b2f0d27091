//! The waiting list: people waiting for a kind of device at a hub, in a fair order (priority,
//! then time waited), each with their place and the wait the last 90 days' returns suggest.
//! When a device is offered to someone it is held for them until a date, and refused at the
//! counter to anyone else.

pub mod model;
pub mod pages;
pub mod repo;
pub mod routes;
pub mod service;
