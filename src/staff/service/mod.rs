//! Staff accounts from the web: admins invite people, change their role and hubs, disable an
//! account (its sessions and tokens end at once) and issue a one-time password-reset link;
//! everyone changes their own password. Links carry a random secret of which only the hash is
//! kept, and work once.

mod accounts;
mod invitations;
mod passwords;

pub use accounts::*;
pub use invitations::*;
pub use passwords::*;

// What other features may read and write of this feature's tables: they come here, never to
// `repo` (`.ci/imports.py` checks), so each use is one the feature has chosen to share.
pub use super::repo::{hubs_of, set_password};
