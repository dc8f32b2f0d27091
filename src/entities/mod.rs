//! sea-orm entities, one per table, kept apart from the hand-written model code. They describe
//! rows; the rules live in each feature's `model.rs`.

pub mod access_log;
pub mod agreement;
pub mod api_token;
pub mod audit_event;
pub mod borrower;
pub mod calendar_feed;
pub mod consent_change;
pub mod course;
pub mod device;
pub mod device_check;
pub mod disposal;
pub mod enrolment;
pub mod hub;
pub mod json_list;
pub mod loan;
pub mod loan_extension;
pub mod login_failure;
pub mod organisation;
pub mod reminder;
pub mod repair;
pub mod session_device;
pub mod skills_score;
pub mod staff_hub;
pub mod staff_link;
pub mod staff_session;
pub mod staff_user;
pub mod stocktake;
pub mod stocktake_scan;
pub mod training_session;

pub use json_list::JsonList;
