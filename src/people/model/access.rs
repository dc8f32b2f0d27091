//! What a staff member looked at, for the access log.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{enums::string_enum, error::FieldError};

string_enum!(
    /// What was looked at.
    Looked, "what" {
        Record = "record" / "Their record",
        Agreement = "agreement" / "A loan agreement",
        GiftLetter = "gift_letter" / "A gift letter",
        Export = "export" / "Everything we hold (the download)",
        Register = "register" / "In a partner's training register",
        SharedList = "shared_list" / "In the list of learners shared with a partner",
        PartnerAttendance = "partner_attendance" / "Their attendance at a partner's sessions",
        PartnerRecord = "partner_record" / "Copied to a partner's own record, to lend them a device",
        PartnerLoans = "partner_loans" / "The devices a partner lent them",
    }
);

/// How long the access log keeps a look: 12 months.
pub const ACCESS_LOG_MONTHS: u32 = 12;
