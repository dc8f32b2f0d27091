//! The reports pages: the dashboard at `/` (admins, coordinators, and hub staff for their hubs;
//! trainers go to Training), and the page of spreadsheets to download.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use super::{
    funder::{
        self,
        model::{FunderReport, check_length},
    },
    model::Period,
    summary::{Dashboard, HubDevices, dashboard},
};
use crate::{
    auth::{Action, Staff},
    dates::long_date,
    error::AppError,
    hubs::{self, service::HubView},
    money,
    state::AppState,
    web::{FormErrors, Nav},
};

#[derive(Template, WebTemplate)]
#[template(path = "reports/index.html")]
pub struct ReportsPage {
    nav: Nav,
}

async fn index(staff: Staff) -> Result<ReportsPage, AppError> {
    staff.require(Action::Export)?;
    Ok(ReportsPage {
        nav: Nav::new(&staff, "reports"),
    })
}

/// The statuses as the dashboard's table lists them.
const STATUSES: [(&str, &str); 7] = [
    ("available", "Available"),
    ("on_loan", "On loan"),
    ("awaiting_checks", "Awaiting checks"),
    ("in_repair", "In repair"),
    ("lost", "Lost"),
    ("retired", "Retired"),
    ("gifted", "Gifted"),
];

/// One bar of the monthly chart, placed.
pub struct Bar {
    pub label: String,
    pub short: String,
    pub count: u64,
    pub x: u32,
    pub y: u32,
    pub height: u32,
}

#[derive(Template, WebTemplate)]
#[template(path = "reports/dashboard.html")]
pub struct DashboardPage {
    nav: Nav,
    dashboard: Dashboard,
    hubs: Vec<HubView>,
    hub_id: Option<i32>,
    chart: Chart,
    statuses: [(&'static str, &'static str); 7],
    /// Today and the day after the week the "due this week" figure counts, for its link.
    today: NaiveDate,
    week_end: NaiveDate,
    /// Hub staff assigned to no hub yet, who see no devices or loans until an admin assigns one.
    no_hub: bool,
}

/// The chart's drawing area, in the SVG's own units.
const CHART_TOP: u32 = 20;
const CHART_HEIGHT: u32 = 160;

impl DashboardPage {
    fn hub_of(&self, row: &HubDevices) -> &str {
        self.hubs
            .iter()
            .find(|h| h.id == row.hub_id)
            .map_or("", |h| h.name.as_str())
    }

    fn chosen(&self, hub: &HubView) -> bool {
        self.hub_id == Some(hub.id)
    }

    fn count(by_status: &std::collections::BTreeMap<String, u64>, status: &str) -> u64 {
        by_status.get(status).copied().unwrap_or(0)
    }

    fn rate(&self) -> String {
        self.dashboard.summary.training.attendance_rate.map_or_else(
            || "no register taken yet".to_owned(),
            |r| format!("{:.0}%", r * 100.0),
        )
    }

    fn cost(&self) -> String {
        money::pounds(self.dashboard.repair_cost_pence_this_year)
    }

    fn period(&self) -> String {
        format!(
            "{} to {}",
            long_date(self.dashboard.summary.from),
            long_date(self.dashboard.summary.to)
        )
    }

    /// `&hub_id=3` for the links behind the figures, when one hub is shown.
    fn hub_query(&self) -> String {
        self.hub_id.map(|id| format!("&hub_id={id}")).unwrap_or_default()
    }
}

/// The monthly loans chart (an SVG drawn here) and the same figures as a table.
pub struct Chart {
    pub title: &'static str,
    pub bars: Vec<Bar>,
    /// The SVG's width in its own units: 50 per bar.
    pub width: u32,
}

impl Chart {
    fn new(title: &'static str, monthly: &[(NaiveDate, u64)]) -> Self {
        let most = monthly.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
        let bars: Vec<Bar> = monthly
            .iter()
            .zip(0u32..)
            .map(|((month, count), i)| {
                let height = u32::try_from(count * u64::from(CHART_HEIGHT) / most).unwrap_or(CHART_HEIGHT);
                Bar {
                    label: month.format("%B %Y").to_string(),
                    short: month.format("%b").to_string(),
                    count: *count,
                    x: 10 + i * 50,
                    y: CHART_TOP + CHART_HEIGHT - height,
                    height,
                }
            })
            .collect();
        let width = 10 + 50 * u32::try_from(bars.len()).unwrap_or(0);
        Self { title, bars, width }
    }
}

#[derive(Debug, Deserialize)]
pub struct DashboardQuery {
    hub_id: Option<String>,
}

async fn home(
    State(app): State<AppState>,
    staff: Staff,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, AppError> {
    // Trainers start where their work is: the dashboard is the scheme's figures.
    if !staff.can(Action::ViewReports) {
        return Ok(Redirect::to("/training").into_response());
    }
    let hub_id = query
        .hub_id
        .as_deref()
        .filter(|h| !h.is_empty())
        .and_then(|h| h.parse().ok());
    let now = Utc::now();
    let dashboard = dashboard(&app.db, &staff, hub_id, now).await?;
    Ok(DashboardPage {
        nav: Nav::new(&staff, "dashboard"),
        hubs: hubs::service::list(&app.db.read, &staff).await?,
        chart: Chart::new("Loans made each month", &dashboard.monthly),
        dashboard,
        hub_id,
        statuses: STATUSES,
        today: crate::dates::today(now),
        week_end: crate::dates::today(now) + chrono::Duration::days(8),
        no_hub: staff.assigned_hubs().is_some_and(<[i32]>::is_empty),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "reports/funder.html")]
pub struct FunderPage {
    nav: Nav,
    hubs: Vec<HubView>,
    form: FunderQuery,
    /// The form's problem, when the dates could not be read.
    errors: FormErrors,
    report: Option<FunderReport>,
    /// For the lead organisation over every hub: each organisation's report, and the total last.
    by_organisation: Vec<FunderReport>,
    chart: Chart,
}

impl FunderPage {
    fn chosen(&self, hub: &HubView) -> bool {
        self.form.hub_id.as_deref() == Some(hub.id.to_string().as_str())
    }

    /// `?from=…&to=…&hub_id=…` for the downloads of the report shown.
    fn query(&self) -> String {
        self.report.as_ref().map_or_else(String::new, |report| {
            let hub = self.form.hub_id.as_deref().filter(|h| !h.is_empty());
            format!(
                "?from={}&to={}{}",
                report.from,
                report.to,
                hub.map(|h| format!("&hub_id={h}")).unwrap_or_default()
            )
        })
    }
}

/// `/reports/funder`: its form sends the same names the CSV and PDF calls read.
#[derive(Debug, Default, Deserialize)]
pub struct FunderQuery {
    from: Option<String>,
    to: Option<String>,
    hub_id: Option<String>,
}

async fn funder(
    State(app): State<AppState>,
    staff: Staff,
    Query(form): Query<FunderQuery>,
) -> Result<FunderPage, AppError> {
    staff.require(Action::ViewReports)?;
    let now = Utc::now();
    let blank = |text: &Option<String>| {
        text.as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(str::to_owned)
    };
    let hub_id = blank(&form.hub_id).and_then(|h| h.parse().ok());
    let period = Period::parse(
        blank(&form.from).as_deref(),
        blank(&form.to).as_deref(),
        crate::dates::today(now),
    )
    .and_then(|p| check_length(p.from, p.to).map(|()| p));
    let (report, by_organisation, errors) = match period {
        Ok(period) => (
            Some(funder::report(&app.db, &staff, period, hub_id, now).await?),
            funder::by_organisation(&app.db, &staff, period, hub_id, now)
                .await?
                .unwrap_or_default(),
            Vec::new(),
        ),
        Err(error) => (None, Vec::new(), vec![error]),
    };
    Ok(FunderPage {
        nav: Nav::new(&staff, "dashboard"),
        hubs: hubs::service::list(&app.db.read, &staff).await?,
        chart: Chart::new(
            "Loans made each month",
            report.as_ref().map_or(&[][..], |r| r.monthly.as_slice()),
        ),
        form: FunderQuery {
            from: form.from.or_else(|| report.as_ref().map(|r| r.from.to_string())),
            to: form.to.or_else(|| report.as_ref().map(|r| r.to.to_string())),
            hub_id: form.hub_id,
        },
        errors: errors.into(),
        report,
        by_organisation,
    })
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/reports", get(index))
        .route("/reports/funder", get(funder))
}
