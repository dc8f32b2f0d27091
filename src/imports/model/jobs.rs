//! What an import found (every problem by row and column), and the uploads waiting on the import
//! page or being imported, kept in memory.

use std::collections::HashMap;

use serde::Serialize;

use super::{fields::Target, mapping::Mapping};

/// One problem in a file: the row as a spreadsheet numbers it (the header is row 1), the column
/// as its header reads, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub row: u64,
    pub column: String,
    pub message: String,
}

/// What an import found and did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// Rows read, the header aside.
    pub rows: u64,
    /// Rows written: all of them, or none.
    pub imported: u64,
    /// The first problems, by row.
    pub errors: Vec<RowError>,
    /// How many problems there were in all.
    pub error_count: u64,
    /// Which field each column filled.
    pub mapping: Mapping,
    /// Hubs the import created (or would create).
    pub new_hubs: Vec<String>,
}

/// Where an import has got to, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Checking,
    Writing,
}

/// An upload waiting on the import page, or being imported, or done: kept in memory for the
/// staff member who uploaded it, at most [`MAX_JOBS`] at a time (the oldest goes first).
#[derive(Debug, Clone)]
pub struct Job {
    pub staff_id: i32,
    pub target: Target,
    pub file_name: String,
    pub bytes: std::sync::Arc<Vec<u8>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub state: JobState,
    /// The choices of the last check or import, shown again on the page.
    pub create_hubs: bool,
    pub consent_confirmed: bool,
}

#[derive(Debug, Clone)]
pub enum JobState {
    Uploaded,
    Running { stage: Stage, rows: u64, total: u64 },
    Done(Report),
    Failed(String),
}

pub const MAX_JOBS: usize = 50;

/// The uploads of this lendhub process, by their random id.
#[derive(Debug, Clone, Default)]
pub struct Jobs(std::sync::Arc<std::sync::Mutex<HashMap<String, Job>>>);

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Job>> {
        // A panic while the map was held leaves it whole: every change is one insert or update.
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn add(&self, id: String, job: Job) {
        let mut jobs = self.lock();
        while jobs.len() >= MAX_JOBS {
            let Some(oldest) = jobs
                .iter()
                .min_by_key(|(_, j)| j.created_at)
                .map(|(id, _)| id.clone())
            else {
                break;
            };
            jobs.remove(&oldest);
        }
        jobs.insert(id, job);
    }

    /// The job, if it is `staff_id`'s.
    pub fn get(&self, id: &str, staff_id: i32) -> Option<Job> {
        self.lock().get(id).filter(|j| j.staff_id == staff_id).cloned()
    }

    /// Starts a check or (`importing`) an import of the job, in one step under the lock, so two
    /// clicks a moment apart start one run: refused while a run is going, and an upload that was
    /// imported is never imported again.
    ///
    /// # Errors
    /// `NotFound` for another's or a forgotten upload; `Conflict` as above.
    pub fn start(
        &self,
        id: &str,
        staff_id: i32,
        importing: bool,
        choices: (bool, bool),
        running: JobState,
    ) -> Result<Job, crate::error::AppError> {
        use crate::error::AppError;
        let mut jobs = self.lock();
        let job = jobs
            .get_mut(id)
            .filter(|j| j.staff_id == staff_id)
            .ok_or_else(|| AppError::NotFound("that upload has gone: upload the file again".into()))?;
        match &job.state {
            JobState::Running { .. } => {
                return Err(AppError::Conflict {
                    code: "import_running",
                    message: "this file is being read already: wait for it to finish".into(),
                });
            }
            JobState::Done(report) if importing && report.imported > 0 => {
                return Err(AppError::Conflict {
                    code: "already_imported",
                    message: "this file is imported already: nothing was written twice".into(),
                });
            }
            _ => {}
        }
        (job.create_hubs, job.consent_confirmed) = choices;
        job.state = running;
        Ok(job.clone())
    }

    pub fn set_state(&self, id: &str, state: JobState) {
        if let Some(job) = self.lock().get_mut(id) {
            job.state = state;
        }
    }
}
