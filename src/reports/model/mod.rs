//! Reports' types, with no I/O: the spreadsheets a scheme downloads (the columns of each, and rows
//! written so that a spreadsheet opens them safely), and the period a report covers. Devices and
//! borrowers use the column names the import reads, so an export imports again.

mod period;
pub mod presence;
mod rows;
mod sheet;

pub use period::*;
pub use rows::*;
pub use sheet::*;
