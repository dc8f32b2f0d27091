//! Courses, sessions, enrolments, the register and skills scores. A trainer runs their own
//! sessions; coordinators and admins any. Capacity is counted under a lock on the session, so a
//! full session answers 409 however many ask at once.

mod calendar;
mod courses;
mod register;
mod sessions;
mod term;

pub use calendar::*;
pub use courses::*;
pub use register::*;
pub use sessions::*;
pub use term::*;
