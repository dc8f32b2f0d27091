//! Signing in and out, sessions, tokens, staff accounts and first-run set-up. Passwords are
//! argon2id, hashed off the async threads; secrets are random and stored only as SHA-256 hashes.

mod accounts;
mod passwords;
mod sessions;
mod sign_in;

pub use accounts::*;
pub use passwords::*;
pub use sessions::*;
pub use sign_in::*;

// What other features may read and write of this feature's tables: they come here, never to
// `repo` (`.ci/imports.py` checks), so each use is one the feature has chosen to share.
pub use super::repo::{find_staff_by_email, find_staff_by_id, insert_staff, staff_of};
