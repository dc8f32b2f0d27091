//! Courses, sessions, enrolments, the register and skills scores. A trainer runs their own
//! sessions; coordinators and admins any. Capacity is counted under a lock on the session, so a
//! full session answers 409 however many ask at once.

mod calendar;
mod cancelling;
mod courses;
mod enrolling;
mod finding;
mod lending;
mod partners;
mod public;
mod register;
mod sessions;
mod term;

pub use calendar::*;
pub use cancelling::*;
pub use courses::*;
pub use enrolling::*;
pub use finding::*;
pub use lending::*;
pub use partners::*;
pub use public::*;
pub use register::*;
pub use sessions::*;
pub use term::*;

// What other features may read and write of this feature's tables: they come here, never to
// `repo` (`.ci/imports.py` checks), so each use is one the feature has chosen to share.
pub use super::repo::{enrolled_counts, enrolments_after, forget_notes, sessions_after, sessions_by_ids};
