//! Importing a spreadsheet: a first pass reads every row and finds every problem (in the file, or
//! against the database) and writes nothing; only a file with none is written, in a second pass,
//! all in one transaction, a batch of rows at a time. The file is read as a stream both times, so
//! memory holds one batch and the keys seen so far, however long the file.

mod check;
mod jobs;
mod source;
mod write;

pub use check::*;
pub use jobs::*;
pub use source::*;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use self::{
    check::{Check, Problems},
    source::{Rows, io_error},
    write::write,
};
use super::model::{Mapping, Target};
pub use super::model::{Report, Stage};
use crate::{
    auth::{Action, Staff},
    db::Db,
    error::{AppError, FieldError},
};

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub dry_run: bool,
    /// Header (as `Mapping::guess` compares it) to field: the admin's corrections.
    pub map: HashMap<String, String>,
    /// Create the hubs a device file names that do not exist yet.
    pub create_hubs: bool,
    /// The importer confirms everyone in a borrower file agreed to the scheme keeping their
    /// details.
    pub consent_confirmed: bool,
}

/// Imports `source` (CSV) as `target`: checks every row, then (unless a dry run, and only when
/// nothing is wrong) writes them all. `progress` hears the rows done so far.
///
/// # Errors
/// `Forbidden` for all but admins and coordinators;
/// `Invalid` naming `file`, `map` or `consent_confirmed` for a file that cannot be read at all.
pub async fn import<S: Source>(
    db: &Db,
    staff: &Staff,
    target: Target,
    source: &S,
    options: &Options,
    progress: &(dyn Fn(Stage, u64) + Sync),
    now: DateTime<Utc>,
) -> Result<Report, AppError> {
    staff.require(Action::Import)?;
    if target == Target::Borrowers && !options.consent_confirmed {
        return Err(FieldError::new(
            "consent_confirmed",
            "confirm that everyone in the file agreed to the scheme keeping their details",
        )
        .into());
    }
    let mut rows = Rows::open(source.open().map_err(|e| io_error(&e))?)?;
    let mapping = Mapping::guess(target, &rows.headers, &options.map);
    let mut problems = Problems::default();
    for field in mapping.missing(target) {
        problems.add(
            1,
            field.to_owned(),
            format!("no column holds the {field}: name it with map, e.g. \"Your header={field}\""),
        );
    }
    let mut check = Check::new(db, staff, target, options).await?;
    let mut count = 0;
    if problems.count == 0 {
        loop {
            let batch = rows.batch()?;
            if batch.is_empty() {
                break;
            }
            count += batch.len() as u64;
            check.batch(db, &mapping, batch, &mut problems).await?;
            progress(Stage::Checking, count);
        }
    }
    let mut report = Report {
        rows: count,
        imported: 0,
        error_count: problems.count,
        errors: problems.kept,
        mapping,
        new_hubs: check.new_hubs.iter().cloned().collect(),
    };
    if report.error_count > 0 || options.dry_run || count == 0 {
        return Ok(report);
    }
    let mut rows = Rows::open(source.open().map_err(|e| io_error(&e))?)?;
    report.imported = write(
        db,
        staff,
        target,
        &mut rows,
        &report.mapping,
        check,
        progress,
        now,
    )
    .await?;
    Ok(report)
}
