//! A person's data: their export, and forgetting them (retention, erasure on request, holds).

mod export;
mod forgetting;
mod retention;

pub use export::*;
pub use forgetting::*;
pub use retention::*;
