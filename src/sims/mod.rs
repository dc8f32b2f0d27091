//! SIMs with data, given on their own to people who have a phone or device but no connection
//! (the National Databank's SIMs carry a monthly allowance for six months). SIMs arrive in
//! batches; each ICCID is recorded once; a SIM is given to one person, never twice; a week
//! before its data ends its person is told, as their consents allow.

pub mod model;
pub mod pages;
pub mod repo;
pub mod routes;
pub mod service;
