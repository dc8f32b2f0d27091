//! The funder report: what the scheme achieved over a period, at one hub or every hub the reader
//! sees. Admins and coordinators (and hub staff, for their hubs) may read it; trainers may not.

pub mod kept;
pub mod model;
pub mod pdf;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use self::model::{
    FunderReport, Gifts, Loans, Outcomes, People, Repairs, Training, months, retired_by_method,
    skills_progress,
};
use super::{
    model::Period,
    repo::{self, funder::Scope},
};
use crate::{
    auth::{Action, Staff},
    db::Db,
    error::AppError,
    follow_ups::model::Helped,
    people::model::BARRIERS,
    training::model::Attendance,
};

/// The hubs a report covers, in words: the one asked for (404 outside the reader's hubs, as if it
/// were not there), the hubs hub staff are assigned to, or `None` for every hub.
pub async fn hubs_named(
    db: &impl ConnectionTrait,
    staff: &Staff,
    hub_id: Option<i32>,
) -> Result<Option<String>, AppError> {
    let hubs = crate::hubs::service::list_rows(db, staff.organisation_id()).await?;
    let name = |id: i32| hubs.iter().find(|h| h.id == id).map(|h| h.name.clone());
    match (hub_id, staff.assigned_hubs()) {
        (Some(id), _) => name(id)
            .filter(|_| staff.sees_hub(id))
            .map(Some)
            .ok_or_else(|| AppError::NotFound(format!("there is no hub with id {id} at your hubs"))),
        (None, None) => Ok(None),
        (None, Some([])) => Ok(Some("no hub (you are not assigned to one yet)".to_owned())),
        (None, Some(ids)) => {
            let names: Vec<String> = ids.iter().filter_map(|id| name(*id)).collect();
            Ok(Some(crate::words::and_list(&names)))
        }
    }
}

/// The report over `period`.
///
/// # Errors
/// `Forbidden` for trainers; a field error for a period over five years.
pub async fn report(
    db: &Db,
    staff: &Staff,
    period: Period,
    hub_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<FunderReport, AppError> {
    staff.require(Action::ViewReports)?;
    model::check_length(period.from, period.to)?;
    let hubs = staff.hubs_within(hub_id);
    let hub = hubs_named(&db.read, staff, hub_id).await?;
    let kept = hubs.is_none() && kept::refresh(db, Some(kept::KEPT_BUDGET)).await?;
    report_of(
        &db.read,
        staff.organisation_id(),
        hubs.as_deref(),
        hub,
        period,
        now,
        kept,
    )
    .await
}

/// For the lead organisation's admins and coordinators, over every hub: each organisation's
/// report, and the scheme's total last (counts only: no agreement is needed for figures that
/// name no one). `None` for anyone else, a report of one hub, or a scheme of one organisation.
///
/// # Errors
/// As [`report`].
pub async fn by_organisation(
    db: &Db,
    staff: &Staff,
    period: Period,
    hub_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<Option<Vec<FunderReport>>, AppError> {
    staff.require(Action::ViewReports)?;
    let whole_scheme = hub_id.is_none()
        && staff.hubs_within(None).is_none()
        && staff.can(Action::Export)
        && crate::organisations::service::leads(&db.read, staff.organisation_id()).await?;
    if !whole_scheme {
        return Ok(None);
    }
    model::check_length(period.from, period.to)?;
    let organisations = crate::organisations::service::all(&db.read).await?;
    if organisations.len() < 2 {
        return Ok(None);
    }
    let kept = kept::refresh(db, Some(kept::KEPT_BUDGET)).await?;
    let mut reports = Vec::new();
    let mut total: Option<FunderReport> = None;
    for org in organisations {
        let report = report_of(&db.read, org.id, None, None, period, now, kept).await?;
        match &mut total {
            Some(total) => total.add(&report),
            None => total = Some(report.clone()),
        }
        reports.push(report);
    }
    if let Some(mut total) = total {
        "All organisations".clone_into(&mut total.organisation);
        reports.push(total);
    }
    Ok(Some(reports))
}

/// The report of one organisation's rows, at `hubs` (`None` for all), `hub` naming them.
async fn report_of(
    db: &impl ConnectionTrait,
    organisation_id: i32,
    hubs: Option<&[i32]>,
    hub: Option<String>,
    period: Period,
    now: DateTime<Utc>,
    kept: bool,
) -> Result<FunderReport, AppError> {
    let (from, to) = period.instants();
    let scope = Scope {
        organisation_id,
        hubs,
        from,
        to,
        now,
    };
    let organisation = crate::organisations::service::find(db, organisation_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();

    let counted = if kept && hubs.is_none() {
        kept::figures(db, organisation_id, period, now).await?
    } else {
        count_rows(db, scope, period).await?
    };

    let (sessions, marks) = repo::training_between(db, scope.organisation_id, scope.hubs, from, to).await?;
    let marked = |wanted: Attendance| {
        marks
            .iter()
            .filter(|(mark, _)| *mark == Some(wanted))
            .map(|(_, n)| n.unsigned_abs())
            .sum::<u64>()
    };
    let (closed, fixed, cost_pence) = repo::funder::repairs_closed(db, scope).await?;

    let (given, after_loan) = repo::outcomes::gifts(db, scope).await?;
    let said = repo::outcomes::outcomes(db, scope).await?;
    Ok(FunderReport {
        organisation,
        hub,
        from: period.from,
        to: period.to,
        people: People {
            supported: counted.supported,
            borrowed: counted.borrowed,
            learners: repo::funder::learners(db, scope).await?,
            barriers: counted.barriers.to_vec(),
        },
        loans: Loans {
            issued: counted.issued,
            out: counted.out,
            devices_lent: counted.devices_lent,
            loan_days: counted.loan_days,
            returned: counted.returned,
            returned_on_time: counted.returned_on_time,
            lost: counted.lost,
        },
        training: Training {
            sessions,
            attendances: marked(Attendance::Present) + marked(Attendance::Late),
            absences: marked(Attendance::Absent),
            excused: marked(Attendance::Excused),
        },
        skills: skills_progress(&repo::funder::scores(db, scope).await?),
        repairs: Repairs {
            closed,
            fixed,
            cost_pence,
        },
        retired: retired_by_method(&repo::funder::retired(db, scope).await?),
        monthly: counted.monthly,
        gifts: Gifts { given, after_loan },
        connected: repo::outcomes::connected(db, scope).await?,
        outcomes: Outcomes {
            asked: said.asked,
            answered: said.answered,
            answered_late: said.answered_late,
            still_using_late: said.still_using_late,
            helped: Helped::ALL.iter().copied().zip(said.helped).collect(),
            confidence_pairs: said.confidence_pairs,
            confidence_before: said.confidence_before,
            confidence_after: said.confidence_after,
        },
    })
}

/// The figures [`kept::figures`] reads, counted from the rows themselves: for a report of some
/// hubs, and while the kept figures are catching up.
///
/// # Errors
/// A database error.
pub async fn count_rows(
    db: &impl ConnectionTrait,
    scope: Scope<'_>,
    period: Period,
) -> Result<kept::Kept, sea_orm::DbErr> {
    let (supported, barriers) = repo::funder::people(db, scope, BARRIERS.map(|(code, _)| code)).await?;
    let (out, devices_lent, borrowed, loan_days) = repo::funder::loans_out(db, scope).await?;
    let (returned, returned_on_time) = repo::funder::returned(db, scope).await?;
    let issued = repo::issued_between(db, scope.organisation_id, scope.hubs, scope.from, scope.to).await?;
    let mut monthly = Vec::new();
    for (month, start, end) in months(period.from, period.to) {
        monthly.push((
            month,
            repo::issued_between(db, scope.organisation_id, scope.hubs, start, end).await?,
        ));
    }
    Ok(kept::Kept {
        supported,
        barriers,
        borrowed,
        devices_lent,
        issued,
        out,
        loan_days,
        returned,
        returned_on_time,
        lost: repo::funder::lost(db, scope).await?,
        monthly,
    })
}
