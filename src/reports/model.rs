//! The spreadsheets a scheme downloads: the columns of each, and rows written so that a
//! spreadsheet opens them safely. Devices and borrowers use the column names the import reads,
//! so an export imports again.

use std::borrow::Cow;

use crate::{
    entities::{borrower, device, enrolment, loan, training_session},
    money,
};

/// Written first, so spreadsheets read the file as UTF-8 ("Siân", "£").
pub const BOM: &str = "\u{feff}";

/// One of the exports, as named in `/reports/{name}.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    Devices,
    Loans,
    /// `pseudonymised` keeps the id, the postcode district and what the scheme reports on, and
    /// drops everything that names or reaches the person.
    Borrowers {
        pseudonymised: bool,
    },
    Sessions,
    Attendance,
}

impl Report {
    /// The file's name as offered for download: `lendhub-devices-2026-12-04.csv`.
    pub fn file_name(self, on: chrono::NaiveDate) -> String {
        let name = match self {
            Report::Devices => "devices",
            Report::Loans => "loans",
            Report::Borrowers { pseudonymised: false } => "borrowers",
            Report::Borrowers { pseudonymised: true } => "borrowers-pseudonymised",
            Report::Sessions => "sessions",
            Report::Attendance => "attendance",
        };
        format!("lendhub-{name}-{on}.csv")
    }

    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Report::Devices => DEVICE_COLUMNS,
            Report::Loans => LOAN_COLUMNS,
            Report::Borrowers { pseudonymised: false } => BORROWER_COLUMNS,
            Report::Borrowers { pseudonymised: true } => PSEUDONYMISED_BORROWER_COLUMNS,
            Report::Sessions => SESSION_COLUMNS,
            Report::Attendance => ATTENDANCE_COLUMNS,
        }
    }
}

pub const DEVICE_COLUMNS: &[&str] = &[
    "asset_tag",
    "kind",
    "make",
    "model",
    "serial_number",
    "imei",
    "hub",
    "status",
    "condition",
    "accessories",
    "funding_source",
    "purchased_on",
    "purchase_cost",
    "notes",
    "sim_iccid",
    "sim_network",
    "sim_allowance_gb",
    "sim_plan_ends_on",
];

pub const LOAN_COLUMNS: &[&str] = &[
    "id",
    "asset_tag",
    "borrower_id",
    "hub",
    "status",
    "issued_on",
    "due_on",
    "returned_on",
    "return_condition",
    "lost_on",
];

pub const BORROWER_COLUMNS: &[&str] = &[
    "id",
    "name",
    "email",
    "phone",
    "address",
    "postcode",
    "barriers",
    "large_print",
    "preferred_language",
    "accessibility_needs",
    "prefers_phone",
    "referral_source",
    "added_on",
];

/// Closed values only: free text (a referral source, a language typed in) can hold a name.
pub const PSEUDONYMISED_BORROWER_COLUMNS: &[&str] = &[
    "id",
    "postcode_district",
    "barriers",
    "large_print",
    "prefers_phone",
    "added_on",
];

pub const SESSION_COLUMNS: &[&str] = &[
    "id",
    "course",
    "starts_at",
    "duration_minutes",
    "capacity",
    "hub",
    "online",
    "trainer",
    "enrolled",
];

pub const ATTENDANCE_COLUMNS: &[&str] = &["session_id", "course", "starts_at", "borrower_id", "attendance"];

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a tab or carriage return
/// before one) is written with a leading `'`, which spreadsheets show as text; the import takes
/// the `'` off again.
pub fn safe(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Rows of CSV: comma-separated, quoted where needed, CRLF line ends as spreadsheets write them,
/// every cell passed through `safe`.
pub struct Sheet {
    writer: csv::Writer<Vec<u8>>,
}

impl Default for Sheet {
    fn default() -> Self {
        Self {
            writer: csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new()),
        }
    }
}

impl Sheet {
    /// The file's start: the BOM and the header row.
    pub fn header(report: Report) -> Vec<u8> {
        let mut sheet = Self::default();
        sheet.row(report.columns().iter().map(|c| (*c).to_owned()));
        let mut bytes = BOM.as_bytes().to_vec();
        bytes.extend(sheet.finish());
        bytes
    }

    pub fn row(&mut self, cells: impl IntoIterator<Item = String>) {
        let cells: Vec<String> = cells.into_iter().map(|c| safe(&c).into_owned()).collect();
        // Writing to a Vec cannot fail.
        self.writer
            .write_record(&cells)
            .expect("a CSV row writes to memory");
    }

    pub fn finish(self) -> Vec<u8> {
        self.writer.into_inner().expect("a CSV sheet flushes to memory")
    }
}

fn text(value: Option<&str>) -> String {
    value.unwrap_or_default().to_owned()
}

fn date(value: Option<chrono::NaiveDate>) -> String {
    value.map(|d| d.to_string()).unwrap_or_default()
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}

/// A list cell: `charger; case`.
fn list(items: &[String]) -> String {
    items.join("; ")
}

/// A cost as the import reads it: `249.99`.
fn cost(pence: Option<i64>) -> String {
    pence
        .map(|p| money::pounds(p).trim_start_matches('£').to_owned())
        .unwrap_or_default()
}

pub fn device_row(device: &device::Model, hub: &str) -> Vec<String> {
    vec![
        device.asset_tag.clone(),
        device.kind.as_str().to_owned(),
        device.make.clone(),
        device.model.clone(),
        text(device.serial_number.as_deref()),
        text(device.imei.as_deref()),
        hub.to_owned(),
        device.status.as_str().to_owned(),
        device.condition.as_str().to_owned(),
        list(&device.accessories),
        text(device.funding_source.as_deref()),
        date(device.purchased_on),
        cost(device.purchase_cost_pence),
        text(device.notes.as_deref()),
        text(device.sim_iccid.as_deref()),
        text(device.sim_network.as_deref()),
        device
            .sim_allowance_gb
            .map(|gb| gb.to_string())
            .unwrap_or_default(),
        date(device.sim_plan_ends_on),
    ]
}

pub fn loan_row(loan: &loan::Model, asset_tag: &str, hub: &str) -> Vec<String> {
    vec![
        loan.id.to_string(),
        asset_tag.to_owned(),
        loan.borrower_id.to_string(),
        hub.to_owned(),
        loan.status.as_str().to_owned(),
        crate::dates::today(loan.issued_at).to_string(),
        loan.due_on.to_string(),
        date(loan.returned_at.map(crate::dates::today)),
        loan.return_condition
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        date(loan.lost_at.map(crate::dates::today)),
    ]
}

pub fn borrower_row(borrower: &borrower::Model, pseudonymised: bool) -> Vec<String> {
    let added_on = crate::dates::today(borrower.created_at).to_string();
    if pseudonymised {
        return vec![
            borrower.id.to_string(),
            postcode_district(borrower.postcode.as_deref()),
            list(&borrower.barriers),
            yes_no(borrower.large_print),
            yes_no(borrower.prefers_phone),
            added_on,
        ];
    }
    vec![
        borrower.id.to_string(),
        borrower.name.clone(),
        text(borrower.email.as_deref()),
        text(borrower.phone.as_deref()),
        text(borrower.address.as_deref()),
        text(borrower.postcode.as_deref()),
        list(&borrower.barriers),
        yes_no(borrower.large_print),
        text(borrower.preferred_language.as_deref()),
        text(borrower.accessibility_needs.as_deref()),
        yes_no(borrower.prefers_phone),
        text(borrower.referral_source.as_deref()),
        added_on,
    ]
}

/// The outward half of a postcode ("M14" of "M14 5TQ"): an area of some thousands of homes, not
/// a street.
pub fn postcode_district(postcode: Option<&str>) -> String {
    let Some(postcode) = postcode else {
        return String::new();
    };
    let compact: Vec<char> = postcode.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() <= 3 {
        return String::new();
    }
    compact[..compact.len() - 3]
        .iter()
        .collect::<String>()
        .to_uppercase()
}

/// What a session row needs besides the session: its course, hub, trainer and head count.
pub struct SessionFacts<'a> {
    pub course: &'a str,
    pub hub: &'a str,
    pub trainer: &'a str,
    pub enrolled: u64,
}

pub fn session_row(session: &training_session::Model, facts: &SessionFacts<'_>) -> Vec<String> {
    vec![
        session.id.to_string(),
        facts.course.to_owned(),
        session.starts_at.to_rfc3339(),
        session.duration_minutes.to_string(),
        session.capacity.to_string(),
        facts.hub.to_owned(),
        yes_no(session.hub_id.is_none()),
        facts.trainer.to_owned(),
        facts.enrolled.to_string(),
    ]
}

pub fn attendance_row(enrolment: &enrolment::Model, course: &str, starts_at: &str) -> Vec<String> {
    vec![
        enrolment.session_id.to_string(),
        course.to_owned(),
        starts_at.to_owned(),
        enrolment.borrower_id.to_string(),
        enrolment
            .attendance
            .map(|a| a.as_str().to_owned())
            .unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_are_written_as_text() {
        for cell in [
            "=HYPERLINK(\"x\")",
            "+44 7700 900123",
            "-1",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(safe(cell), format!("'{cell}"));
        }
        for cell in ["Siân", "TCH-00042", "", "1+1", "a=b"] {
            assert_eq!(safe(cell), cell);
        }
    }

    #[test]
    fn a_sheet_starts_with_the_bom_and_header_and_ends_lines_with_crlf() {
        let header = Sheet::header(Report::Attendance);
        assert_eq!(
            String::from_utf8(header).unwrap(),
            "\u{feff}session_id,course,starts_at,borrower_id,attendance\r\n"
        );
        let mut sheet = Sheet::default();
        sheet.row(["a,b".to_owned(), "=1".to_owned(), "say \"hi\"".to_owned()]);
        assert_eq!(
            String::from_utf8(sheet.finish()).unwrap(),
            "\"a,b\",'=1,\"say \"\"hi\"\"\"\r\n"
        );
    }

    #[test]
    fn the_postcode_district_is_the_outward_code() {
        assert_eq!(postcode_district(Some("M14 5TQ")), "M14");
        assert_eq!(postcode_district(Some("sw1a1aa")), "SW1A");
        assert_eq!(postcode_district(Some("M1")), "");
        assert_eq!(postcode_district(None), "");
    }
}

/// The dates a report covers, both days included, in London.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Period {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
}

impl Period {
    /// `from` and `to` as a request gives them; the 30 days to `today` when absent.
    ///
    /// # Errors
    /// A `FieldError` on `from` or `to` for a date that does not read, or on `to` when it comes
    /// before `from`.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: chrono::NaiveDate,
    ) -> Result<Self, crate::error::FieldError> {
        let to = crate::dates::optional_date("to", to)?.unwrap_or(today);
        let from = crate::dates::optional_date("from", from)?.unwrap_or(to - chrono::Duration::days(29));
        if to < from {
            return Err(crate::error::FieldError::new(
                "to",
                "the end date must not be before the start date",
            ));
        }
        Ok(Self { from, to })
    }

    /// The instants the period runs between: `[from's midnight, the midnight after to)`.
    pub fn instants(self) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
        (
            crate::dates::london_midnight(self.from),
            crate::dates::london_midnight(self.to + chrono::Duration::days(1)),
        )
    }
}

/// The share of learners who came, of those expected: present and late over present, late and
/// absent (an excused absence is not counted against anyone). `None` when nobody was marked.
pub fn attendance_rate(attended: u64, absent: u64) -> Option<f64> {
    let expected = attended + absent;
    #[allow(clippy::cast_precision_loss)]
    (expected > 0).then(|| (attended as f64 / expected as f64 * 1000.0).round() / 1000.0)
}

/// The first day of each of the 12 months to the one `today` is in, oldest first.
pub fn last_twelve_months(today: chrono::NaiveDate) -> Vec<chrono::NaiveDate> {
    use chrono::Datelike;
    let mut month = today.with_day(1).unwrap_or(today);
    let mut months = vec![month];
    for _ in 0..11 {
        month = (month - chrono::Duration::days(1)).with_day(1).unwrap_or(month);
        months.push(month);
    }
    months.reverse();
    months
}

#[cfg(test)]
mod period_tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn a_period_defaults_to_the_last_30_days_and_names_a_bad_date() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let period = Period::parse(None, None, today).unwrap();
        assert_eq!(
            (period.from, period.to),
            (NaiveDate::from_ymd_opt(2026, 11, 5).unwrap(), today)
        );
        assert_eq!(
            Period::parse(Some("2026-13-01"), None, today).unwrap_err().field,
            "from"
        );
        assert_eq!(
            Period::parse(Some("2026-12-04"), Some("2026-12-01"), today)
                .unwrap_err()
                .field,
            "to"
        );
    }

    #[test]
    fn twelve_months_end_with_this_one_and_rates_leave_out_the_excused() {
        let months = last_twelve_months(NaiveDate::from_ymd_opt(2026, 3, 31).unwrap());
        assert_eq!(months.len(), 12);
        assert_eq!(months[0], NaiveDate::from_ymd_opt(2025, 4, 1).unwrap());
        assert_eq!(months[11], NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        assert_eq!(attendance_rate(3, 1), Some(0.75));
        assert_eq!(attendance_rate(0, 0), None);
    }
}
