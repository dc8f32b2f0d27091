//! Referrals in: partner organisations (a job centre, a council, a GP's social prescriber) refer
//! people through a link of their own that needs no account, or staff through the API; staff
//! accept a referral (matching or making the borrower, who joins the waiting list) or decline
//! it, and the referrer is told why.

pub mod model;
pub mod pages;
pub mod repo;
pub mod routes;
pub mod service;
