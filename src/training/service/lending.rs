//! Lending one of the organisation's devices to a learner a partner shares with it for its
//! training: the lender keeps its own record of them (the loan agreement is between the lender and
//! the person, and the lender must be able to get its device back whatever becomes of the
//! agreement), made from the shared record while they are enrolled in one of its sessions. What
//! the agreement names is copied (names and access needs; contact details and barriers only when
//! named); what the person gives at the counter is added. The partner's person is asked for once:
//! a second request answers the record already made.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::audit::AuditAction;
use crate::training::repo;
use crate::{
    audit::{EntityRef, record},
    auth::{Action, Staff},
    db::{self, Db},
    error::AppError,
    people::{
        self,
        model::{BorrowerRequest, ConsentRequest, Looked},
        service::BorrowerView,
    },
    sharing::{
        self,
        model::{Purpose, SharedData},
    },
};

/// `POST /training/sessions/{id}/enrolments/{borrower_id}/own-record`: what the person gives at
/// the counter to borrow from this organisation.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnRecordRequest {
    /// `loan` must be `true`: they agree that this organisation keeps their details to run the
    /// loan. Each reminder purpose left out is given where its contact detail is.
    #[schema(required = true)]
    pub consent: Option<ConsentRequest>,
    /// Given here, or copied when the agreement names contact details.
    #[schema(pattern = r"^[^\s@]+@[^\s@.][^\s@]*\.[^\s@]*[^\s@.]$", max_length = 254)]
    pub email: Option<String>,
    #[schema(pattern = r"^\+?[0-9]{10,15}$")]
    pub phone: Option<String>,
    #[schema(max_length = 500)]
    pub address: Option<String>,
    #[schema(pattern = r"^[A-Z]{1,2}[0-9]{1,2} [0-9][A-Z]{2}$")]
    pub postcode: Option<String>,
}

/// The organisation's own record of a partner's learner.
#[derive(Debug, Clone)]
pub struct OwnRecord {
    pub borrower: BorrowerView,
    /// Made by this request (not found from an earlier one).
    pub made: bool,
}

/// The record `staff`'s organisation lends to the partner's learner `borrower_id` under: found
/// when it has one, made from the shared record otherwise.
///
/// # Errors
/// `NotFound` for a session that is not the organisation's, a learner not enrolled in it, or one
/// no training agreement in force shares now (or who withdrew consent); `Invalid` naming the
/// field for the person's details and consent; `Conflict` `session_cancelled`.
pub async fn own_record(
    db: &Db,
    staff: &Staff,
    session_id: i32,
    borrower_id: i32,
    request: &OwnRecordRequest,
    now: DateTime<Utc>,
) -> Result<OwnRecord, AppError> {
    staff.require(Action::Lend)?;
    let not_shared = || {
        AppError::NotFound(format!(
            "there is no learner {borrower_id} a partner shares with you in this session"
        ))
    };
    let tx = db::begin_write(db).await?;
    let session = repo::lock_session(&tx, staff.organisation_id(), session_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no session with id {session_id}")))?;
    super::not_cancelled(&session)?;
    repo::enrolment(&tx, session_id, borrower_id)
        .await?
        .ok_or_else(not_shared)?;
    let Some((_, partner)) = people::service::organisations_of(&tx, &[borrower_id])
        .await?
        .pop()
    else {
        return Err(not_shared());
    };
    // An agreement that names contact details as well as names, where one is in force, so the
    // lender can reach them without asking again.
    let grant =
        match sharing::service::grant(&tx, staff, partner, Purpose::Training, SharedData::Contact, now)
            .await?
        {
            Some(grant) if grant.allows(SharedData::Names) => Some(grant),
            _ => {
                sharing::service::grant(&tx, staff, partner, Purpose::Training, SharedData::Names, now)
                    .await?
            }
        }
        .ok_or_else(not_shared)?;
    let shared = people::service::find_shared_locked(&tx, &grant, borrower_id)
        .await?
        .ok_or_else(not_shared)?;
    if let Some(own) = people::service::own_record_of(&tx, staff.organisation_id(), borrower_id).await? {
        return Ok(OwnRecord {
            borrower: own.into(),
            made: false,
        });
    }
    let consent = request.consent.clone().unwrap_or_default();
    if !consent.agreed_to_loan() {
        return Err(AppError::invalid(
            "consent.loan",
            format!(
                "{} must agree to us keeping their details to run the loan before we can lend to them",
                shared.name
            ),
        ));
    }
    let contact = grant.allows(SharedData::Contact);
    let given = |field: &Option<String>, copied: &Option<String>| match field {
        Some(text) if !text.trim().is_empty() => Some(text.clone()),
        _ => copied.clone().filter(|_| contact),
    };
    let details = BorrowerRequest {
        name: Some(shared.name.clone()),
        email: given(&request.email, &shared.email),
        phone: given(&request.phone, &shared.phone),
        // Contact details are a phone and an email: an address is the person's to give.
        address: request.address.clone(),
        postcode: request.postcode.clone().filter(|p| !p.trim().is_empty()),
        barriers: grant
            .allows(SharedData::Barriers)
            .then(|| shared.barriers.clone().into_inner()),
        consent: Some(consent.clone()),
        large_print: Some(shared.large_print),
        accessibility_needs: shared.accessibility_needs.clone(),
        ..BorrowerRequest::default()
    }
    .parse_new()
    .map_err(people::service::first_error)?;
    let consents = consent.for_new(&details);
    let row =
        people::service::insert_from_partner(&tx, staff, &grant, &shared, &details, &consents, now).await?;
    record(
        &tx,
        staff,
        EntityRef::Borrower(row.id),
        AuditAction::BorrowerAdded,
        json!({"from_partner": {"agreement_id": grant.agreement_id(), "session_id": session_id}, "consents": consents.given()}),
        now,
    )
    .await?;
    tx.commit().await?;
    people::service::looked_under(db, staff, &grant, &[borrower_id], Looked::PartnerRecord, now).await?;
    Ok(OwnRecord {
        borrower: row.into(),
        made: true,
    })
}
