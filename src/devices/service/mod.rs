//! Adding, changing, finding and listing devices. Each change and its audit event are written in
//! one transaction.

mod editing;
mod finding;
mod return_to;
mod view;

pub use editing::*;
pub use finding::*;
pub use return_to::*;
pub use view::*;
