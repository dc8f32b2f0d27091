//! Rows for courses, sessions, the devices used in them, enrolments (with attendance), skills
//! scores and trainers' calendar feeds.

mod calendar;
mod courses;
mod enrolments;
mod forgetting;
mod scores;
mod sessions;

pub use calendar::*;
pub use courses::*;
pub use enrolments::*;
pub use forgetting::*;
pub use scores::*;
pub use sessions::*;
