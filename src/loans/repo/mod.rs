//! Rows for loans, extensions, checks, repairs and disposals, and the device status change that
//! goes with each transition.

mod devices;
mod forgetting;
mod loans;

pub use devices::*;
pub use forgetting::*;
pub use loans::*;
