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

// What other features may read and write of this feature's tables: they come here, never to
// `repo` (`.ci/imports.py` checks), so each use is one the feature has chosen to share.
pub use super::repo::{
    added_between, batch_after, existing_serials, existing_tags, find, find_by_tag, find_many, insert_many,
    insert_returning_tags, list as list_rows, new_row,
};
