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
pub mod directory_location;
pub mod directory_service;
pub mod directory_service_area;
pub mod disposal;
pub mod enrolment;
pub mod follow_up;
pub mod gift;
pub mod hub;
pub mod json_list;
pub mod loan;
pub mod loan_extension;
pub mod login_failure;
pub mod organisation;
pub mod organisation_invitation;
pub mod referral;
pub mod referral_link;
pub mod reminder;
pub mod repair;
pub mod reservation;
pub mod session_device;
pub mod sharing_agreement;
pub mod signpost;
pub mod sim;
pub mod skills_score;
pub mod staff_hub;
pub mod staff_link;
pub mod staff_session;
pub mod staff_user;
pub mod stocktake;
pub mod stocktake_scan;
pub mod training_session;
pub mod waiting;

pub use json_list::JsonList;
