//! Reading a spreadsheet of devices or borrowers, with no I/O: each cell decoded (UTF-8, with or
//! without a BOM, or Windows-1252 as older Excel writes it), the delimiter sniffed, each column
//! guessed from its header the way other asset systems name them, and each row turned into the
//! request lendhub's own forms send, with every problem as (row, column, message).

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::{
    devices::model::{DeviceRequest, SimRequest},
    error::FieldError,
    money,
    people::model::{BorrowerRequest, ConsentRequest},
};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Devices,
    Borrowers,
}

impl Target {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "devices" => Some(Target::Devices),
            "borrowers" => Some(Target::Borrowers),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Devices => "devices",
            Target::Borrowers => "borrowers",
        }
    }

    /// The fields a column can fill, as the export names them, each with the headers other
    /// systems give it (compared lower-case, letters and digits only).
    pub fn fields(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            Target::Devices => DEVICE_FIELDS,
            Target::Borrowers => BORROWER_FIELDS,
        }
    }

    /// The fields a file must fill.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            Target::Devices => &["kind", "make", "model"],
            Target::Borrowers => &["name"],
        }
    }
}

/// Read but not kept: what the export writes that an import cannot set (a device arrives
/// available; a borrower gets a new id).
pub const IGNORED: &str = "ignore";

const DEVICE_FIELDS: &[(&str, &[&str])] = &[
    (
        "asset_tag",
        &[
            "assettag",
            "asset",
            "assetno",
            "assetnumber",
            "assetid",
            "tag",
            "tagnumber",
        ],
    ),
    (
        "kind",
        &[
            "kind",
            "category",
            "type",
            "devicetype",
            "assettype",
            "devicecategory",
        ],
    ),
    ("make", &["make", "manufacturer", "brand", "vendor"]),
    (
        "model",
        &["model", "modelname", "modelno", "modelnumber", "product"],
    ),
    (
        "serial_number",
        &["serialnumber", "serial", "serialno", "sn", "servicetag"],
    ),
    ("imei", &["imei", "imeinumber"]),
    ("hub", &["hub", "location", "site", "homehub", "office", "branch"]),
    ("condition", &["condition", "state"]),
    ("accessories", &["accessories", "accessory", "includes"]),
    (
        "funding_source",
        &["fundingsource", "funding", "funder", "fundedby", "grant"],
    ),
    (
        "purchased_on",
        &[
            "purchasedon",
            "purchasedate",
            "dateofpurchase",
            "purchased",
            "boughton",
            "acquired",
        ],
    ),
    (
        "purchase_cost",
        &[
            "purchasecost",
            "cost",
            "price",
            "purchaseprice",
            "value",
            "unitcost",
        ],
    ),
    ("notes", &["notes", "note", "comments", "comment", "description"]),
    ("sim_iccid", &["simiccid", "iccid", "simnumber", "sim"]),
    ("sim_network", &["simnetwork", "network", "carrier", "provider"]),
    (
        "sim_allowance_gb",
        &[
            "simallowancegb",
            "allowancegb",
            "dataallowance",
            "allowance",
            "datagb",
        ],
    ),
    (
        "sim_plan_ends_on",
        &[
            "simplanendson",
            "planendson",
            "planends",
            "planenddate",
            "contractend",
            "contractenddate",
        ],
    ),
    (IGNORED, &["status", "id", "addedon", "created", "createdat"]),
];

const BORROWER_FIELDS: &[(&str, &[&str])] = &[
    (
        "name",
        &[
            "name",
            "fullname",
            "borrower",
            "borrowername",
            "client",
            "clientname",
            "learner",
            "participant",
        ],
    ),
    ("email", &["email", "emailaddress", "mail"]),
    (
        "phone",
        &[
            "phone",
            "phonenumber",
            "telephone",
            "tel",
            "mobile",
            "mobilenumber",
            "contactnumber",
        ],
    ),
    ("address", &["address", "homeaddress", "streetaddress"]),
    ("postcode", &["postcode", "postalcode", "zip", "zipcode"]),
    ("barriers", &["barriers", "barrier", "needs"]),
    ("large_print", &["largeprint"]),
    (
        "preferred_language",
        &["preferredlanguage", "language", "firstlanguage"],
    ),
    (
        "accessibility_needs",
        &["accessibilityneeds", "accessneeds", "accessibility"],
    ),
    ("prefers_phone", &["prefersphone", "phoneonly", "callme"]),
    (
        "referral_source",
        &["referralsource", "referredby", "referral", "source"],
    ),
    (
        IGNORED,
        &["id", "addedon", "created", "createdat", "postcodedistrict"],
    ),
];

/// A header as compared: lower-case letters and digits.
fn squash(header: &str) -> String {
    header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// One cell's text: UTF-8 when it is, else Windows-1252 (which every byte decodes as).
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0,
    }
}

/// `;` when the first line has more semicolons than commas (Excel in much of Europe), else `,`.
pub fn sniff_delimiter(start: &[u8]) -> u8 {
    let line = start.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |d: u8| memchr::memchr_iter(d, line).count();
    if count(b';') > count(b',') { b';' } else { b',' }
}

/// Which field each column fills: `None` for a column lendhub does not know.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Mapping {
    pub columns: Vec<ColumnMap>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ColumnMap {
    /// The header as the file writes it.
    pub header: String,
    /// The field it fills, `ignore`, or null when unknown (and so not read).
    pub field: Option<String>,
}

/// Parses `--map "Serial Number=serial_number,Location=hub"`: header to field, in the file's
/// words.
///
/// # Errors
/// A `FieldError` on `map` naming a pair that does not read or a field that does not exist.
pub fn parse_map(target: Target, text: &str) -> Result<HashMap<String, String>, FieldError> {
    let mut map = HashMap::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (header, field) = pair
            .rsplit_once('=')
            .ok_or_else(|| FieldError::new("map", format!("{pair:?} is not Header=field")))?;
        let field = field.trim();
        if field != IGNORED && !target.fields().iter().any(|(name, _)| *name == field) {
            let names: Vec<&str> = target.fields().iter().map(|(n, _)| *n).collect();
            return Err(FieldError::new(
                "map",
                format!("{field:?} is not a field; use one of {}", names.join(", ")),
            ));
        }
        map.insert(squash(header), field.to_owned());
    }
    Ok(map)
}

impl Mapping {
    /// Guesses each header's field, then applies the corrections in `map`. A field claimed by
    /// two columns goes to the first.
    pub fn guess(target: Target, headers: &[String], map: &HashMap<String, String>) -> Self {
        let mut taken: Vec<String> = Vec::new();
        let columns = headers
            .iter()
            .map(|header| {
                let key = squash(header);
                let field = map.get(&key).cloned().or_else(|| {
                    target
                        .fields()
                        .iter()
                        .find(|(_, names)| names.contains(&key.as_str()))
                        .map(|(name, _)| (*name).to_owned())
                });
                let field = field.filter(|f| f == IGNORED || !taken.contains(f));
                if let Some(field) = &field {
                    taken.push(field.clone());
                }
                ColumnMap {
                    header: header.clone(),
                    field,
                }
            })
            .collect();
        Self { columns }
    }

    /// Where the column that fills `field` stands, for listing a row's problems in order.
    pub fn position_of(&self, field: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c.field.as_deref() == Some(field))
            .unwrap_or(usize::MAX)
    }

    /// The header of the column that fills `field`, or the field's own name when none does.
    pub fn header_of(&self, field: &str) -> String {
        self.columns
            .iter()
            .find(|c| c.field.as_deref() == Some(field))
            .map_or_else(|| field.to_owned(), |c| c.header.clone())
    }

    /// The required fields no column fills.
    pub fn missing(&self, target: Target) -> Vec<&'static str> {
        target
            .required()
            .iter()
            .copied()
            .filter(|f| !self.columns.iter().any(|c| c.field.as_deref() == Some(*f)))
            .collect()
    }

    /// The row's cells by field, without the export's `'` before a formula-like cell.
    pub fn cells<'a>(&self, record: &'a [String]) -> HashMap<&str, &'a str> {
        self.columns
            .iter()
            .zip(record)
            .filter_map(|(column, cell)| {
                let field = column.field.as_deref().filter(|f| *f != IGNORED)?;
                let cell = cell.trim();
                let cell = match cell.strip_prefix('\'') {
                    Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
                    _ => cell,
                };
                (!cell.is_empty()).then_some((field, cell))
            })
            .collect()
    }
}

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

/// The kind a word names: Laptop, Notebook, Chromebook, iPad, Tablet, MiFi, Hotspot, Dongle...
pub fn kind_from_word(text: &str) -> Option<&'static str> {
    let word = squash(text);
    let any = |names: &[&str]| names.iter().any(|n| word.contains(n));
    if any(&["mifi", "hotspot", "dongle", "router", "4g", "5g", "wifi", "modem"]) {
        Some("mifi")
    } else if any(&["ipad", "tablet", "tab", "kindle", "surface"]) {
        Some("tablet")
    } else if any(&[
        "laptop",
        "notebook",
        "chromebook",
        "macbook",
        "netbook",
        "ultrabook",
        "thinkpad",
    ]) {
        Some("laptop")
    } else {
        None
    }
}

/// A date as spreadsheets write it: `2026-03-14`, `14/03/2026`, `14-03-2026`, `14.03.2026` or
/// `14/03/26` (UK day first).
pub fn parse_uk_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let text = text.split([' ', 'T']).next().unwrap_or(text);
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date);
    }
    let parts: Vec<&str> = text.split(['/', '-', '.']).collect();
    let [day, month, year] = parts.as_slice() else {
        return None;
    };
    let (day, month, year): (u32, u32, i32) = (day.parse().ok()?, month.parse().ok()?, year.parse().ok()?);
    let year = match year {
        0..=69 => 2000 + year,
        70..=99 => 1900 + year,
        _ => year,
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

fn yes(text: &str) -> Option<bool> {
    match squash(text).as_str() {
        "yes" | "y" | "true" | "1" | "x" => Some(true),
        "no" | "n" | "false" | "0" => Some(false),
        _ => None,
    }
}

fn list(text: Option<&str>) -> Option<Vec<String>> {
    text.map(|t| {
        t.split([';', '|', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
}

/// A device row as the device form would send it, with the hub still a name. Problems lendhub's
/// own form cannot have (a date or cost as a spreadsheet writes it) are found here.
pub struct DeviceRow {
    pub request: DeviceRequest,
    pub hub: Option<String>,
}

/// The row as far as it reads, and `(field, message)` for each cell that does not.
pub fn device_row<S: std::hash::BuildHasher>(
    cells: &HashMap<&str, &str, S>,
) -> (DeviceRow, Vec<(&'static str, String)>) {
    let mut errors = Vec::new();
    let get = |field: &str| cells.get(field).copied();
    let kind = get("kind").map(|text| match kind_from_word(text) {
        Some(kind) => kind.to_owned(),
        None => {
            errors.push((
                "kind",
                format!("{text:?} is not a kind lendhub knows: say laptop, tablet or mifi"),
            ));
            String::new()
        }
    });
    let date = |errors: &mut Vec<(&'static str, String)>, field: &'static str| {
        get(field).and_then(|text| match parse_uk_date(text) {
            Some(date) => Some(date.to_string()),
            None => {
                errors.push((
                    field,
                    format!("{text:?} is not a date: write 14/03/2026 or 2026-03-14"),
                ));
                None
            }
        })
    };
    let purchased_on = date(&mut errors, "purchased_on");
    let plan_ends_on = date(&mut errors, "sim_plan_ends_on");
    let purchase_cost_pence = get("purchase_cost").and_then(|text| match money::parse_pounds(text) {
        Some(pence) if pence <= money::MAX_PENCE => Some(pence),
        Some(_) => {
            errors.push(("purchase_cost", "the cost can be at most £100,000.00".to_owned()));
            None
        }
        None => {
            errors.push((
                "purchase_cost",
                format!("{text:?} is not an amount: write 249.99 or £249.99"),
            ));
            None
        }
    });
    let allowance_gb = get("sim_allowance_gb").and_then(|text| {
        let number = text
            .trim()
            .trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .trim();
        match number.parse::<i32>() {
            Ok(gb) => Some(gb),
            Err(_) => {
                errors.push(("sim_allowance_gb", format!("{text:?} is not a number of GB")));
                None
            }
        }
    });
    let sim = [
        get("sim_iccid"),
        get("sim_network"),
        get("sim_allowance_gb"),
        get("sim_plan_ends_on"),
    ]
    .iter()
    .any(Option::is_some)
    .then(|| SimRequest {
        iccid: get("sim_iccid").map(str::to_owned),
        network: get("sim_network").map(str::to_owned),
        allowance_gb,
        plan_ends_on,
    });
    let condition = get("condition").map(str::to_lowercase);
    let request = DeviceRequest {
        kind,
        make: get("make").map(str::to_owned),
        model: get("model").map(str::to_owned),
        hub_id: None,
        serial_number: get("serial_number").map(str::to_owned),
        imei: get("imei").map(str::to_owned),
        asset_tag: get("asset_tag").map(str::to_owned),
        condition,
        accessories: list(get("accessories")),
        funding_source: get("funding_source").map(str::to_owned),
        purchased_on,
        purchase_cost_pence,
        notes: get("notes").map(str::to_owned),
        sim,
    };
    let row = DeviceRow {
        request,
        hub: get("hub").map(str::to_owned),
    };
    (row, errors)
}

/// # Errors
/// `(field, message)` for each cell that does not read.
pub fn borrower_row<S: std::hash::BuildHasher>(
    cells: &HashMap<&str, &str, S>,
) -> Result<BorrowerRequest, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let get = |field: &str| cells.get(field).copied();
    let mut flag = |field: &'static str| {
        get(field).and_then(|text| match yes(text) {
            Some(value) => Some(value),
            None => {
                errors.push((field, format!("{text:?} is not yes or no")));
                None
            }
        })
    };
    let large_print = flag("large_print");
    let prefers_phone = flag("prefers_phone");
    let barriers = list(get("barriers")).map(|items| {
        items
            .into_iter()
            .map(|b| b.to_lowercase().replace([' ', '-'], "_"))
            .collect()
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(BorrowerRequest {
        name: get("name").map(str::to_owned),
        email: get("email").map(str::to_owned),
        phone: get("phone").map(str::to_owned),
        address: get("address").map(str::to_owned),
        postcode: get("postcode").map(str::to_owned),
        barriers,
        consent: Some(ConsentRequest {
            data_processing: Some(true),
        }),
        large_print,
        preferred_language: get("preferred_language").map(str::to_owned),
        accessibility_needs: get("accessibility_needs").map(str::to_owned),
        referral_source: get("referral_source").map(str::to_owned),
        resident_of_organisation_id: None,
        prefers_phone,
    })
}

/// The import field a form field's error is about: `hub_id` is the hub column,
/// `sim.iccid` the `sim_iccid` column.
pub fn field_of_error(field: &str) -> String {
    match field {
        "hub_id" => "hub".to_owned(),
        "purchase_cost_pence" => "purchase_cost".to_owned(),
        other => other.replace('.', "_"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|h| (*h).to_owned()).collect()
    }

    #[test]
    fn columns_are_guessed_from_the_headers_other_systems_write() {
        let mapping = Mapping::guess(
            Target::Devices,
            &headers(&[
                "Asset Tag",
                "Serial Number",
                "Manufacturer",
                "Model Name",
                "Category",
                "Location",
                "Purchase Date",
                "Purchase Cost",
                "Colour",
            ]),
            &HashMap::new(),
        );
        let fields: Vec<Option<&str>> = mapping.columns.iter().map(|c| c.field.as_deref()).collect();
        assert_eq!(
            fields,
            [
                Some("asset_tag"),
                Some("serial_number"),
                Some("make"),
                Some("model"),
                Some("kind"),
                Some("hub"),
                Some("purchased_on"),
                Some("purchase_cost"),
                None
            ]
        );
        let corrected = Mapping::guess(
            Target::Devices,
            &headers(&["Colour", "Location"]),
            &parse_map(Target::Devices, "Colour=notes, Location=ignore").unwrap(),
        );
        assert_eq!(corrected.columns[0].field.as_deref(), Some("notes"));
        assert_eq!(corrected.columns[1].field.as_deref(), Some(IGNORED));
        assert_eq!(
            parse_map(Target::Devices, "Colour=colour").unwrap_err().field,
            "map"
        );
    }

    #[test]
    fn kinds_dates_and_costs_read_as_spreadsheets_write_them() {
        for (word, kind) in [
            ("Laptop", "laptop"),
            ("Notebook", "laptop"),
            ("Chromebook", "laptop"),
            ("iPad", "tablet"),
            ("Tablet", "tablet"),
            ("MiFi", "mifi"),
            ("4G Hotspot", "mifi"),
            ("Dongle", "mifi"),
        ] {
            assert_eq!(kind_from_word(word), Some(kind), "{word}");
        }
        assert_eq!(kind_from_word("Printer"), None);
        let march = NaiveDate::from_ymd_opt(2026, 3, 14);
        for text in [
            "2026-03-14",
            "14/03/2026",
            "14-03-2026",
            "14.03.2026",
            "14/03/26",
            "14/3/2026 00:00",
        ] {
            assert_eq!(parse_uk_date(text), march, "{text}");
        }
        assert_eq!(parse_uk_date("31/02/2026"), None);
        assert_eq!(parse_uk_date("March"), None);
    }

    #[test]
    fn cells_decode_as_utf8_or_windows_1252() {
        assert_eq!(decode("Siân £5".as_bytes()), "Siân £5");
        assert_eq!(decode(b"Si\xe2n \xa35"), "Siân £5");
        assert_eq!(sniff_delimiter(b"a;b;c\r\n1,5;2;3"), b';');
        assert_eq!(sniff_delimiter(b"a,b,c\r\n"), b',');
    }

    #[test]
    fn a_formula_cell_the_export_marked_reads_back_as_written() {
        let mapping = Mapping::guess(Target::Borrowers, &headers(&["Name", "Phone"]), &HashMap::new());
        let record = ["Siân".to_owned(), "'+44 7700 900461".to_owned()];
        let cells = mapping.cells(&record);
        assert_eq!(cells["phone"], "+44 7700 900461");
    }
}
