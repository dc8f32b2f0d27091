//! Which field each column of a file fills: guessed from its header, corrected by the importer's
//! `--map`, and used to read a row's cells by field.

use std::collections::HashMap;

use serde::Serialize;

use super::fields::{IGNORED, Target, squash};
use crate::error::FieldError;

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
    fn a_formula_cell_the_export_marked_reads_back_as_written() {
        let mapping = Mapping::guess(Target::Borrowers, &headers(&["Name", "Phone"]), &HashMap::new());
        let record = ["Siân".to_owned(), "'+44 7700 900461".to_owned()];
        let cells = mapping.cells(&record);
        assert_eq!(cells["phone"], "+44 7700 900461");
    }
}
