//! Devices: the laptops, tablets and MiFi units a scheme lends, with their asset tags, SIMs and
//! history.

pub mod model;
pub mod pages;
pub mod repo;
pub mod routes;
pub mod service;
