//! What a loan agreement says: the terms (a versioned template), the facts of the loan, and how
//! it was signed. The same document is drawn as a PDF and shown as a page at the counter.

mod document;
mod signing;
mod terms;

pub use document::*;
pub use signing::*;
pub use terms::*;
