//! Rows for loans, extensions, checks, repairs, disposals and gifts, and the device status change that
//! goes with each transition.

mod devices;
mod forgetting;
mod gifts;
mod loans;
mod partners;

pub use devices::*;
pub use forgetting::*;
pub use gifts::*;
pub use loans::*;
pub use partners::*;
