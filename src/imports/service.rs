//! Importing a spreadsheet: a first pass reads every row and finds every problem (in the file, or
//! against the database) and writes nothing; only a file with none is written, in a second pass,
//! all in one transaction, a batch of rows at a time. The file is read as a stream both times, so
//! memory holds one batch and the keys seen so far, however long the file.

use std::collections::HashMap;
use std::io::Read;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::model::{
    Mapping, RowError, Target, borrower_row, decode, device_row, field_of_error, sniff_delimiter,
};
pub use super::model::{Report, Stage};
use crate::{
    audit::{self, Actor, AuditAction, EntityRef, NewEvent},
    auth::{Action, Staff},
    db::{self, Db},
    devices::{
        self,
        model::{AssetTag, DeviceStatus, NewDevice},
        service::MAX_TYPED_NUMBER,
    },
    error::{AppError, FieldError},
    hubs, organisations,
    people::{self, model::BorrowerDetails},
};

/// Rows read and written at a time.
const BATCH: usize = 500;
/// Problems listed in an answer; the count says how many more there were.
pub const MAX_ERRORS: usize = 1000;

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

/// A source that can be read twice: bytes in memory, or a file opened again.
pub trait Source {
    type Reader: Read;
    fn open(&self) -> std::io::Result<Self::Reader>;
}

impl<'a> Source for &'a [u8] {
    type Reader = &'a [u8];
    fn open(&self) -> std::io::Result<Self::Reader> {
        Ok(self)
    }
}

impl Source for std::path::PathBuf {
    type Reader = std::io::BufReader<std::fs::File>;
    fn open(&self) -> std::io::Result<Self::Reader> {
        std::fs::File::open(self).map(std::io::BufReader::new)
    }
}

/// The CSV rows of a source, with the delimiter its first line uses and its BOM dropped.
struct Rows<R: Read> {
    reader: csv::Reader<std::io::Chain<std::io::Cursor<Vec<u8>>, R>>,
    headers: Vec<String>,
    /// The row number of the last record read (the header is row 1).
    row: u64,
}

fn io_error(err: &std::io::Error) -> AppError {
    AppError::invalid("file", format!("the file could not be read: {err}"))
}

impl<R: Read> Rows<R> {
    fn open(mut source: R) -> Result<Self, AppError> {
        let mut start = vec![0; 8192];
        let mut filled = 0;
        while filled < start.len() {
            let n = source.read(&mut start[filled..]).map_err(|e| io_error(&e))?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        start.truncate(filled);
        if start.starts_with(b"\xef\xbb\xbf") {
            start.drain(..3);
        }
        let delimiter = sniff_delimiter(&start);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(true)
            .from_reader(std::io::Cursor::new(start).chain(source));
        let headers = reader
            .byte_headers()
            .map_err(|e| AppError::invalid("file", format!("the first row could not be read: {e}")))?
            .iter()
            .map(|h| decode(h).trim().to_owned())
            .collect::<Vec<_>>();
        if headers.iter().all(String::is_empty) {
            return Err(AppError::invalid(
                "file",
                "the file is empty: its first row should name the columns",
            ));
        }
        Ok(Self {
            reader,
            headers,
            row: 1,
        })
    }

    /// Up to `BATCH` records as decoded cells, each with its row number.
    fn batch(&mut self) -> Result<Vec<(u64, Vec<String>)>, AppError> {
        let mut batch = Vec::with_capacity(BATCH);
        let mut record = csv::ByteRecord::new();
        while batch.len() < BATCH {
            match self.reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    self.row += 1;
                    if record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
                        continue;
                    }
                    batch.push((self.row, record.iter().map(|c| decode(c).into_owned()).collect()));
                }
                Err(err) => {
                    return Err(AppError::invalid(
                        "file",
                        format!("row {} could not be read as CSV: {err}", self.row + 1),
                    ));
                }
            }
        }
        Ok(batch)
    }
}

/// The headers of a file's first row, for the page that shows how they will be read.
///
/// # Errors
/// `Invalid` on `file` when the first row does not read.
pub fn headers<S: Source>(source: &S) -> Result<Vec<String>, AppError> {
    Ok(Rows::open(source.open().map_err(|e| io_error(&e))?)?.headers)
}

/// Problems as they are found: the first [`MAX_ERRORS`] kept, all counted.
#[derive(Default)]
struct Problems {
    kept: Vec<RowError>,
    count: u64,
}

impl Problems {
    fn add(&mut self, row: u64, column: String, message: impl Into<String>) {
        self.count += 1;
        if self.kept.len() < MAX_ERRORS {
            self.kept.push(RowError {
                row,
                column,
                message: message.into(),
            });
        }
    }
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

/// What the first pass keeps between batches.
struct Check {
    target: Target,
    organisation_id: i32,
    prefix: String,
    create_hubs: bool,
    /// Hub names (lower-case) to ids.
    hubs: HashMap<String, i32>,
    only_hub: Option<i32>,
    new_hubs: std::collections::BTreeSet<String>,
    tags: HashMap<String, u64>,
    serials: HashMap<String, u64>,
    emails: HashMap<String, u64>,
    highest_typed: i32,
    untagged: i32,
}

impl Check {
    async fn new(db: &Db, staff: &Staff, target: Target, options: &Options) -> Result<Self, AppError> {
        let org = organisations::repo::find(&db.read, staff.organisation_id())
            .await?
            .ok_or_else(|| AppError::NotFound("your organisation no longer exists".into()))?;
        let hubs = hubs::repo::list(&db.read, staff.organisation_id()).await?;
        Ok(Self {
            target,
            organisation_id: org.id,
            prefix: org.asset_prefix,
            create_hubs: options.create_hubs,
            only_hub: (hubs.len() == 1).then(|| hubs[0].id),
            hubs: hubs.into_iter().map(|h| (h.name.to_lowercase(), h.id)).collect(),
            new_hubs: std::collections::BTreeSet::new(),
            tags: HashMap::new(),
            serials: HashMap::new(),
            emails: HashMap::new(),
            highest_typed: 0,
            untagged: 0,
        })
    }

    /// The hub a row names: its id, 0 for one the import will create, or the problem.
    fn hub(&mut self, name: Option<&str>) -> Result<i32, String> {
        let Some(name) = name else {
            return self
                .only_hub
                .ok_or_else(|| "enter the device's hub: this scheme has more than one".to_owned());
        };
        if let Some(id) = self.hubs.get(&name.to_lowercase()) {
            return Ok(*id);
        }
        if self.create_hubs {
            // A hub the import creates obeys the hub form's rules, and "Zed Hub" and "zed hub"
            // are one hub: the first spelling met names it.
            let name = crate::organisations::model::parse_name("hub", "the hub's name", name, 100)
                .map_err(|e| e.message)?;
            if !self.new_hubs.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
                self.new_hubs.insert(name);
            }
            Ok(0)
        } else {
            Err(format!(
                "there is no hub called {name:?}: add it first, or let the import create hubs"
            ))
        }
    }

    async fn batch(
        &mut self,
        db: &Db,
        mapping: &Mapping,
        batch: Vec<(u64, Vec<String>)>,
        problems: &mut Problems,
    ) -> Result<(), AppError> {
        match self.target {
            Target::Devices => self.devices(db, mapping, batch, problems).await,
            Target::Borrowers => self.borrowers(db, mapping, batch, problems).await,
        }
    }

    async fn devices(
        &mut self,
        db: &Db,
        mapping: &Mapping,
        batch: Vec<(u64, Vec<String>)>,
        problems: &mut Problems,
    ) -> Result<(), AppError> {
        let mut parsed: Vec<(u64, NewDevice)> = Vec::with_capacity(batch.len());
        for (row, cells) in &batch {
            if let Some(device) = self.device(mapping, *row, cells, problems) {
                parsed.push((*row, device));
            }
        }
        // Against the database: the batch's tags and serial numbers in two queries.
        let tags: Vec<AssetTag> = parsed.iter().filter_map(|(_, d)| d.asset_tag.clone()).collect();
        let taken_tags = devices::repo::existing_tags(&db.read, self.organisation_id, &tags).await?;
        let serials: Vec<String> = parsed
            .iter()
            .filter_map(|(_, d)| d.details.serial_number.clone())
            .collect();
        let taken_serials = devices::repo::existing_serials(&db.read, self.organisation_id, &serials).await?;
        for (row, device) in &parsed {
            if let Some(tag) = &device.asset_tag
                && taken_tags.contains(tag.as_str())
            {
                problems.add(
                    *row,
                    mapping.header_of("asset_tag"),
                    format!("{tag} is already a device here"),
                );
            }
            if let Some(serial) = &device.details.serial_number
                && taken_serials.contains(serial)
            {
                problems.add(
                    *row,
                    mapping.header_of("serial_number"),
                    format!("a device with serial number {serial} is already here"),
                );
            }
        }
        Ok(())
    }

    /// One row read and checked on its own and against the rows before it.
    fn device(
        &mut self,
        mapping: &Mapping,
        row: u64,
        record: &[String],
        problems: &mut Problems,
    ) -> Option<NewDevice> {
        let cells = mapping.cells(record);
        // Every problem of the row, each under its column, in the file's column order.
        let (mut parsed, cell_errors) = device_row(&cells);
        let mut errors: Vec<(String, String)> =
            cell_errors.into_iter().map(|(f, m)| (f.to_owned(), m)).collect();
        match self.hub(parsed.hub.as_deref()) {
            Ok(id) => parsed.request.hub_id = Some(id),
            Err(message) => errors.push(("hub".to_owned(), message)),
        }
        let device = match parsed.request.parse() {
            Ok(device) if errors.is_empty() => Some(device),
            Ok(_) => None,
            Err(found) => {
                for error in found {
                    let field = field_of_error(&error.field);
                    if !errors.iter().any(|(f, _)| *f == field) {
                        errors.push((field, error.message));
                    }
                }
                None
            }
        };
        errors.sort_by_key(|(field, _)| mapping.position_of(field));
        for (field, message) in errors {
            problems.add(row, mapping.header_of(&field), message);
        }
        let device = device?;
        let mut ok = true;
        match &device.asset_tag {
            Some(tag) => match tag.parts() {
                (prefix, Some(number)) if prefix == self.prefix && number <= MAX_TYPED_NUMBER => {
                    self.highest_typed = self.highest_typed.max(number);
                    if let Some(first) = self.tags.insert(tag.as_str().to_owned(), row) {
                        ok = false;
                        problems.add(
                            row,
                            mapping.header_of("asset_tag"),
                            format!("{tag} is also on row {first}"),
                        );
                    }
                }
                _ => {
                    ok = false;
                    problems.add(
                        row,
                        mapping.header_of("asset_tag"),
                        format!(
                            "asset tags here are {}- and a number up to {MAX_TYPED_NUMBER}",
                            self.prefix
                        ),
                    );
                }
            },
            None => self.untagged += 1,
        }
        if let Some(serial) = &device.details.serial_number
            && let Some(first) = self.serials.insert(serial.clone(), row)
        {
            ok = false;
            problems.add(
                row,
                mapping.header_of("serial_number"),
                format!("serial number {serial} is also on row {first}"),
            );
        }
        ok.then_some(device)
    }

    async fn borrowers(
        &mut self,
        db: &Db,
        mapping: &Mapping,
        batch: Vec<(u64, Vec<String>)>,
        problems: &mut Problems,
    ) -> Result<(), AppError> {
        let mut emails: Vec<(u64, String)> = Vec::new();
        for (row, cells) in &batch {
            if let Some(details) = borrower(mapping, *row, cells, problems)
                && let Some(email) = details.email
            {
                if let Some(first) = self.emails.insert(email.clone(), *row) {
                    problems.add(
                        *row,
                        mapping.header_of("email"),
                        format!("{email} is also on row {first}"),
                    );
                } else {
                    emails.push((*row, email));
                }
            }
        }
        let addresses: Vec<String> = emails.iter().map(|(_, e)| e.clone()).collect();
        let taken = people::repo::existing_emails(&db.read, self.organisation_id, &addresses).await?;
        for (row, email) in emails {
            if taken.contains(&email) {
                problems.add(
                    row,
                    mapping.header_of("email"),
                    format!("{email} is already a borrower here"),
                );
            }
        }
        Ok(())
    }
}

fn borrower(
    mapping: &Mapping,
    row: u64,
    record: &[String],
    problems: &mut Problems,
) -> Option<BorrowerDetails> {
    let cells = mapping.cells(record);
    let request = match borrower_row(&cells) {
        Ok(request) => request,
        Err(errors) => {
            for (field, message) in errors {
                problems.add(row, mapping.header_of(field), message);
            }
            return None;
        }
    };
    match request.parse_new() {
        Ok(details) => Some(details),
        Err(errors) => {
            for error in errors {
                problems.add(
                    row,
                    mapping.header_of(&field_of_error(&error.field)),
                    error.message,
                );
            }
            None
        }
    }
}

/// The second pass: every row, in one transaction.
#[allow(clippy::too_many_arguments)]
async fn write<R: Read>(
    db: &Db,
    staff: &Staff,
    target: Target,
    rows: &mut Rows<R>,
    mapping: &Mapping,
    mut check: Check,
    progress: &(dyn Fn(Stage, u64) + Sync),
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let tx = db::begin_write(db).await?;
    for name in &check.new_hubs {
        let details = hubs::model::HubDetails {
            name: name.clone(),
            address: None,
            opening_hours: None,
            phone: None,
        };
        let hub = hubs::repo::insert(&tx, staff.organisation_id(), &details, now).await?;
        check.hubs.insert(name.to_lowercase(), hub.id);
    }
    let mut next_number = 0;
    if target == Target::Devices {
        if check.highest_typed > 0 {
            organisations::repo::skip_asset_numbers_to(&tx, check.organisation_id, check.highest_typed)
                .await?;
        }
        if check.untagged > 0 {
            next_number =
                organisations::repo::take_asset_numbers(&tx, check.organisation_id, check.untagged).await?;
        }
    }
    // The first pass found nothing wrong: every row reads again as it did then.
    check.create_hubs = false;
    check.tags.clear();
    check.serials.clear();
    let mut written = 0;
    let mut ignored = Problems::default();
    loop {
        let batch = rows.batch()?;
        if batch.is_empty() {
            break;
        }
        match target {
            Target::Devices => {
                let mut new_rows = Vec::with_capacity(batch.len());
                let mut tags = Vec::with_capacity(batch.len());
                for (row, cells) in &batch {
                    let Some(device) = check.device(mapping, *row, cells, &mut ignored) else {
                        continue;
                    };
                    let tag = device.asset_tag.clone().unwrap_or_else(|| {
                        next_number += 1;
                        AssetTag::numbered(&check.prefix, next_number - 1)
                    });
                    new_rows.push(devices::repo::new_row(
                        check.organisation_id,
                        &tag,
                        device.kind,
                        DeviceStatus::Available,
                        &device.details,
                        now,
                    ));
                    tags.push(tag.as_str().to_owned());
                }
                devices::repo::insert_many(&tx, new_rows)
                    .await
                    .map_err(changed_meanwhile)?;
                let added = devices::repo::ids_of_tags(&tx, check.organisation_id, tags).await?;
                written += added.len() as u64;
                audit::repo::insert_many(
                    &tx,
                    added
                        .into_iter()
                        .map(|(id, tag)| NewEvent {
                            organisation_id: check.organisation_id,
                            at: now,
                            actor: Actor::Staff(staff),
                            entity: EntityRef::Device(id),
                            action: AuditAction::DeviceAdded,
                            details: json!({"asset_tag": tag, "imported": true}),
                        })
                        .collect(),
                )
                .await?;
            }
            Target::Borrowers => {
                let mut new_rows = Vec::with_capacity(batch.len());
                for (row, cells) in &batch {
                    if let Some(details) = borrower(mapping, *row, cells, &mut ignored) {
                        new_rows.push(people::repo::new_row(
                            check.organisation_id,
                            &details,
                            staff.id(),
                            now,
                        ));
                    }
                }
                written += new_rows.len() as u64;
                people::repo::insert_many(&tx, new_rows)
                    .await
                    .map_err(changed_meanwhile)?;
            }
        }
        progress(Stage::Writing, written);
    }
    if ignored.count > 0 {
        // Only a change to the file between the passes could do this: write nothing.
        return Err(AppError::Conflict {
            code: "file_changed",
            message: "the file changed while it was imported: nothing was written; import it again".into(),
        });
    }
    audit::record(
        &tx,
        staff,
        EntityRef::Organisation(check.organisation_id),
        AuditAction::Imported,
        json!({"what": target.as_str(), "rows": written, "new_hubs": check.new_hubs}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(written)
}

fn changed_meanwhile(err: sea_orm::DbErr) -> AppError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code: "duplicate",
            message: "a row of the file was added by someone else meanwhile: nothing was written; import it again to see which".into(),
        },
        _ => err.into(),
    }
}
