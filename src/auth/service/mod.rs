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
