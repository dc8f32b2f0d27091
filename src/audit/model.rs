//! What an audit event says: who, what, to which entity, with before and after.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{auth::Staff, enums::string_enum, error::FieldError};

string_enum!(
    /// What happened: one name per kind of change, stored as its text.
    AuditAction, "action" {
        OrganisationCreated = "organisation_created" / "Organisation created",
        OrganisationUpdated = "organisation_updated" / "Organisation's details changed",
        SharingProposed = "sharing_proposed" / "Sharing agreement proposed",
        SharingAccepted = "sharing_accepted" / "Sharing agreement accepted",
        SharingEnded = "sharing_ended" / "Sharing agreement ended",
        StaffCreated = "staff_created" / "Staff account created",
        StaffUpdated = "staff_updated" / "Staff account changed",
        PasswordLinkIssued = "password_link_issued" / "Password reset link made",
        PasswordSet = "password_set" / "Password chosen",
        HubAdded = "hub_added" / "Hub added",
        HubUpdated = "hub_updated" / "Hub's details changed",
        DeviceAdded = "device_added" / "Added",
        DeviceUpdated = "device_updated" / "Details changed",
        BorrowerAdded = "borrower_added" / "Borrower added",
        BorrowerUpdated = "borrower_updated" / "Borrower's details changed",
        ConsentChanged = "consent_changed" / "Consent given or withdrawn",
        BorrowerAnonymised = "borrower_anonymised" / "Record anonymised",
        BorrowerHeld = "borrower_held" / "Record held back from retention",
        BorrowerReleased = "borrower_released" / "Hold on the record lifted",
        Issued = "issued" / "Lent out",
        Returned = "returned" / "Taken back",
        ChecksRecorded = "checks_recorded" / "Data wiped and checked",
        ReportedLost = "reported_lost" / "Reported lost",
        ReportedMissing = "reported_missing" / "Missing at a stocktake",
        Found = "found" / "Found again",
        RepairOpened = "repair_opened" / "Sent for repair",
        RepairClosed = "repair_closed" / "Repair closed",
        Retired = "retired" / "Retired",
        Extended = "extended" / "Due date extended",
        AgreementSigned = "agreement_signed" / "Agreement signed",
        ReminderCall = "reminder_call" / "Reminder call made",
        ReminderLettersPosted = "reminder_letters_posted" / "Reminder letters posted",
        ReminderRetried = "reminder_retried" / "Reminder email tried again",
        CourseAdded = "course_added" / "Course added",
        CourseLinked = "course_linked" / "Loan linked to a course",
        SessionAdded = "session_added" / "Session added",
        SessionDevicesAdded = "session_devices_added" / "Devices added to a session",
        Enrolled = "enrolled" / "Enrolled in a session",
        Unenrolled = "unenrolled" / "Taken off a session",
        SessionChanged = "session_changed" / "Session changed",
        SessionCancelled = "session_cancelled" / "Session cancelled",
        AttendanceRecorded = "attendance_recorded" / "Attendance recorded",
        SkillsRecorded = "skills_recorded" / "Confidence scores recorded",
        CalendarFeedCreated = "calendar_feed_created" / "Calendar address made",
        StocktakeStarted = "stocktake_started" / "Stocktake started",
        StocktakeClosed = "stocktake_closed" / "Stocktake closed",
        Exported = "exported" / "Spreadsheet downloaded",
        Imported = "imported" / "Spreadsheet imported",
        ReferralLinkMade = "referral_link_made" / "Referral link made",
        ReferralLinkRevoked = "referral_link_revoked" / "Referral link revoked",
        ReferralReceived = "referral_received" / "Referral received",
        ReferralAccepted = "referral_accepted" / "Referral accepted",
        ReferralDeclined = "referral_declined" / "Referral declined",
        WaitingJoined = "waiting_joined" / "Joined the waiting list",
        WaitingLeft = "waiting_left" / "Taken off the waiting list",
        DeviceOffered = "device_offered" / "Held for someone on the waiting list",
        OfferLapsed = "offer_lapsed" / "Hold for the waiting list ran out",
        Gifted = "gifted" / "Given to its borrower for good",
        FollowUpAnswered = "follow_up_answered" / "Said how it went",
        ReservationMade = "reservation_made" / "Devices booked for a session",
        ReservationCancelled = "reservation_cancelled" / "Booking cancelled",
        SimAdded = "sim_added" / "SIM added",
        SimGiven = "sim_given" / "SIM with data given",
        ServiceListed = "service_listed" / "Service added to the directory",
        ServiceChanged = "service_changed" / "Directory service changed",
        Signposted = "signposted" / "Signposted to a service",
    }
);

/// Who made a change: a signed-in staff member, or lendhub itself (the CLI, a background job).
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Staff(&'a Staff),
    System(&'a str),
}

impl Actor<'_> {
    pub fn staff_id(&self) -> Option<i32> {
        match self {
            Actor::Staff(staff) => Some(staff.id()),
            Actor::System(_) => None,
        }
    }

    pub fn label(&self) -> String {
        match self {
            Actor::Staff(staff) => staff.name().to_owned(),
            Actor::System(name) => (*name).to_owned(),
        }
    }
}

/// The thing an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityRef {
    Device(i32),
    Hub(i32),
    Staff(i32),
    Organisation(i32),
    Borrower(i32),
    Loan(i32),
}

impl EntityRef {
    pub fn parts(self) -> (&'static str, i32) {
        match self {
            EntityRef::Device(id) => ("device", id),
            EntityRef::Hub(id) => ("hub", id),
            EntityRef::Staff(id) => ("staff", id),
            EntityRef::Organisation(id) => ("organisation", id),
            EntityRef::Borrower(id) => ("borrower", id),
            EntityRef::Loan(id) => ("loan", id),
        }
    }
}

/// An event about to be written.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub organisation_id: i32,
    pub at: DateTime<Utc>,
    pub actor: Actor<'a>,
    pub entity: EntityRef,
    pub action: AuditAction,
    pub details: Value,
}

/// The changes between two JSON objects, as `{field: {"from": old, "to": new}}`, for the fields
/// that differ.
pub fn changes(before: &Value, after: &Value) -> serde_json::Map<String, Value> {
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return serde_json::Map::new();
    };
    after
        .iter()
        .filter(|(key, value)| before.get(*key) != Some(value))
        .map(|(key, value)| {
            let from = before.get(key).cloned().unwrap_or(Value::Null);
            (key.clone(), serde_json::json!({ "from": from, "to": value }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_lists_only_what_differs() {
        let before = json!({"make": "Dell", "model": "5490", "notes": null});
        let after = json!({"make": "Dell", "model": "5500", "notes": "dent"});
        let diff = changes(&before, &after);
        assert_eq!(diff.len(), 2);
        assert_eq!(diff["model"], json!({"from": "5490", "to": "5500"}));
        assert_eq!(diff["notes"], json!({"from": null, "to": "dent"}));
    }
}
