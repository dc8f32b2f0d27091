//! The export calls of the JSON API: whole tables as CSV, streamed a batch at a time. The web
//! pages link to the same addresses (the session cookie signs them in).

use axum::{
    body::Body,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::{Period, Report, Sheet},
    service,
    summary::Summary,
};
use crate::{
    auth::Staff,
    error::{ApiQuery, AppError, ErrorBody},
    state::AppState,
};

/// Checks the caller may export, then streams the header and one batch after another.
async fn download(app: AppState, staff: Staff, report: Report) -> Result<Response, AppError> {
    service::begin(&app.db, &staff, report).await?;
    let db = app.db.read.clone();
    // `None` before the header is sent; then the last id sent.
    let rows = futures_util::stream::try_unfold(None, move |after: Option<i32>| {
        let (db, staff) = (db.clone(), staff.clone());
        async move {
            let Some(after) = after else {
                return Ok::<_, AppError>(Some((Sheet::header(report), Some(0))));
            };
            Ok(service::batch(&db, &staff, report, after)
                .await
                .inspect_err(|error| tracing::error!(%error, "an export stopped part way"))?
                .map(|(bytes, last)| (bytes, Some(last))))
        }
    });
    let file = report.file_name(crate::dates::today(chrono::Utc::now()));
    Ok((
        attachment("text/csv; charset=utf-8", &file),
        Body::from_stream(rows),
    )
        .into_response())
}

#[utoipa::path(get, path = "/reports/devices.csv", tag = "reports",
    responses((status = 200, content_type = "text/csv", description = "every device, with the columns the device import reads"), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn devices(State(app): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    download(app, staff, Report::Devices).await
}

#[utoipa::path(get, path = "/reports/loans.csv", tag = "reports",
    responses((status = 200, content_type = "text/csv", description = "every loan, naming the borrower by id"), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn loans(State(app): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    download(app, staff, Report::Loans).await
}

/// `GET /reports/borrowers.csv`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BorrowersQuery {
    /// Leave out names and every way of reaching the person; keep the postcode district only.
    pub pseudonymised: Option<bool>,
}

#[utoipa::path(get, path = "/reports/borrowers.csv", tag = "reports", params(BorrowersQuery),
    responses((status = 200, content_type = "text/csv", description = "every borrower, with the columns the borrower import reads"), (status = 403, body = ErrorBody), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn borrowers(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<BorrowersQuery>,
) -> Result<Response, AppError> {
    let pseudonymised = query.pseudonymised.unwrap_or(false);
    download(app, staff, Report::Borrowers { pseudonymised }).await
}

#[utoipa::path(get, path = "/reports/sessions.csv", tag = "reports",
    responses((status = 200, content_type = "text/csv", description = "every training session"), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn sessions(State(app): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    download(app, staff, Report::Sessions).await
}

#[utoipa::path(get, path = "/reports/attendance.csv", tag = "reports",
    responses((status = 200, content_type = "text/csv", description = "every enrolment and its attendance, naming the learner by id"), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn attendance(State(app): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    download(app, staff, Report::Attendance).await
}

/// `GET /reports/summary`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SummaryQuery {
    /// `YYYY-MM-DD`; 29 days before `to` when absent.
    #[param(pattern = r"^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub from: Option<String>,
    /// `YYYY-MM-DD`, included; today when absent.
    #[param(pattern = r"^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub to: Option<String>,
    /// Only this hub's figures.
    pub hub_id: Option<i32>,
}

/// The scheme's figures: devices now, loans open and issued, sessions and attendance from `from`
/// to `to`. Hub staff get their own hubs' figures; trainers 403.
#[utoipa::path(get, path = "/reports/summary", tag = "reports", params(SummaryQuery),
    responses((status = 200, body = Summary), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn summary(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<SummaryQuery>,
) -> Result<axum::Json<Summary>, AppError> {
    let now = chrono::Utc::now();
    let period = Period::parse(
        query.from.as_deref(),
        query.to.as_deref(),
        crate::dates::today(now),
    )?;
    Ok(axum::Json(
        super::summary::summary(&app.db.read, &staff, period, query.hub_id, now).await?,
    ))
}

/// The funder report over the asked period, checked as the page checks it.
async fn funder_report(
    app: &AppState,
    staff: &Staff,
    query: SummaryQuery,
) -> Result<super::funder::model::FunderReport, AppError> {
    Ok(funder_report_of(app, staff, &query).await?.0)
}

/// The report the query asks for, with its period and the time it was made.
async fn funder_report_of(
    app: &AppState,
    staff: &Staff,
    query: &SummaryQuery,
) -> Result<
    (
        super::funder::model::FunderReport,
        Period,
        chrono::DateTime<chrono::Utc>,
    ),
    AppError,
> {
    let now = chrono::Utc::now();
    let period = Period::parse(
        query.from.as_deref(),
        query.to.as_deref(),
        crate::dates::today(now),
    )?;
    let report = super::funder::report(&app.db, staff, period, query.hub_id, now).await?;
    Ok((report, period, now))
}

/// The headers of a download: its type, its file name, and never kept by a cache.
fn attachment(content_type: &str, name: &str) -> [(header::HeaderName, String); 3] {
    [
        (header::CONTENT_TYPE, content_type.to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ),
        (header::CACHE_CONTROL, "no-store".to_owned()),
    ]
}

/// The funder report as a spreadsheet: `figure,label,value` rows, the period first. Hub staff
/// get their own hubs' figures; trainers 403. The lead organisation's admins and coordinators,
/// over every hub, get a column more for each organisation of the scheme and one for them all.
#[utoipa::path(get, path = "/reports/funder.csv", tag = "reports", params(SummaryQuery),
    responses((status = 200, content_type = "text/csv", description = "the funder report's figures, one per row"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn funder_csv(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<SummaryQuery>,
) -> Result<Response, AppError> {
    let (report, period, now) = funder_report_of(&app, &staff, &query).await?;
    let csv = match super::funder::by_organisation(&app.db, &staff, period, query.hub_id, now).await? {
        Some(columns) => report.csv_by_organisation(&columns),
        None => report.csv(),
    };
    Ok((
        attachment("text/csv; charset=utf-8", &report.file_name("csv")),
        csv,
    )
        .into_response())
}

/// The funder report as an A4 PDF, with the monthly loans chart.
#[utoipa::path(get, path = "/reports/funder.pdf", tag = "reports", params(SummaryQuery),
    responses((status = 200, content_type = "application/pdf", description = "the funder report, A4"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn funder_pdf(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<SummaryQuery>,
) -> Result<Response, AppError> {
    let report = funder_report(&app, &staff, query).await?;
    let name = report.file_name("pdf");
    let bytes = tokio::task::spawn_blocking(move || super::funder::pdf::render(&report, chrono::Utc::now()))
        .await
        .map_err(AppError::internal)?;
    Ok((attachment("application/pdf", &name), bytes).into_response())
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(summary))
        .routes(routes!(funder_csv))
        .routes(routes!(funder_pdf))
        .routes(routes!(devices))
        .routes(routes!(loans))
        .routes(routes!(borrowers))
        .routes(routes!(sessions))
        .routes(routes!(attendance))
}
