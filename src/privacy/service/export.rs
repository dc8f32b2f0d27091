//! The export of one borrower's data: `person.json` (their record, consents and their history,
//! loans with extensions and returns, calls and their notes, reminders with their words,
//! training, and the audit events about them), each stored agreement PDF, and a `README.txt`
//! that says what each file is. Every export is written to the borrower's access log.

use std::io::Write;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use zip::{ZipWriter, write::SimpleFileOptions};

use crate::{
    agreements,
    audit::{self, EntityRef},
    auth::{Action, Staff},
    db::Db,
    error::AppError,
    loans::views::{self, LoanView},
    people::{
        self,
        model::Looked,
        service::{BorrowerView, ConsentsView},
    },
    reminders::service::{self as reminders, CallRecord, ReminderMessage},
    training,
};

/// What `person.json` holds.
#[derive(Debug, Serialize)]
struct Person {
    exported_at: DateTime<Utc>,
    exported_by: String,
    record: BorrowerView,
    consents: ConsentsView,
    loans: Vec<LoanView>,
    calls: Vec<CallRecord>,
    reminders: Vec<ReminderMessage>,
    training: Option<training::service::LearnerTraining>,
    referrals: Vec<crate::referrals::service::ReferralView>,
    waiting_list: Vec<crate::waiting::service::WaitingView>,
    gifts: Vec<crate::loans::service::GiftView>,
    sims: Vec<crate::sims::service::SimView>,
    follow_ups: Vec<crate::follow_ups::service::FollowUpView>,
    signposts: Vec<crate::directory::service::SignpostView>,
    audit_events: Vec<AuditEventView>,
}

/// An audit event about the person, as the log keeps it (which fields changed, never values).
#[derive(Debug, Serialize)]
struct AuditEventView {
    at: DateTime<Utc>,
    by: String,
    action: String,
    details: Value,
}

/// The ZIP, and the name to save it under (the borrower's id, never their name).
pub struct Export {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

const README: &str = "\
Everything we hold about you

This folder is what the lending scheme's system, lendhub, holds about you, as it was on the day
it was made.

person.json
  Your record and the rest, in a form any computer can read (JSON). It has:
  - record: your name, how we reach you, and what you told us when you joined;
  - consents: what you agreed we may use your details for, and each time that changed, who
    recorded it and how;
  - loans: each device you borrowed, when it was due and returned, and any extensions;
  - calls: each call we made to you about a loan, and the notes taken;
  - reminders: each email, call or letter about your loans or training, with its words;
  - training: the sessions you were enrolled in, whether you came, and your confidence scores;
  - referrals: how you were referred to us, by whom, and what the referral said;
  - waiting_list: each time you waited for a device, and any device kept for you;
  - gifts: each device we gave you to keep, and why;
  - sims: each SIM with data we gave you, and when its data ends;
  - follow_ups: each time we asked how it had gone, and what you told us;
  - signposts: each service we pointed you to, and whether you agreed to us passing on your details;
  - audit_events: each change made to your record, by whom and when.

agreement-loan-N.pdf
  The loan agreement you signed for loan N, exactly as it was stored when you signed it.

If anything here is wrong, tell us and we will put it right. You can also ask us to delete what
we hold about you once you have no device on loan.
";

/// Gathers everything held about borrower `id` into a ZIP; admins and coordinators only.
pub async fn export(db: &Db, staff: &Staff, id: i32, now: DateTime<Utc>) -> Result<Export, AppError> {
    staff.require(Action::Export)?;
    let read = &db.read;
    let record = people::service::get(read, staff, id).await?;
    let loans = views::of_borrower(read, staff, id).await?;
    let loan_ids: Vec<i32> = loans.iter().map(|l| l.id).collect();
    let staff_names: std::collections::HashMap<i32, String> =
        crate::auth::service::staff_of(read, staff.organisation_id())
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
    let audit_events = audit::for_entity(read, EntityRef::Borrower(id))
        .await?
        .into_iter()
        .filter(|e| e.organisation_id == staff.organisation_id())
        .map(|e| AuditEventView {
            at: e.at,
            by: e.actor_label,
            action: e.action,
            details: serde_json::from_str(&e.details).unwrap_or(Value::Null),
        })
        .collect();
    let person = Person {
        exported_at: now,
        exported_by: staff_names.get(&staff.id()).cloned().unwrap_or_default(),
        consents: people::service::consents(read, staff, id).await?,
        calls: reminders::call_history(read, staff, &loan_ids).await?,
        reminders: reminders::about_borrower(read, staff, id).await?,
        training: if staff.can(Action::ViewTraining) {
            Some(training::service::learner(read, staff, id).await?)
        } else {
            None
        },
        referrals: crate::referrals::service::of_borrower(db, staff, id).await?,
        waiting_list: crate::waiting::service::of_borrower(db, staff, id, now).await?,
        gifts: crate::loans::service::gifts_of(db, staff, id).await?,
        sims: crate::sims::service::of_borrower(read, staff, id, now).await?,
        follow_ups: crate::follow_ups::service::of_borrower(read, staff, id).await?,
        signposts: crate::directory::service::signposts_of(read, staff, id).await?,
        audit_events,
        record,
        loans,
    };
    let agreements = agreements::service::stored(read, staff, &loan_ids).await?;
    let bytes = zip(&person, &agreements).map_err(AppError::internal)?;
    people::service::looked(db, staff, id, Looked::Export, now).await?;
    Ok(Export {
        file_name: format!("lendhub-borrower-{id}-{}.zip", now.format("%Y-%m-%d")),
        bytes,
    })
}

fn zip(person: &Person, agreements: &[(i32, Vec<u8>)]) -> Result<Vec<u8>, std::io::Error> {
    let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut add = |name: String, bytes: &[u8]| -> Result<(), std::io::Error> {
        zip.start_file(name, options).map_err(std::io::Error::other)?;
        zip.write_all(bytes)
    };
    add("README.txt".into(), README.as_bytes())?;
    add("person.json".into(), &serde_json::to_vec_pretty(person)?)?;
    for (loan_id, pdf) in agreements {
        add(format!("agreement-loan-{loan_id}.pdf"), pdf)?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}
