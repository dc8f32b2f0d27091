//! The import page's uploads: what an upload must be, how its columns are read, and starting a
//! check or an import of it in the background, at most once at a time.

use chrono::Utc;

use super::{Options, Stage, import};
use crate::{
    auth::{Action, Staff},
    db::Db,
    error::{AppError, FieldError},
    imports::model::{Job, JobState, Jobs, Mapping, Target, parse_map},
};

/// The largest file the page takes (the request limit); bigger files go through the command line.
pub const MAX_UPLOAD: usize = 2 * 1024 * 1024 - 64 * 1024;

/// Whether `staff` may import: asked before an upload's body is read.
pub fn may_import(staff: &Staff) -> Result<(), AppError> {
    staff.require(Action::Import)
}

/// Keeps an upload for `staff` and returns its id; or every field that is wrong with it.
pub fn upload(
    jobs: &Jobs,
    staff: &Staff,
    target: Option<Target>,
    file: Option<(String, Vec<u8>)>,
) -> Result<Result<String, Vec<FieldError>>, AppError> {
    may_import(staff)?;
    let mut errors = Vec::new();
    if target.is_none() {
        errors.push(FieldError::new(
            "target",
            "choose what the file holds: devices or borrowers",
        ));
    }
    match &file {
        Some((_, bytes)) if bytes.len() > MAX_UPLOAD => errors.push(FieldError::new(
            "file",
            "the file is bigger than 2 MB: import it with `lendhub import` on the server",
        )),
        Some((_, bytes)) if !bytes.is_empty() => {}
        _ => errors.push(FieldError::new("file", "choose the CSV file to import")),
    }
    let (Some(target), Some((file_name, bytes)), true) = (target, file, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let id = crate::auth::service::new_secret();
    jobs.add(
        id.clone(),
        Job {
            staff_id: staff.id(),
            target,
            file_name,
            bytes: std::sync::Arc::new(bytes),
            created_at: Utc::now(),
            state: JobState::Uploaded,
            create_hubs: false,
            consent_confirmed: false,
        },
    );
    Ok(Ok(id))
}

/// One of `staff`'s uploads.
pub fn job(jobs: &Jobs, staff: &Staff, id: &str) -> Result<Job, AppError> {
    may_import(staff)?;
    jobs.get(id, staff.id())
        .ok_or_else(|| AppError::NotFound("that upload has gone: upload the file again".into()))
}

/// The columns as the last run read them, or as guessed from the file's first row.
pub fn mapping(job: &Job) -> Mapping {
    if let JobState::Done(report) = &job.state {
        return report.mapping.clone();
    }
    let headers = super::headers(&job.bytes.as_slice()).unwrap_or_default();
    Mapping::guess(job.target, &headers, &std::collections::HashMap::new())
}

/// What the person chose on the import page.
#[derive(Debug, Clone, Default)]
pub struct RunChoices {
    /// Import; otherwise only check.
    pub import: bool,
    /// The field chosen for each column, by the column's position; a column left out keeps what
    /// lendhub read.
    pub columns: Vec<(usize, String)>,
    pub create_hubs: bool,
    pub consent_confirmed: bool,
}

/// Starts checking or importing upload `id` in the background; its state shows on `jobs`. A second
/// start while one runs, or an import of an imported file, is a conflict (the store settles it).
pub fn start(jobs: &Jobs, db: &Db, staff: &Staff, id: &str, choices: &RunChoices) -> Result<(), AppError> {
    let job = job(jobs, staff, id)?;
    let columns = mapping(&job).columns;
    let corrections: Vec<String> = choices
        .columns
        .iter()
        .filter_map(|(n, field)| {
            let column = columns.get(*n)?;
            Some(format!("{}={field}", column.header.replace([',', '='], " ")))
        })
        .collect();
    let options = Options {
        dry_run: !choices.import,
        map: parse_map(job.target, &corrections.join(","))?,
        create_hubs: choices.create_hubs,
        consent_confirmed: choices.consent_confirmed,
    };
    let total = memchr::memchr_iter(b'\n', &job.bytes).count() as u64;
    let running = JobState::Running {
        stage: Stage::Checking,
        rows: 0,
        total,
    };
    let held = (options.create_hubs, options.consent_confirmed);
    let job = jobs.start(id, staff.id(), choices.import, held, running)?;
    let (jobs, db, staff, id) = (jobs.clone(), db.clone(), staff.clone(), id.to_owned());
    tokio::spawn(async move {
        let progress = |stage, rows| jobs.set_state(&id, JobState::Running { stage, rows, total });
        let source: &[u8] = job.bytes.as_slice();
        let state = match import(&db, &staff, job.target, &source, &options, &progress, Utc::now()).await {
            Ok(report) => JobState::Done(report),
            Err(err) => JobState::Failed(err.to_string()),
        };
        jobs.set_state(&id, state);
    });
    Ok(())
}
