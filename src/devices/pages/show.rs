//! A device's page: its details, loans, repairs, training sessions and history in sentences, and
//! the address its QR label encodes.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};

use super::hub_names;
use crate::audit::AuditAction;
use crate::devices::service::{self, DeviceView};
use crate::{
    auth::{Action, Staff, extract::MaybeStaff},
    error::AppError,
    hubs::{self, service::HubView},
    loans::views::{self, LoanView, RepairView},
    state::AppState,
    web::{Nav, urlencode},
};
use crate::{
    dates::{london_time, long_date},
    money::pounds,
};

/// One line of a device's history.
pub struct HistoryEntry {
    pub when: String,
    pub summary: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "devices/show.html")]
pub struct ShowPage {
    nav: Nav,
    device: DeviceView,
    hub_name: String,
    purchased_on: Option<String>,
    cost: Option<String>,
    plan_ends_on: Option<String>,
    history: Vec<HistoryEntry>,
    current_loan: Option<LoanView>,
    due_on: String,
    loans: Vec<LoanView>,
    repairs: Vec<RepairView>,
    sessions: Vec<crate::training::service::SessionView>,
}

impl ShowPage {
    fn open_repair(&self) -> Option<&RepairView> {
        self.repairs.iter().find(|r| r.closed_at.is_none())
    }

    /// When the loan ended or ends: the day it came back, the day it was reported lost, or the
    /// day it is due.
    fn loan_when(loan: &LoanView) -> String {
        match (loan.returned_at, loan.lost_at) {
            (Some(at), _) => format!("Returned {}", long_date(crate::dates::today(at))),
            (None, Some(at)) => format!("Lost {}", long_date(crate::dates::today(at))),
            (None, None) => format!("Due back {}", long_date(loan.due_on)),
        }
    }
}

/// A device's page: its details, status and history. `/d/{tag}` (the QR code) leads here too.
pub async fn show(
    State(app): State<AppState>,
    staff: Staff,
    Path(tag): Path<String>,
) -> Result<Response, AppError> {
    let device = match service::get(&app.db.read, &staff, &tag).await {
        Ok(device) => device,
        // Another hub's device on loan, in a hub worker's hand: all they may do is take it back.
        Err(AppError::NotFound(message)) => {
            return match crate::loans::service::elsewhere_by_tag(&app.db.read, &staff, &tag).await? {
                Some(loan) => Ok(Redirect::to(&format!("/loans/{loan}/return")).into_response()),
                None => Err(AppError::NotFound(message)),
            };
        }
        Err(other) => return Err(other),
    };
    if device.asset_tag != tag {
        return Ok(Redirect::to(&format!("/devices/{}", device.asset_tag)).into_response());
    }
    let hubs = hubs::service::list(&app.db.read, &staff).await?;
    let history = service::events(&app.db.read, &staff, &tag)
        .await?
        .into_iter()
        .map(|event| HistoryEntry {
            when: london_time(event.at),
            summary: describe(&event, &hubs),
        })
        .collect();
    let current_loan = views::current_loan_if_allowed(&app.db.read, &staff, device.id).await?;
    let loans = if staff.can(Action::ViewLoans) {
        views::of_device(&app.db.read, &staff, device.id).await?
    } else {
        Vec::new()
    };
    let repairs = views::repairs_of_device(&app.db.read, &staff, device.id).await?;
    let sessions = if staff.can(Action::ViewTraining) {
        crate::training::service::device_sessions(&app.db.read, &staff, &device.asset_tag).await?
    } else {
        Vec::new()
    };
    Ok(ShowPage {
        sessions,
        nav: Nav::new(&staff, "devices"),
        due_on: current_loan
            .as_ref()
            .map(|l| long_date(l.due_on))
            .unwrap_or_default(),
        current_loan,
        loans,
        repairs,
        // A device's hub is a foreign key to a hub of its organisation.
        hub_name: hub_names(&hubs).remove(&device.hub_id).unwrap_or_default(),
        purchased_on: device.purchased_on.map(long_date),
        cost: device.purchase_cost_pence.map(pounds),
        plan_ends_on: device.sim.as_ref().and_then(|s| s.plan_ends_on).map(long_date),
        device,
        history,
    }
    .into_response())
}

/// An audit event in a sentence.
fn describe(event: &service::EventView, hubs: &[HubView]) -> String {
    let actor = &event.actor;
    match event.action {
        AuditAction::DeviceAdded => format!("Added by {actor}"),
        AuditAction::Issued => format!("Lent out by {actor}"),
        AuditAction::Returned => format!("Taken back by {actor}"),
        AuditAction::ChecksRecorded => {
            let missing: Vec<String> = event.details["missing"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter_map(|m| m.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if missing.is_empty() {
                format!("Data wiped and checked by {actor}")
            } else {
                format!(
                    "Data wiped and checked by {actor}; missing: {}",
                    missing.join(", ")
                )
            }
        }
        AuditAction::ReportedLost => format!("Reported lost by {actor}"),
        AuditAction::ReportedMissing => format!(
            "Missing at the stocktake of {}, reported by {actor}",
            event.details["hub"].as_str().unwrap_or("its hub")
        ),
        AuditAction::Found => format!("Found again, recorded by {actor}"),
        AuditAction::RepairOpened => format!("Sent for repair by {actor}"),
        AuditAction::RepairClosed => format!("Repair closed by {actor}"),
        AuditAction::Retired => format!("Retired by {actor}"),
        // Whom it is held for is the waiting list's to show, not the device's history.
        AuditAction::DeviceOffered => {
            let until = event.details["held_until"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| crate::dates::london_time(t.with_timezone(&chrono::Utc)));
            match until {
                Some(until) => format!("Held for someone on the waiting list until {until} ({actor})"),
                None => format!("Held for someone on the waiting list ({actor})"),
            }
        }
        AuditAction::OfferLapsed => "The hold for the waiting list ran out".to_owned(),
        AuditAction::Gifted => format!("Given to its borrower for good by {actor}"),
        AuditAction::DeviceUpdated => {
            let fields: Vec<String> = event.details["changes"]
                .as_object()
                .map(|changes| changes.keys().map(|k| k.replace('_', " ")).collect())
                .unwrap_or_default();
            let hub_moved = event.details["changes"]["hub_id"]["to"].as_i64().and_then(|id| {
                hubs.iter()
                    .find(|h| i64::from(h.id) == id)
                    .map(|h| format!(" (now at {})", h.name))
            });
            format!(
                "{} changed by {}{}",
                capitalised_list(&fields),
                event.actor,
                hub_moved.unwrap_or_default()
            )
        }
        // Events about other things, should one ever be filed under a device.
        other @ (AuditAction::OrganisationCreated
        | AuditAction::OrganisationUpdated
        | AuditAction::SharingProposed
        | AuditAction::SharingAccepted
        | AuditAction::SharingEnded
        | AuditAction::StaffCreated
        | AuditAction::StaffUpdated
        | AuditAction::PasswordLinkIssued
        | AuditAction::PasswordSet
        | AuditAction::HubAdded
        | AuditAction::HubUpdated
        | AuditAction::StocktakeStarted
        | AuditAction::FollowUpAnswered
        | AuditAction::ReservationMade
        | AuditAction::ReservationCancelled
        | AuditAction::SimAdded
        | AuditAction::SimGiven
        | AuditAction::ServiceListed
        | AuditAction::ServiceChanged
        | AuditAction::Signposted
        | AuditAction::StocktakeClosed
        | AuditAction::Exported
        | AuditAction::Imported
        | AuditAction::BorrowerAdded
        | AuditAction::BorrowerUpdated
        | AuditAction::ConsentChanged
        | AuditAction::BorrowerAnonymised
        | AuditAction::BorrowerHeld
        | AuditAction::BorrowerReleased
        | AuditAction::Extended
        | AuditAction::AgreementSigned
        | AuditAction::ReminderCall
        | AuditAction::ReminderLettersPosted
        | AuditAction::ReminderRetried
        | AuditAction::CourseAdded
        | AuditAction::CourseLinked
        | AuditAction::Unenrolled
        | AuditAction::SessionChanged
        | AuditAction::SessionCancelled
        | AuditAction::SessionAdded
        | AuditAction::SessionDevicesAdded
        | AuditAction::Enrolled
        | AuditAction::AttendanceRecorded
        | AuditAction::SkillsRecorded
        | AuditAction::CalendarFeedCreated
        | AuditAction::ReferralLinkMade
        | AuditAction::ReferralLinkRevoked
        | AuditAction::ReferralReceived
        | AuditAction::ReferralAccepted
        | AuditAction::ReferralDeclined
        | AuditAction::WaitingJoined
        | AuditAction::WaitingLeft) => format!("{} by {actor}", other.label()),
    }
}

pub(super) fn capitalised_list(fields: &[String]) -> String {
    let text = match fields {
        [] => "Details".to_owned(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `/d/{tag}`: the address in every QR label.
/// What a device's QR label opens: the device's page for staff who are signed in; for anyone
/// else (someone who found it), who it belongs to and where to bring it back, nothing more.
pub async fn scanned(
    State(app): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path(tag): Path<String>,
) -> Result<Response, AppError> {
    if staff.is_some() {
        let tag = crate::devices::model::AssetTag::parse("asset_tag", &tag)
            .map_or_else(|_| tag.to_uppercase(), |t| t.as_str().to_owned());
        return Ok(Redirect::to(&format!("/devices/{}", urlencode(&tag))).into_response());
    }
    let found = service::return_to(&app.db.read, &tag).await?;
    Ok(FoundPage {
        nav: Nav::signed_out(),
        found,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "devices/found.html")]
pub struct FoundPage {
    nav: Nav,
    found: service::ReturnTo,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_lists_read_as_sentences() {
        assert_eq!(capitalised_list(&["make".into()]), "Make");
        assert_eq!(
            capitalised_list(&["make".into(), "model".into(), "notes".into()]),
            "Make, model and notes"
        );
    }
}
