//! The file as CSV rows, read as a stream a batch at a time: the delimiter its first line uses,
//! its BOM dropped, each cell decoded. A source can be opened twice, once for each pass.

use std::io::Read;

use crate::{
    error::AppError,
    imports::model::{decode, sniff_delimiter},
};

/// Rows read and written at a time.
const BATCH: usize = 500;

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
pub(super) struct Rows<R: Read> {
    reader: csv::Reader<std::io::Chain<std::io::Cursor<Vec<u8>>, R>>,
    pub(super) headers: Vec<String>,
    /// The row number of the last record read (the header is row 1).
    row: u64,
}

pub(super) fn io_error(err: &std::io::Error) -> AppError {
    AppError::invalid("file", format!("the file could not be read: {err}"))
}

impl<R: Read> Rows<R> {
    pub(super) fn open(mut source: R) -> Result<Self, AppError> {
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
    pub(super) fn batch(&mut self) -> Result<Vec<(u64, Vec<String>)>, AppError> {
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
