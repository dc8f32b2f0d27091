//! Stocktakes: staff count one hub's devices by scanning their labels, then close the count to
//! see what was found, what is missing and what turned up where it should not be, and act on it.

pub mod model;
pub mod pages;
pub mod repo;
pub mod routes;
pub mod service;
