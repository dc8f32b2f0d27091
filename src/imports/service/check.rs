//! The first pass: every row read and checked, on its own, against the rows before it and against
//! the database, with every problem counted and the first [`MAX_ERRORS`] kept. Nothing is written.

use std::collections::HashMap;

use super::Options;
use crate::{
    auth::Staff,
    db::Db,
    devices::{
        self,
        model::{AssetTag, NewDevice},
        service::MAX_TYPED_NUMBER,
    },
    directory::{self, model::NewService},
    error::AppError,
    hubs,
    imports::model::{Mapping, RowError, Target, borrower_row, device_row, field_of_error, service_row},
    organisations,
    people::{self, model::BorrowerDetails},
};

/// The most services one directory file may hold.
pub const MAX_DIRECTORY_ROWS: u64 = 10_000;

/// Problems listed in an answer; the count says how many more there were.
pub const MAX_ERRORS: usize = 1000;

/// Problems as they are found: the first [`MAX_ERRORS`] kept, all counted.
#[derive(Default)]
pub(super) struct Problems {
    pub(super) kept: Vec<RowError>,
    pub(super) count: u64,
}

impl Problems {
    pub(super) fn add(&mut self, row: u64, column: String, message: impl Into<String>) {
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

/// What the first pass keeps between batches.
pub(super) struct Check {
    target: Target,
    pub(super) organisation_id: i32,
    pub(super) prefix: String,
    pub(super) create_hubs: bool,
    /// Hub names (lower-case) to ids.
    pub(super) hubs: HashMap<String, i32>,
    only_hub: Option<i32>,
    pub(super) new_hubs: std::collections::BTreeSet<String>,
    /// The rows of the tags seen so far, by number: a typed tag is always this organisation's
    /// prefix and a number, and a number is a quarter of the memory of its tag as text.
    pub(super) tags: HashMap<i32, u64>,
    pub(super) serials: HashMap<String, u64>,
    emails: HashMap<String, u64>,
    /// Service names (lower-case) to the row that first has each.
    services: HashMap<String, u64>,
    pub(super) highest_typed: i32,
    pub(super) untagged: i32,
}

impl Check {
    pub(super) async fn new(
        db: &Db,
        staff: &Staff,
        target: Target,
        options: &Options,
    ) -> Result<Self, AppError> {
        let org = organisations::service::find(&db.read, staff.organisation_id())
            .await?
            .ok_or_else(|| AppError::NotFound("your organisation no longer exists".into()))?;
        let hubs = hubs::service::list_rows(&db.read, staff.organisation_id()).await?;
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
            services: HashMap::new(),
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

    pub(super) async fn batch(
        &mut self,
        db: &Db,
        mapping: &Mapping,
        batch: Vec<(u64, Vec<String>)>,
        problems: &mut Problems,
    ) -> Result<(), AppError> {
        match self.target {
            Target::Devices => self.devices(db, mapping, batch, problems).await,
            Target::Borrowers => self.borrowers(db, mapping, batch, problems).await,
            Target::Directory => self.services(db, mapping, batch, problems).await,
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
        let taken_tags = devices::service::existing_tags(&db.read, self.organisation_id, &tags).await?;
        let serials: Vec<String> = parsed
            .iter()
            .filter_map(|(_, d)| d.details.serial_number.clone())
            .collect();
        let taken_serials =
            devices::service::existing_serials(&db.read, self.organisation_id, &serials).await?;
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
    pub(super) fn device(
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
                    if let Some(first) = self.tags.insert(number, row) {
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
        let taken = people::service::existing_emails(&db.read, self.organisation_id, &addresses).await?;
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

impl Check {
    /// Directory rows: each read as the service form reads it, and each name once, in the file
    /// and in the directory (importing a file twice adds nothing twice).
    async fn services(
        &mut self,
        db: &Db,
        mapping: &Mapping,
        batch: Vec<(u64, Vec<String>)>,
        problems: &mut Problems,
    ) -> Result<(), AppError> {
        let mut names: Vec<(u64, String)> = Vec::new();
        for (row, cells) in &batch {
            // A directory is hundreds of services: a file far beyond that is not one, and its
            // rows, written one service at a time, would hold the database for too long.
            if *row > MAX_DIRECTORY_ROWS + 1 {
                if *row == MAX_DIRECTORY_ROWS + 2 {
                    problems.add(
                        *row,
                        mapping.header_of("name"),
                        format!("a directory file holds at most {MAX_DIRECTORY_ROWS} services"),
                    );
                }
                continue;
            }
            if let Some(new) = service(mapping, *row, cells, problems) {
                let key = new.name.to_lowercase();
                if let Some(first) = self.services.insert(key, *row) {
                    problems.add(
                        *row,
                        mapping.header_of("name"),
                        format!("{} is also on row {first}", new.name),
                    );
                } else {
                    names.push((*row, new.name));
                }
            }
        }
        let wanted: Vec<String> = names.iter().map(|(_, n)| n.clone()).collect();
        let taken = directory::service::existing_names(&db.read, &wanted).await?;
        for (row, name) in names {
            if taken.contains(&name.to_lowercase()) {
                problems.add(
                    row,
                    mapping.header_of("name"),
                    format!("{name} is already in the directory"),
                );
            }
        }
        Ok(())
    }
}

pub(super) fn service(
    mapping: &Mapping,
    row: u64,
    record: &[String],
    problems: &mut Problems,
) -> Option<NewService> {
    let cells = mapping.cells(record);
    let request = match service_row(&cells) {
        Ok(request) => request,
        Err(errors) => {
            for (field, message) in errors {
                problems.add(row, mapping.header_of(field), message);
            }
            return None;
        }
    };
    match request.parse() {
        Ok(new) => Some(new),
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

pub(super) fn borrower(
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
