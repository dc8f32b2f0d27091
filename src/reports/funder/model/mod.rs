//! The funder report's figures and the one list of them that the page, the CSV and the PDF all
//! show, so the three cannot disagree: each figure has a stable key (the CSV's first column), a
//! plain-English label and a value.

mod counts;
mod figures;
mod report;
mod sum;

pub use counts::*;
pub use figures::*;
pub use report::*;
