//! Asset spreadsheets: CSV files of network devices, printers, phones, SaaS subscriptions
//! and other assets no agent reports, read and written by column name.
//!
//! Columns are found by their header, in any order and case, with `_`, `-` and spaces alike
//! (see [`COLUMNS`] for every accepted spelling); a header Steward does not know is an error,
//! so that a misspelt column is never silently dropped. A UTF-8 byte-order mark is skipped.
//! Quoted fields may hold commas and newlines. Each cell passes through
//! [`crate::csv_restore`], the inverse of the [`crate::csv_safe`] that [`write()`] applies, so
//! an export reads back unchanged.
//!
//! Errors are reported per row and column ([`RowError`]); a row with an error, or one that
//! repeats an earlier row's asset tag or serial, is left out of [`AssetSheet::rows`]. Row
//! numbers are spreadsheet rows: the header is row 1.

use std::collections::HashMap;

use steward_core::inventory::{AssetKind, AssetRecord};

use crate::csv_restore;
use crate::sbom::{DocumentError, Limits};

/// One asset field a column fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `name` (required).
    Name,
    /// `kind`.
    Kind,
    /// `asset tag`.
    AssetTag,
    /// `serial`.
    Serial,
    /// `vendor`.
    Vendor,
    /// `model`.
    Model,
    /// `location`.
    Location,
    /// `owner`.
    Owner,
    /// `tags`.
    Tags,
    /// `notes`.
    Notes,
}

/// Every field with the header [`write()`] gives it first, then the other spellings accepted.
pub const COLUMNS: &[(Field, &[&str])] = &[
    (Field::Name, &["name", "asset name", "display name"]),
    (Field::Kind, &["kind", "type", "asset type", "category"]),
    (
        Field::AssetTag,
        &[
            "asset tag",
            "tag number",
            "asset number",
            "inventory number",
        ],
    ),
    (Field::Serial, &["serial", "serial number", "sn"]),
    (
        Field::Vendor,
        &["vendor", "manufacturer", "make", "provider"],
    ),
    (Field::Model, &["model", "plan"]),
    (Field::Location, &["location", "site", "room"]),
    (Field::Owner, &["owner", "assigned to", "responsible"]),
    (Field::Tags, &["tags", "labels"]),
    (
        Field::Notes,
        &["notes", "comments", "comment", "description"],
    ),
];

/// Longest cell accepted, in bytes.
pub const MAX_CELL_BYTES: usize = 4096;

/// Most data rows one file may hold.
pub const MAX_ROWS: usize = 100_000;

/// A row read without error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// Spreadsheet row number (the header is row 1).
    pub row: usize,
    /// The asset it describes.
    pub record: AssetRecord,
}

/// What is wrong with one row, and in which column when it is one cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Spreadsheet row number (the header is row 1).
    pub row: usize,
    /// The column's header as written, when the error is in one cell.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(column) => write!(f, "row {}, column {column:?}: {}", self.row, self.message),
            None => write!(f, "row {}: {}", self.row, self.message),
        }
    }
}

/// A file read: the good rows and the errors of the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetSheet {
    /// The fields the file has a column for; an update leaves the others as they are.
    pub fields: Vec<Field>,
    /// Rows without error, in file order.
    pub rows: Vec<SheetRow>,
    /// Row errors, in file order.
    pub errors: Vec<RowError>,
}

/// Reads an asset spreadsheet. A problem with the file as a whole (not UTF-8, no header, an
/// unknown or repeated column, no `name` column, a limit crossed) is an `Err`; problems with
/// rows are listed in [`AssetSheet::errors`].
pub fn read(bytes: &[u8], limits: &Limits) -> Result<AssetSheet, DocumentError> {
    limits.check_size(bytes.len())?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);

    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(header) => header.map_err(|err| csv_error(1, &err))?,
        None => {
            return Err(DocumentError::Refused(
                "the file is empty: no header row".into(),
            ));
        }
    };
    let columns = header_columns(&header)?;

    let mut sheet = AssetSheet {
        fields: columns.iter().map(|(field, _)| *field).collect(),
        ..AssetSheet::default()
    };
    let mut seen = Seen::default();
    for (index, record) in records.enumerate() {
        let row = index + 2;
        if index >= MAX_ROWS {
            return Err(DocumentError::Limit {
                what: format!("number of rows (row {row})"),
                limit: MAX_ROWS,
            });
        }
        let record = record.map_err(|err| csv_error(row, &err))?;
        if record
            .iter()
            .all(|cell| cell.iter().all(u8::is_ascii_whitespace))
        {
            continue;
        }
        match read_row(row, &columns, &record) {
            Ok(asset) => match seen.check(row, &asset, &columns) {
                Ok(()) => sheet.rows.push(SheetRow { row, record: asset }),
                Err(error) => sheet.errors.push(error),
            },
            Err(errors) => sheet.errors.extend(errors),
        }
    }
    Ok(sheet)
}

/// Writes assets as CSV with the first header of every column, each cell passed through
/// [`crate::csv_safe`]; [`read`] reads the result back to the same records.
pub fn write(assets: &[AssetRecord]) -> Vec<u8> {
    let header: Vec<&str> = COLUMNS.iter().map(|(_, names)| names[0]).collect();
    let rows = assets.iter().map(|asset| {
        let optional = |value: &Option<String>| value.clone().unwrap_or_default();
        vec![
            asset.name.clone(),
            asset.kind.as_str().to_owned(),
            optional(&asset.asset_tag),
            optional(&asset.serial),
            optional(&asset.vendor),
            optional(&asset.model),
            optional(&asset.location),
            optional(&asset.owner),
            asset.tags.join("; "),
            optional(&asset.notes),
        ]
    });
    crate::csv_table(&header, rows)
}

/// A header cell, normalised: trimmed, lower case, `_` and `-` as spaces, spaces collapsed.
fn normalise_header(cell: &str) -> String {
    cell.trim()
        .to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Column index to (field, header as written).
type Columns = Vec<(Field, String)>;

fn header_columns(header: &csv::ByteRecord) -> Result<Columns, DocumentError> {
    let mut columns: Columns = Vec::new();
    let mut taken: HashMap<Field, String> = HashMap::new();
    for (index, cell) in header.iter().enumerate() {
        let written = std::str::from_utf8(cell).map_err(|_| {
            DocumentError::Refused(format!(
                "row 1, column {}: the header is not UTF-8",
                index + 1
            ))
        })?;
        let normal = normalise_header(written);
        let Some(field) = COLUMNS
            .iter()
            .find(|(_, names)| names.contains(&normal.as_str()))
            .map(|(field, _)| *field)
        else {
            let accepted: Vec<&str> = COLUMNS.iter().map(|(_, names)| names[0]).collect();
            return Err(DocumentError::Refused(format!(
                "row 1, column {}: unknown column {written:?}; accepted columns: {} (see the \
                 README for other spellings)",
                index + 1,
                accepted.join(", ")
            )));
        };
        if let Some(first) = taken.insert(field, written.to_owned()) {
            return Err(DocumentError::Refused(format!(
                "row 1: columns {first:?} and {written:?} both give the same field"
            )));
        }
        columns.push((field, written.to_owned()));
    }
    if !taken.contains_key(&Field::Name) {
        return Err(DocumentError::Refused(
            "row 1: there is no name column".to_owned(),
        ));
    }
    Ok(columns)
}

/// Reads one data row into an asset, or lists every cell error it has.
fn read_row(
    row: usize,
    columns: &Columns,
    record: &csv::ByteRecord,
) -> Result<AssetRecord, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut error = |column: Option<&str>, message: String| {
        errors.push(RowError {
            row,
            column: column.map(str::to_owned),
            message,
        })
    };
    if record.len() > columns.len() {
        error(
            None,
            format!(
                "{} cells, but the header has {} columns",
                record.len(),
                columns.len()
            ),
        );
    }
    let mut asset = AssetRecord {
        name: String::new(),
        kind: AssetKind::Other,
        asset_tag: None,
        serial: None,
        vendor: None,
        model: None,
        location: None,
        owner: None,
        tags: Vec::new(),
        notes: None,
    };
    for (index, (field, header)) in columns.iter().enumerate() {
        let raw = record.get(index).unwrap_or_default();
        let Ok(text) = std::str::from_utf8(raw) else {
            error(Some(header), "the cell is not UTF-8".to_owned());
            continue;
        };
        if text.len() > MAX_CELL_BYTES {
            error(
                Some(header),
                format!(
                    "the cell is {} bytes, more than {MAX_CELL_BYTES}",
                    text.len()
                ),
            );
            continue;
        }
        if text.contains('\0') {
            error(
                Some(header),
                "the cell contains a NUL character (U+0000)".to_owned(),
            );
            continue;
        }
        let value = csv_restore(text.trim());
        let optional = (!value.is_empty()).then(|| value.to_owned());
        match field {
            Field::Name => asset.name = value.to_owned(),
            Field::Kind if value.is_empty() => {}
            Field::Kind => match value.parse() {
                Ok(kind) => asset.kind = kind,
                Err(err) => error(Some(header), err.to_string()),
            },
            Field::AssetTag => asset.asset_tag = optional,
            Field::Serial => asset.serial = optional,
            Field::Vendor => asset.vendor = optional,
            Field::Model => asset.model = optional,
            Field::Location => asset.location = optional,
            Field::Owner => asset.owner = optional,
            Field::Tags => asset.tags = split_tags(value),
            Field::Notes => asset.notes = optional,
        }
    }
    if asset.name.is_empty() {
        let header = columns
            .iter()
            .find(|(f, _)| *f == Field::Name)
            .map(|(_, h)| h.as_str());
        error(header, "the name is empty".to_owned());
    }
    if errors.is_empty() {
        Ok(asset)
    } else {
        Err(errors)
    }
}

/// Tags separated by `;` or `,`, trimmed, sorted, each once.
pub fn split_tags(cell: &str) -> Vec<String> {
    let mut tags: Vec<String> = cell
        .split([';', ','])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

/// The asset tags and serials of earlier rows, to find duplicates.
#[derive(Default)]
struct Seen {
    tags: HashMap<String, usize>,
    serials: HashMap<String, usize>,
}

impl Seen {
    fn check(
        &mut self,
        row: usize,
        asset: &AssetRecord,
        columns: &Columns,
    ) -> Result<(), RowError> {
        let header = |field: Field| {
            columns
                .iter()
                .find(|(f, _)| *f == field)
                .map(|(_, h)| h.clone())
        };
        let duplicate = |field: Field, value: &str, first: usize| RowError {
            row,
            column: header(field),
            message: format!("duplicate: {value:?} is also on row {first}"),
        };
        if let Some(tag) = &asset.asset_tag
            && let Some(&first) = self.tags.get(tag)
        {
            return Err(duplicate(Field::AssetTag, tag, first));
        }
        if let Some(serial) = &asset.serial
            && let Some(&first) = self.serials.get(serial)
        {
            return Err(duplicate(Field::Serial, serial, first));
        }
        if let Some(tag) = &asset.asset_tag {
            self.tags.insert(tag.clone(), row);
        }
        if let Some(serial) = &asset.serial {
            self.serials.insert(serial.clone(), row);
        }
        Ok(())
    }
}

fn csv_error(row: usize, err: &csv::Error) -> DocumentError {
    DocumentError::Refused(format!("row {row}: malformed CSV: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(name: &str, tag: Option<&str>) -> AssetRecord {
        AssetRecord {
            name: name.to_owned(),
            kind: AssetKind::Printer,
            asset_tag: tag.map(str::to_owned),
            serial: None,
            vendor: Some("=HYPERLINK(\"x\")".to_owned()),
            model: Some("-12".to_owned()),
            location: Some("Floor 2, room \"A\"\nwest".to_owned()),
            owner: Some("'=quoted".to_owned()),
            tags: vec!["a".to_owned(), "b c".to_owned()],
            notes: Some("@home".to_owned()),
        }
    }

    #[test]
    fn an_export_reads_back_unchanged() {
        let assets = vec![asset("printer-1", Some("T1")), asset("printer-2", None)];
        let bytes = write(&assets);
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        assert!(text.contains("'=HYPERLINK"), "{text}");
        assert!(text.contains(",-12,"), "{text}");
        let sheet = read(&bytes, &Limits::DEFAULT).expect("read");
        assert_eq!(sheet.errors, vec![]);
        let back: Vec<AssetRecord> = sheet.rows.into_iter().map(|r| r.record).collect();
        assert_eq!(back, assets);
    }

    #[test]
    fn bom_headers_in_any_spelling_and_quoted_newlines() {
        let text = "\u{feff}Asset_Tag,Name,TYPE,Serial Number,Tags\n\
                    A-1,\"core, switch\",switch,SN1,\"x;y\"\n\
                    ,\"line\nbreak\",phone,,\n";
        let sheet = read(text.as_bytes(), &Limits::DEFAULT).expect("read");
        assert_eq!(sheet.errors, vec![]);
        assert_eq!(sheet.rows.len(), 2);
        assert_eq!(sheet.rows[0].record.name, "core, switch");
        assert_eq!(sheet.rows[0].record.kind, AssetKind::NetworkDevice);
        assert_eq!(sheet.rows[0].record.asset_tag.as_deref(), Some("A-1"));
        assert_eq!(sheet.rows[0].record.tags, vec!["x", "y"]);
        assert_eq!(sheet.rows[1].record.name, "line\nbreak");
        assert_eq!(sheet.rows[1].row, 3);
    }

    #[test]
    fn bad_rows_and_duplicates_are_listed_by_row_and_column() {
        let text = "name,kind,asset tag,serial\n\
                    a,printer,T1,S1\n\
                    b,toaster,T2,S2\n\
                    c,phone,T1,S3\n\
                    d,phone,T4,S1\n\
                    ,phone,T5,S5\n";
        let sheet = read(text.as_bytes(), &Limits::DEFAULT).expect("read");
        let errors: Vec<String> = sheet.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            vec![
                "row 3, column \"kind\": unknown asset kind \"toaster\": expected \
                 network-device, printer, phone, saas or other",
                "row 4, column \"asset tag\": duplicate: \"T1\" is also on row 2",
                "row 5, column \"serial\": duplicate: \"S1\" is also on row 2",
                "row 6, column \"name\": the name is empty",
            ]
        );
        assert_eq!(sheet.rows.len(), 1);
    }

    #[test]
    fn unknown_columns_and_a_missing_name_refuse_the_file() {
        let err = read(b"name,colour\nx,red\n", &Limits::DEFAULT).unwrap_err();
        assert!(
            err.to_string().contains("unknown column \"colour\""),
            "{err}"
        );
        let err = read(b"kind\nprinter\n", &Limits::DEFAULT).unwrap_err();
        assert!(err.to_string().contains("no name column"), "{err}");
        let err = read(b"", &Limits::DEFAULT).unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }
}
