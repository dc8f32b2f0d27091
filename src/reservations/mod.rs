//! Reservations: devices of a kind at a hub kept back for a training session. While a booking
//! runs, the counter will not lend or give away a device that would leave the hub with fewer than
//! are booked; a booking that would leave too few is refused (`409 not_enough_devices`).

pub mod model;
pub mod pages;
pub mod repo;
pub mod routes;
pub mod service;
