//! Reminders, in four parts: the sweep decides what each open loan needs today and writes it to
//! the outbox once; the digest tells coordinators each week what needs them; delivery sends due
//! emails over SMTP, retrying with backoff; the desk is what staff do with the rest (calls to
//! make, letters to post, failed emails to retry). Notices are one-off messages to borrowers
//! about something else (a cancelled training session), sent the same three ways.

mod delivery;
mod desk;
mod digest;
mod notices;
mod outbox;
mod sweep;
mod unreachable;

pub use delivery::*;
pub use desk::*;
use digest::digests;
pub use notices::*;
pub use outbox::*;
pub use sweep::*;
pub use unreachable::*;

// What other features may read and write of this feature's tables: they come here, never to
// `repo` (`.ci/imports.py` checks), so each use is one the feature has chosen to share.
pub use super::repo::{cancel_for_loan, forget, forget_words_before};
