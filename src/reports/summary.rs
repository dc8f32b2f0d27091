//! The figures of the dashboard and of `GET /reports/summary`: devices by hub, status and kind,
//! loans open, overdue and issued, sessions and attendance, repairs, SIM plans and checks
//! waiting. Hub staff see their own hubs' figures; trainers see none.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;

use super::{
    model::{Period, attendance_rate, last_twelve_months},
    repo,
};
use crate::{
    auth::{Action, Staff},
    dates::{london_midnight, today},
    error::AppError,
    training::model::Attendance,
};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceSummary {
    pub total: u64,
    pub by_status: BTreeMap<String, u64>,
    pub by_kind: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LoanSummary {
    pub open: u64,
    pub overdue: u64,
    /// Open loans due from today to 7 days from now.
    pub due_this_week: u64,
    /// Open loans whose agreement is not signed yet.
    pub unsigned: u64,
    pub issued_last_30_days: u64,
    /// Issued from `from` to `to`.
    pub issued: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrainingSummary {
    /// Sessions that started from `from` to `to`.
    pub sessions: u64,
    /// Learners marked present or late in them.
    pub attendances: u64,
    pub absences: u64,
    pub excused: u64,
    /// Attendances over attendances and absences (excused absences left out); null when nobody
    /// was marked.
    pub attendance_rate: Option<f64>,
}

/// `GET /reports/summary`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub hub_id: Option<i32>,
    pub devices: DeviceSummary,
    pub loans: LoanSummary,
    pub training: TrainingSummary,
    /// For the lead organisation's admins and coordinators: each organisation's figures (counts
    /// only, naming no one), and the scheme's total.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_organisation: Option<SchemeFigures>,
}

/// One organisation's figures in the scheme's summary.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct OrganisationFigures {
    pub organisation_id: i32,
    pub name: String,
    pub devices: u64,
    pub devices_on_loan: u64,
    pub loans_open: u64,
    pub loans_overdue: u64,
    /// Issued from `from` to `to`.
    pub loans_issued: u64,
    pub sessions: u64,
    pub attendances: u64,
}

/// Every organisation's figures, and their sum.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SchemeFigures {
    pub organisations: Vec<OrganisationFigures>,
    pub total: OrganisationFigures,
}

/// One hub's devices by status, for the dashboard's table.
#[derive(Debug, Clone)]
pub struct HubDevices {
    pub hub_id: i32,
    pub by_status: BTreeMap<String, u64>,
    pub total: u64,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub summary: Summary,
    pub hubs: Vec<HubDevices>,
    /// `(first day of the month, loans issued in it)`, the last 12 months, oldest first.
    pub monthly: Vec<(NaiveDate, u64)>,
    pub repairs_open: u64,
    pub repairs_closed_this_year: u64,
    pub repair_cost_pence_this_year: i64,
    pub sims_ending: u64,
    pub waiting_for_checks: u64,
}

/// The summary over `period`, at one hub or every hub the staff member sees.
///
/// # Errors
/// `Forbidden` for trainers.
pub async fn summary(
    db: &impl ConnectionTrait,
    staff: &Staff,
    period: Period,
    hub_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<Summary, AppError> {
    let mut summary = figures(db, staff, period, hub_id, now).await?.0;
    let whole_scheme = hub_id.is_none()
        && staff.hubs_within(None).is_none()
        && staff.can(Action::Export)
        && crate::organisations::service::leads(db, staff.organisation_id()).await?;
    if whole_scheme {
        summary.by_organisation = Some(scheme_figures(db, period, now).await?);
    }
    Ok(summary)
}

/// Each organisation's counts over the period, for the lead: nothing that names a person.
async fn scheme_figures(
    db: &impl ConnectionTrait,
    period: Period,
    now: DateTime<Utc>,
) -> Result<SchemeFigures, AppError> {
    let today = today(now);
    let (from, to) = period.instants();
    let mut organisations = Vec::new();
    let mut total = OrganisationFigures {
        name: "All organisations".to_owned(),
        ..OrganisationFigures::default()
    };
    for org in crate::organisations::service::all(db).await? {
        let mut row = OrganisationFigures {
            organisation_id: org.id,
            name: org.name,
            ..OrganisationFigures::default()
        };
        for (_, status, _, n) in repo::device_counts(db, org.id, None).await? {
            row.devices += n.unsigned_abs();
            if status.as_str() == "on_loan" {
                row.devices_on_loan += n.unsigned_abs();
            }
        }
        let open = repo::open_loans(db, org.id, None, today, today + Duration::days(7)).await?;
        (row.loans_open, row.loans_overdue) = (open.open, open.overdue);
        row.loans_issued = repo::issued_between(db, org.id, None, from, to).await?;
        let (sessions, marks) = repo::training_between(db, org.id, None, from, to).await?;
        row.sessions = sessions;
        row.attendances = marks
            .iter()
            .filter(|(mark, _)| mark.is_some_and(|m| matches!(m, Attendance::Present | Attendance::Late)))
            .map(|(_, n)| n.unsigned_abs())
            .sum();
        total.devices += row.devices;
        total.devices_on_loan += row.devices_on_loan;
        total.loans_open += row.loans_open;
        total.loans_overdue += row.loans_overdue;
        total.loans_issued += row.loans_issued;
        total.sessions += row.sessions;
        total.attendances += row.attendances;
        organisations.push(row);
    }
    Ok(SchemeFigures { organisations, total })
}

async fn figures(
    db: &impl ConnectionTrait,
    staff: &Staff,
    period: Period,
    hub_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<(Summary, Vec<HubDevices>), AppError> {
    staff.require(Action::ViewReports)?;
    // Another hub's id is a 404, not a page of zeros.
    super::funder::hubs_named(db, staff, hub_id).await?;
    let hubs = staff.hubs_within(hub_id);
    let hubs = hubs.as_deref();
    let organisation = staff.organisation_id();
    let today = today(now);

    let mut by_status = BTreeMap::new();
    let mut by_kind = BTreeMap::new();
    let mut by_hub: BTreeMap<i32, HubDevices> = BTreeMap::new();
    let mut total = 0;
    for (hub, status, kind, n) in repo::device_counts(db, organisation, hubs).await? {
        let n = n.unsigned_abs();
        total += n;
        *by_status.entry(status.as_str().to_owned()).or_insert(0) += n;
        *by_kind.entry(kind.as_str().to_owned()).or_insert(0) += n;
        let row = by_hub.entry(hub).or_insert_with(|| HubDevices {
            hub_id: hub,
            by_status: BTreeMap::new(),
            total: 0,
        });
        *row.by_status.entry(status.as_str().to_owned()).or_insert(0) += n;
        row.total += n;
    }

    let open = repo::open_loans(db, organisation, hubs, today, today + Duration::days(7)).await?;
    let (from, to) = period.instants();
    let issued = repo::issued_between(db, organisation, hubs, from, to).await?;
    // The dashboard's period is the last 30 days: counted once.
    let last_30 = Period::parse(None, None, today)?;
    let issued_last_30_days = if period == last_30 {
        issued
    } else {
        let (from, to) = last_30.instants();
        repo::issued_between(db, organisation, hubs, from, to).await?
    };

    let (sessions, marks) = repo::training_between(db, organisation, hubs, from, to).await?;
    let marked = |wanted: &[Attendance]| {
        marks
            .iter()
            .filter(|(mark, _)| mark.is_some_and(|m| wanted.contains(&m)))
            .map(|(_, n)| n.unsigned_abs())
            .sum::<u64>()
    };
    let attendances = marked(&[Attendance::Present, Attendance::Late]);
    let absences = marked(&[Attendance::Absent]);
    let summary = Summary {
        from: period.from,
        to: period.to,
        hub_id,
        devices: DeviceSummary {
            total,
            by_status,
            by_kind,
        },
        loans: LoanSummary {
            open: open.open,
            overdue: open.overdue,
            due_this_week: open.due_this_week,
            unsigned: open.unsigned,
            issued_last_30_days,
            issued,
        },
        training: TrainingSummary {
            sessions,
            attendances,
            absences,
            excused: marked(&[Attendance::Excused]),
            attendance_rate: attendance_rate(attendances, absences),
        },
        by_organisation: None,
    };
    Ok((summary, by_hub.into_values().collect()))
}

/// The dashboard: the summary of the last 30 days and the figures around it.
///
/// # Errors
/// `Forbidden` for trainers.
pub async fn dashboard(
    app_db: &crate::db::Db,
    staff: &Staff,
    hub_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<Dashboard, AppError> {
    let db = &app_db.read;
    let today = today(now);
    let (summary, hubs) = figures(db, staff, Period::parse(None, None, today)?, hub_id, now).await?;
    let scope = staff.hubs_within(hub_id);
    let scope = scope.as_deref();
    let organisation = staff.organisation_id();
    let months: Vec<_> = last_twelve_months(today)
        .into_iter()
        .map(|month| (month, (month + Duration::days(32)).with_day0(0).unwrap_or(month)))
        .collect();
    // Over every hub, the loans made each month are kept by day (the funder report's figures).
    let kept = if scope.is_none() {
        super::funder::kept::issued_by_month(app_db, organisation, &months).await?
    } else {
        None
    };
    let monthly = match kept {
        Some(counts) => months.iter().map(|(month, _)| *month).zip(counts).collect(),
        None => {
            let mut monthly = Vec::with_capacity(12);
            for (month, next) in &months {
                let n = repo::issued_between(
                    db,
                    organisation,
                    scope,
                    london_midnight(*month),
                    london_midnight(*next),
                )
                .await?;
                monthly.push((*month, n));
            }
            monthly
        }
    };
    let year_ago = london_midnight(last_twelve_months(today)[0]);
    let (repairs_open, repairs_closed_this_year, repair_cost_pence_this_year) =
        repo::repairs(db, organisation, scope, year_ago).await?;
    Ok(Dashboard {
        summary,
        hubs,
        monthly,
        repairs_open,
        repairs_closed_this_year,
        repair_cost_pence_this_year,
        sims_ending: repo::sims_ending(db, organisation, scope, today, today + Duration::days(30)).await?,
        waiting_for_checks: repo::waiting_for_checks(db, organisation, scope, now - Duration::days(7))
            .await?,
    })
}

/// Counts the kept figures afresh from the devices and loans (`lendhub tallies rebuild`): the
/// summary's in one transaction, then the funder report's by day. Answers how many
/// (organisation, hub, status, kind) and (organisation, hub, due day) rows the summary's hold.
///
/// # Errors
/// A database error.
pub async fn rebuild_tallies(db: &crate::db::Db) -> Result<(u64, u64), AppError> {
    let tx = crate::db::begin_write(db).await?;
    let counted = repo::tallies::rebuild(&tx).await?;
    tx.commit().await?;
    super::funder::kept::rebuild(db).await?;
    Ok(counted)
}
