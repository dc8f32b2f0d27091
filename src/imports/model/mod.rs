//! Reading a spreadsheet of devices or borrowers, with no I/O: each cell decoded (UTF-8, with or
//! without a BOM, or Windows-1252 as older Excel writes it), the delimiter sniffed, each column
//! guessed from its header the way other asset systems name them, and each row turned into the
//! request lendhub's own forms send, with every problem as (row, column, message).

mod cells;
mod fields;
mod jobs;
mod mapping;
mod rows;

pub use cells::*;
pub use fields::*;
pub use jobs::*;
pub use mapping::*;
pub use rows::*;
