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

use super::{
    model::{IGNORED, Job, JobState, Mapping, Target},
    service::{self, Report, RunChoices, Stage},
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

async fn upload(
    State(app): State<AppState>,
    staff: Staff,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    // Who may import is asked before the body is read as a form.
    service::may_import(&staff)?;
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
    let file = file.map(|(name, bytes)| (name, bytes.to_vec()));
    let errors = match service::upload(&app.imports, &staff, target, file)? {
        Ok(id) => return Ok(Redirect::to(&format!("/imports/{id}")).into_response()),
        Err(errors) => errors,
    };
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
            Target::Directory => "service",
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

async fn job_page(
    State(app): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<JobPage, AppError> {
    let job = service::job(&app.imports, &staff, &id)?;
    let fields = job
        .target
        .fields()
        .iter()
        .filter(|(name, _)| *name != IGNORED)
        .map(|(name, _)| ((*name).to_owned(), name.replace('_', " ")))
        .collect();
    Ok(JobPage {
        nav: Nav::new(&staff, "reports"),
        mapping: service::mapping(&job),
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
    let columns = form
        .0
        .iter()
        .filter_map(|(key, field)| {
            let n = key.strip_prefix("column_")?.parse::<usize>().ok()?;
            let field = field.trim();
            (!field.is_empty()).then(|| (n, field.to_owned()))
        })
        .collect();
    let choices = RunChoices {
        import: form.get("action") == Some("import"),
        columns,
        create_hubs: form.ticked("create_hubs"),
        consent_confirmed: form.ticked("consent_confirmed"),
    };
    match service::start(&app.imports, &app.db, &staff, &id, &choices) {
        Ok(()) => Ok(Redirect::to(&format!("/imports/{id}")).into_response()),
        // A second click while it runs, or on an imported file: its page says where it is.
        Err(AppError::Conflict { message, .. }) => Ok(crate::web::done(&format!("/imports/{id}"), &message)),
        Err(other) => Err(other),
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/imports", get(upload_page).post(upload))
        .route("/imports/{id}", get(job_page).post(run))
}
