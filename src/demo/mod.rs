//! `lendhub demo`: fills a database with realistic hubs, devices (a repair behind each one in
//! repair), borrowers, loans and training, for trying lendhub out and for benchmarks. Rows are
//! written in batches inside one transaction, each with its audit event.

mod devices;
mod directory;
mod loans;
mod people;
mod training;

pub use devices::{DemoSummary, fill};
pub use directory::list as list_services;
pub use loans::{history, lend};
pub use training::train;
