//! The import pages: upload a spreadsheet, see how lendhub read its columns and correct them,
//! check it (every problem by row and column), then import it, with a progress bar while it runs.
//! The upload stays in memory for the person who sent it; the page works without JavaScript (it
//! refreshes itself while an import runs).

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form, Router,
    extract::{FromRequest, Multipart, Path, State},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use chrono::Utc;

use super::{
    model::{IGNORED, Job, JobState, Mapping, Target, parse_map},
    service::{self, Options, Report, Stage},
};
use crate::{
    auth::{Action, Staff},
    error::AppError,
    state::AppState,
    web::{FormErrors, Nav, form::FormData},
};

#[derive(Template, WebTemplate)]
#[template(path = "imports/upload.html")]
pub struct UploadPage {
    nav: Nav,
    errors: FormErrors,
}

async fn upload_page(staff: Staff) -> Result<UploadPage, AppError> {
    staff.require(Action::Import)?;
    Ok(UploadPage {
        nav: Nav::new(&staff, "reports"),
        errors: FormErrors::default(),
    })
}

/// The largest file the page takes (the request limit); bigger files go through the command line.
const MAX_UPLOAD: usize = 2 * 1024 * 1024 - 64 * 1024;

async fn upload(
    State(app): State<AppState>,
    staff: Staff,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    // Who may import is asked before the body is read as a form.
    staff.require(Action::Import)?;
    let mut form = Multipart::from_request(request, &app)
        .await
        .map_err(|_| AppError::invalid("file", "send the file as a form upload"))?;
    let mut target = None;
    let mut file = None;
    let unreadable = |_| AppError::invalid("file", "the upload could not be read: choose the file again");
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("target") => target = Target::parse(&field.text().await.map_err(unreadable)?),
            Some("file") => {
                let name = field.file_name().unwrap_or("spreadsheet.csv").to_owned();
                let bytes = field.bytes().await.map_err(unreadable)?;
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    let mut errors = Vec::new();
    if target.is_none() {
        errors.push(crate::error::FieldError::new(
            "target",
            "choose what the file holds: devices or borrowers",
        ));
    }
    match &file {
        Some((_, bytes)) if bytes.len() > MAX_UPLOAD => errors.push(crate::error::FieldError::new(
            "file",
            "the file is bigger than 2 MB: import it with `lendhub import` on the server",
        )),
        Some((_, bytes)) if !bytes.is_empty() => {}
        _ => errors.push(crate::error::FieldError::new(
            "file",
            "choose the CSV file to import",
        )),
    }
    if let (Some(target), Some((file_name, bytes)), true) = (target, file, errors.is_empty()) {
        let id = crate::auth::service::new_secret();
        app.imports.add(
            id.clone(),
            Job {
                staff_id: staff.id(),
                target,
                file_name,
                bytes: std::sync::Arc::new(bytes.to_vec()),
                created_at: Utc::now(),
                state: JobState::Uploaded,
                create_hubs: false,
                consent_confirmed: false,
            },
        );
        return Ok(Redirect::to(&format!("/imports/{id}")).into_response());
    }
    let page = UploadPage {
        nav: Nav::new(&staff, "reports"),
        errors: errors.into(),
    };
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "imports/job.html")]
pub struct JobPage {
    nav: Nav,
    id: String,
    job: Job,
    mapping: Mapping,
    /// `(value, label)` of every field a column can fill.
    fields: Vec<(String, String)>,
}

impl JobPage {
    fn what(&self) -> &'static str {
        self.job.target.as_str()
    }

    fn one(&self) -> &'static str {
        match self.job.target {
            Target::Devices => "device",
            Target::Borrowers => "borrower",
        }
    }

    fn running(&self) -> Option<(&'static str, u64, u64)> {
        match &self.job.state {
            JobState::Running { stage, rows, total } => Some((
                if *stage == Stage::Checking {
                    "Checking"
                } else {
                    "Writing"
                },
                *rows,
                (*total).max(1),
            )),
            _ => None,
        }
    }

    fn report(&self) -> Option<&Report> {
        match &self.job.state {
            JobState::Done(report) => Some(report),
            _ => None,
        }
    }

    /// Whether the last run wrote the file.
    fn imported(&self) -> bool {
        self.report().is_some_and(|r| r.imported > 0)
    }

    fn failure(&self) -> Option<&str> {
        match &self.job.state {
            JobState::Failed(message) => Some(message),
            _ => None,
        }
    }
}

fn job_of(app: &AppState, staff: &Staff, id: &str) -> Result<Job, AppError> {
    staff.require(Action::Import)?;
    app.imports
        .get(id, staff.id())
        .ok_or_else(|| AppError::NotFound("that upload has gone: upload the file again".into()))
}

/// The columns as the last run read them, or as guessed from the file's first row.
fn mapping_of(job: &Job) -> Mapping {
    if let JobState::Done(report) = &job.state {
        return report.mapping.clone();
    }
    let headers = service::headers(&job.bytes.as_slice()).unwrap_or_default();
    Mapping::guess(job.target, &headers, &std::collections::HashMap::new())
}

async fn job_page(
    State(app): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<JobPage, AppError> {
    let job = job_of(&app, &staff, &id)?;
    let fields = job
        .target
        .fields()
        .iter()
        .filter(|(name, _)| *name != IGNORED)
        .map(|(name, _)| ((*name).to_owned(), name.replace('_', " ")))
        .collect();
    Ok(JobPage {
        nav: Nav::new(&staff, "reports"),
        mapping: mapping_of(&job),
        id,
        job,
        fields,
    })
}

/// Checks or imports the upload in the background; the page shows its progress.
async fn run(
    State(app): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<FormData>,
) -> Result<Response, AppError> {
    let job = job_of(&app, &staff, &id)?;
    let mapping = mapping_of(&job);
    let corrections: Vec<String> = mapping
        .columns
        .iter()
        .enumerate()
        .filter_map(|(n, column)| {
            let field = form.text(&format!("column_{n}"))?;
            Some(format!("{}={field}", column.header.replace([',', '='], " ")))
        })
        .collect();
    let options = Options {
        dry_run: form.get("action") != Some("import"),
        map: parse_map(job.target, &corrections.join(","))?,
        create_hubs: form.ticked("create_hubs"),
        consent_confirmed: form.ticked("consent_confirmed"),
    };
    let total = memchr::memchr_iter(b'\n', &job.bytes).count() as u64;
    let running = JobState::Running {
        stage: Stage::Checking,
        rows: 0,
        total,
    };
    let choices = (options.create_hubs, options.consent_confirmed);
    let job = match app
        .imports
        .start(&id, staff.id(), !options.dry_run, choices, running)
    {
        Ok(job) => job,
        // A second click while it runs, or on an imported file: its page says where it is.
        Err(AppError::Conflict { message, .. }) => {
            return Ok(crate::web::done(&format!("/imports/{id}"), &message));
        }
        Err(other) => return Err(other),
    };
    let (jobs, db, page) = (app.imports.clone(), app.db.clone(), format!("/imports/{id}"));
    tokio::spawn(async move {
        let progress = |stage, rows| jobs.set_state(&id, JobState::Running { stage, rows, total });
        let source: &[u8] = job.bytes.as_slice();
        let state =
            match service::import(&db, &staff, job.target, &source, &options, &progress, Utc::now()).await {
                Ok(report) => JobState::Done(report),
                Err(err) => JobState::Failed(err.to_string()),
            };
        jobs.set_state(&id, state);
    });
    Ok(Redirect::to(&page).into_response())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/imports", get(upload_page).post(upload))
        .route("/imports/{id}", get(job_page).post(run))
}
