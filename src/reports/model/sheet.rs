//! The exports and their columns, and the CSV sheet they are written to: a BOM first, CRLF line
//! ends, and every cell a spreadsheet would run as a formula written as text.

use std::borrow::Cow;

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
}
