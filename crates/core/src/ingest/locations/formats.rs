//! Location lists that are not CSV: which format a file is in (from its content, the
//! name's ending as a hint), and reading it into rows of the CSV contract.

use super::super::formats::ordered::Json;
use super::super::formats::{Format, sheet};
use super::super::headers::{ColumnMap, LocationField};
use super::super::reader::FileError;
use super::super::{ImportOptions, Input};
use super::table::Table;
use super::{LocationsFile, geojson, kml, misp, stix};
use crate::values::progress::Progress;
use std::io::Read;
use std::sync::atomic::Ordering;

/// A location list larger than this is refused: lists are read whole, and the largest
/// published ones are a few megabytes.
pub(crate) const MAX_LIST_BYTES: usize = 256 << 20;

/// The kind of a location list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationFormat {
    Csv,
    /// xlsx, xlsm, xls or ods.
    Spreadsheet,
    GeoJson,
    Kml,
    /// KML zipped, as Google Earth saves it.
    Kmz,
    Stix,
    Misp,
}

impl LocationFormat {
    /// How the format is named to the user.
    pub fn label(self) -> &'static str {
        match self {
            LocationFormat::Csv => "CSV",
            LocationFormat::Spreadsheet => "spreadsheet",
            LocationFormat::GeoJson => "GeoJSON",
            LocationFormat::Kml => "KML",
            LocationFormat::Kmz => "KMZ",
            LocationFormat::Stix => "STIX 2.1 bundle",
            LocationFormat::Misp => "MISP event",
        }
    }
}

/// A file's bytes, read whole (lists are small), with its size and SHA-256.
pub(crate) struct Whole {
    pub bytes: Vec<u8>,
    pub sha256: String,
}

/// Read a file whole, refusing one larger than [`MAX_LIST_BYTES`].
pub(crate) fn read_whole(input: &Input) -> Result<Whole, FileError> {
    let mut bytes = Vec::new();
    input
        .open()
        .and_then(|r| r.take(MAX_LIST_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(|source| FileError::Io {
            path: input.label(),
            source,
        })?;
    if bytes.len() > MAX_LIST_BYTES {
        return Err(refuse(
            input,
            format!(
                "a location list larger than {} MiB is not read",
                MAX_LIST_BYTES >> 20
            ),
        ));
    }
    let sha256 = crate::values::text::sha256_hex(&bytes);
    Ok(Whole { bytes, sha256 })
}

pub(crate) fn refuse(input: &Input, reason: String) -> FileError {
    FileError::NotText {
        path: input.label(),
        reason,
    }
}

/// The format of a location list; JSON is told apart by its structure.
pub fn detect_location_format(input: &Input) -> Result<LocationFormat, FileError> {
    let format = super::super::formats::detect(input).map_err(|source| FileError::Io {
        path: input.label(),
        source,
    })?;
    match format {
        Format::Json => {
            let whole = read_whole(input)?;
            Ok(json_kind(input, &parse_json(input, &whole.bytes)?)?)
        }
        other => format_kind(input, other),
    }
}

/// The kind of a file that is not JSON.
fn format_kind(input: &Input, format: Format) -> Result<LocationFormat, FileError> {
    match format {
        Format::Csv => Ok(LocationFormat::Csv),
        Format::Spreadsheet => Ok(LocationFormat::Spreadsheet),
        Format::Xml => Ok(LocationFormat::Kml),
        Format::Zip => Ok(LocationFormat::Kmz),
        Format::Json => unreachable!("JSON is told apart by its structure"),
        other => Err(refuse(
            input,
            format!(
                "a {} is not a location list (a location list is CSV, a spreadsheet, GeoJSON, KML or KMZ, a STIX 2.1 bundle or a MISP event)",
                other.label()
            ),
        )),
    }
}

fn parse_json(input: &Input, bytes: &[u8]) -> Result<Json, FileError> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice(text).map_err(|e| {
        refuse(
            input,
            format!("line {}:{}: not valid JSON: {e}", e.line(), e.column()),
        )
    })
}

/// GeoJSON, STIX or MISP, from the document's root.
fn json_kind(input: &Input, root: &Json) -> Result<LocationFormat, FileError> {
    let member = |key: &str| match root {
        Json::Object(o) => o.get(key),
        _ => None,
    };
    let type_is = |want: &str| member("type").and_then(Json::as_str) == Some(want);
    if type_is("FeatureCollection") || type_is("Feature") {
        return Ok(LocationFormat::GeoJson);
    }
    if type_is("bundle") {
        return Ok(LocationFormat::Stix);
    }
    let misp_list = matches!(root, Json::Array(items) if items.iter().all(|i| matches!(i, Json::Object(o) if o.contains_key("Event"))));
    if member("Event").is_some() || member("response").is_some() || misp_list {
        return Ok(LocationFormat::Misp);
    }
    Err(refuse(
        input,
        "JSON that is not a location list: expected a GeoJSON FeatureCollection or Feature, a STIX 2.1 bundle (\"type\": \"bundle\") or a MISP event ({\"Event\": …}, a list of them, or {\"response\": […]})".into(),
    ))
}

/// Read a location list that is not CSV.
pub(crate) fn read_other(
    input: &Input,
    format: Format,
    options: ImportOptions,
    columns: Option<ColumnMap<LocationField>>,
    sheet: Option<&str>,
    progress: &Progress,
) -> Result<LocationsFile, FileError> {
    let kind = format_kind_or_json(input, format)?;
    let whole = read_whole(input)?;
    let size = whole.bytes.len() as u64;
    progress.bytes_total.fetch_add(size, Ordering::Relaxed);
    progress.check()?;
    let mut table = Table::default();
    match kind {
        None => {
            let root = parse_json(input, &whole.bytes)?;
            match json_kind(input, &root)? {
                LocationFormat::GeoJson => geojson::read(&root, &mut table),
                LocationFormat::Stix => stix::read(&root, &mut table),
                _ => misp::read(&root, &mut table),
            }
        }
        Some(LocationFormat::Spreadsheet) => {
            read_spreadsheet(input, &whole.bytes, columns, sheet, &mut table)?
        }
        Some(LocationFormat::Kml) => kml::read(&whole.bytes, "", &mut table),
        Some(_) => kml::read_kmz(input, &whole.bytes, &mut table)?,
    }
    progress.bytes_done.fetch_add(size, Ordering::Relaxed);
    Ok(table.finish(input, options, size, whole.sha256))
}

/// The kind of a file, or `None` for JSON (told apart once parsed).
fn format_kind_or_json(input: &Input, format: Format) -> Result<Option<LocationFormat>, FileError> {
    match format {
        Format::Json => Ok(None),
        other => format_kind(input, other).map(Some),
    }
}

/// A spreadsheet's rows by the CSV's columns: the first sheet whose header names a
/// location's name, or the sheet asked for.
fn read_spreadsheet(
    input: &Input,
    bytes: &[u8],
    columns: Option<ColumnMap<LocationField>>,
    wanted: Option<&str>,
    table: &mut Table,
) -> Result<(), FileError> {
    let mut workbook = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| refuse(input, format!("not a readable spreadsheet: {e}")))?;
    let chosen = sheet::choose_sheet(&mut workbook, wanted, columns)
        .map_err(|reason| refuse(input, reason))?;
    let (first_column, rows) = sheet::sheet_rows(&mut workbook, &chosen);
    let header = &chosen.columns.header;
    for (row_index, texts) in rows {
        if texts.iter().all(String::is_empty) {
            continue;
        }
        let line = row_index as u64 + 1;
        let place = |c: usize| {
            let letters = sheet::column_letters(c + first_column as usize);
            format!("{}!{letters}{line}", chosen.name)
        };
        let mut draft = table.draft(line, place(0));
        for (c, text) in texts.into_iter().enumerate() {
            let Some(name) = header.get(c).filter(|_| !text.is_empty()) else {
                continue;
            };
            match chosen.columns.fields.iter().find(|(_, i)| *i == c) {
                Some(&(field, _)) => draft.set_field(field, text, place(c)),
                // A second column for a field: kept as an extra attribute, with a warning.
                None if chosen.columns.duplicates.contains(&c) => {
                    draft.set(table, name, text, place(c))
                }
                None => draft.set_extra(table, name, text, place(c)),
            }
        }
        table.push(draft);
    }
    Ok(())
}
