//! QR asset labels: sheets and rolls of labels, each with a vector QR code of the device's
//! address, its asset tag in large type, and who to tell if it is found.

pub mod model;
pub mod pages;
pub mod render;
pub mod routes;
pub mod service;
