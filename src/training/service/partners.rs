//! A learner's training at partner organisations, as their own organisation sees it: only the
//! sessions of a partner that shares attendance under a training agreement in force, each such
//! read written to the learner's access log naming the agreement.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Names;
use crate::training::{
    model::{self, Attendance, Progress},
    repo,
};
use crate::{
    auth::Staff,
    db::Db,
    error::AppError,
    organisations, people,
    sharing::{
        self,
        model::{Purpose, SharedData},
    },
};

/// One of a learner's sessions at a partner.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerSession {
    pub course_title: String,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub attendance: Option<Attendance>,
}

/// A learner's training with one partner organisation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerTraining {
    pub organisation: String,
    /// The agreement it is shared under.
    pub agreement_id: i32,
    pub progress: Vec<Progress>,
    /// The newest first.
    pub sessions: Vec<PartnerSession>,
}

/// The training partners recorded of `borrower_id` (whom `staff` has been let read), for those
/// who share attendance with `staff`'s organisation now.
pub async fn partner_training(
    db: &Db,
    staff: &Staff,
    borrower_id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<PartnerTraining>, AppError> {
    let enrolments = repo::enrolments_of_borrower(&db.read, borrower_id).await?;
    let marks: HashMap<i32, Option<Attendance>> =
        enrolments.iter().map(|e| (e.session_id, e.attendance)).collect();
    let mut by_organisation: HashMap<i32, Vec<i32>> = HashMap::new();
    for (session, organisation) in
        repo::organisations_of_sessions(&db.read, enrolments.iter().map(|e| e.session_id).collect()).await?
    {
        if organisation != staff.organisation_id() {
            by_organisation.entry(organisation).or_default().push(session);
        }
    }
    let mut shown = Vec::new();
    for (other, sessions) in by_organisation {
        let Some(grant) = sharing::service::grant(
            &db.read,
            staff,
            other,
            Purpose::Training,
            SharedData::Attendance,
            now,
        )
        .await?
        else {
            continue;
        };
        let names = Names::load(&db.read, other).await?;
        let rows = repo::sessions_by_ids(&db.read, other, sessions).await?;
        let scores = repo::scores_of_borrower(&db.read, other, borrower_id).await?;
        people::service::looked_at_partners_record(db, staff, &grant, borrower_id, now).await?;
        shown.push(PartnerTraining {
            organisation: organisations::service::find(&db.read, other)
                .await?
                .map(|o| o.name)
                .unwrap_or_default(),
            agreement_id: grant.agreement_id(),
            progress: model::progress(&scores),
            sessions: rows
                .into_iter()
                .map(|row| PartnerSession {
                    course_title: names.courses.get(&row.course_id).cloned().unwrap_or_default(),
                    attendance: marks.get(&row.id).copied().flatten(),
                    starts_at: row.starts_at,
                    duration_minutes: row.duration_minutes,
                })
                .collect(),
        });
    }
    shown.sort_by(|a, b| a.organisation.cmp(&b.organisation));
    Ok(shown)
}
