//! The append-only audit log: every change writes one event in the same transaction as the change.

pub mod model;
pub mod repo;

pub use model::{Actor, EntityRef, NewEvent};
