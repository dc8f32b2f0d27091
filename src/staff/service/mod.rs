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
