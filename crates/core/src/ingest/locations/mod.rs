//! Reading a location list: one row per observation, or a row with no `ip` for a
//! location with coordinates only (the gazetteer is such a list).

pub mod formats;
mod geojson;
mod kml;
pub mod misp;
pub mod sample;
pub mod stix;
pub mod stix_pattern;
mod table;

pub use formats::{LocationFormat, detect_location_format};

use super::headers::{ColumnMap, LocationField};
use super::reader::{CsvHeader, FileError, Piece, read_csv};
use super::reports::unterminated_quote_issue;
use super::{ImportOptions, Input, RowIssues, shown_value, start_row, text_of};
use crate::model::{FileKind, Issue, Location, Observation, SourceFile};
use crate::values::address::parse_address_set;
use crate::values::progress::Progress;
use crate::values::scalars::{parse_degrees, parse_flag, parse_port_range};
use crate::values::time::{DateOnly, parse_time};

/// One parsed row: the location it names, and its observation if it has an `ip`.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationRow {
    pub location: Location,
    pub observation: Option<Observation>,
}

/// One location list read on its own.
#[derive(Debug, Clone, Default)]
pub struct LocationsFile {
    pub source: Option<SourceFile>,
    pub rows: Vec<LocationRow>,
    pub issues: Vec<Issue>,
}

struct Context {
    columns: ColumnMap<LocationField>,
    extras: Vec<(usize, String)>,
    width: usize,
    options: ImportOptions,
}

#[derive(Default)]
struct PieceOut {
    rows: Vec<LocationRow>,
    issues: Vec<Issue>,
    rows_rejected: u64,
    rows_with_warnings: u64,
}

/// A location id from a name: lowercase letters and digits joined by dashes ("KK Park" → "kk-park").
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// One row being read: its fields under the file's header.
struct Row<'a> {
    ctx: &'a Context,
    fields: &'a [&'a [u8]],
    line: u64,
}

impl<'a> Row<'a> {
    /// The field's column name and trimmed bytes, when the file has the field.
    fn raw(&self, field: LocationField) -> Option<(&'a str, &'a [u8])> {
        let columns = &self.ctx.columns;
        columns
            .column(field)
            .map(|i| (columns.header[i].as_str(), self.fields[i].trim_ascii()))
    }

    /// The field's bytes when the file has it and the cell is not empty.
    fn present(&self, field: LocationField) -> Option<(&'a str, &'a [u8])> {
        self.raw(field).filter(|(_, b)| !b.is_empty())
    }

    fn text(&self, field: LocationField, issues: &mut RowIssues) -> String {
        self.raw(field)
            .map(|(column, bytes)| text_of(column, bytes, issues).into_owned())
            .unwrap_or_default()
    }

    /// A latitude or longitude; an unreadable one is dropped with a warning.
    fn degrees(&self, field: LocationField, limit: f64, issues: &mut RowIssues) -> Option<f64> {
        let (column, bytes) = self.present(field)?;
        match parse_degrees(&String::from_utf8_lossy(bytes), limit) {
            Ok(v) => Some(v),
            Err(e) => {
                issues.warning(
                    column,
                    &shown_value(bytes),
                    format!("{e}; the coordinate was dropped"),
                );
                None
            }
        }
    }

    /// One end of the observation window; an unreadable one rejects the row, since a
    /// wrong window would change match strengths.
    fn window_bound(
        &self,
        field: LocationField,
        date_only: DateOnly,
        issues: &mut RowIssues,
    ) -> Option<i64> {
        let (column, bytes) = self.present(field)?;
        match parse_time(
            &String::from_utf8_lossy(bytes),
            self.ctx.options.time,
            date_only,
        ) {
            Ok(parsed) => {
                if let Some(w) = parsed.warning {
                    issues.warning(column, &shown_value(bytes), w);
                }
                Some(parsed.nanos)
            }
            Err(e) => {
                issues.error(
                    column,
                    &shown_value(bytes),
                    format!("{e}; a wrong window would change match strengths"),
                );
                None
            }
        }
    }

    fn line(&self) -> u32 {
        self.line.min(u64::from(u32::MAX)) as u32
    }
}

/// The attributes an observation carries besides its addresses, window and ports.
struct Attributes {
    source: String,
    confidence: String,
    notes: String,
    extras: Vec<(String, String)>,
}

fn parse_row(ctx: &Context, line: u64, fields: &[&[u8]], out: &mut PieceOut) {
    let Some(mut issues) = start_row(
        line,
        fields,
        ctx.width,
        &mut out.rows_rejected,
        &mut out.issues,
    ) else {
        return;
    };
    let row = Row { ctx, fields, line };
    let mut location = location_of(&row, &mut issues);
    let attributes = Attributes {
        source: row.text(LocationField::Source, &mut issues),
        confidence: row.text(LocationField::Confidence, &mut issues),
        notes: row.text(LocationField::Notes, &mut issues),
        extras: ctx
            .extras
            .iter()
            .map(|(i, column)| {
                let value = text_of(column, fields[*i].trim_ascii(), &mut issues);
                (column.clone(), value.into_owned())
            })
            .filter(|(_, v)| !v.is_empty())
            .collect(),
    };
    location.extras = attributes.extras.clone();
    let observation = match row.present(LocationField::Ip) {
        Some(ip) => observation_of(&row, ip, attributes, &mut issues),
        None => {
            describe_location(&row, attributes, &mut location, &mut issues);
            None
        }
    };
    if issues.has_errors() {
        out.rows_rejected += 1;
        out.issues.extend(issues.into_issues());
        return;
    }
    if issues.has_any() {
        out.rows_with_warnings += 1;
        out.issues.extend(issues.into_issues());
    }
    out.rows.push(LocationRow {
        location,
        observation,
    });
}

/// The location the row names: name (required), id (else derived from the name),
/// country and coordinates.
fn location_of(row: &Row, issues: &mut RowIssues) -> Location {
    let name = row.text(LocationField::Name, issues);
    if name.is_empty() {
        let column = row.raw(LocationField::Name).map_or("name", |(c, _)| c);
        issues.error(column, "", "the location name is empty".into());
    }
    let given_id = row.text(LocationField::LocationId, issues);
    let id = if given_id.is_empty() {
        slug(&name)
    } else {
        given_id
    };
    let country = row.text(LocationField::Country, issues);
    let lat = row.degrees(LocationField::Lat, 90.0, issues);
    let lon = row.degrees(LocationField::Lon, 180.0, issues);
    Location {
        id,
        name,
        country,
        lat,
        lon,
        extras: Vec::new(),
        outline: None,
        file: 0,
        line: row.line(),
    }
}

/// The row's observation: its address set, window, ports and shared flag. `None` when
/// the address set cannot be read (the row is then rejected).
fn observation_of(
    row: &Row,
    (ip_column, ip_bytes): (&str, &[u8]),
    attributes: Attributes,
    issues: &mut RowIssues,
) -> Option<Observation> {
    let set = match parse_address_set(&String::from_utf8_lossy(ip_bytes)) {
        Ok(parsed) => {
            if let Some(w) = parsed.warning {
                issues.warning(ip_column, &shown_value(ip_bytes), w);
            }
            Some(parsed.set)
        }
        Err(e) => {
            issues.error(ip_column, &shown_value(ip_bytes), e.to_string());
            None
        }
    };
    let first_seen = row.window_bound(LocationField::FirstSeen, DateOnly::StartOfDay, issues);
    let last_seen = row.window_bound(LocationField::LastSeen, DateOnly::EndOfDay, issues);
    if let (Some(first), Some(last)) = (first_seen, last_seen)
        && first > last
    {
        let column = row
            .raw(LocationField::FirstSeen)
            .map_or("first_seen", |(c, _)| c);
        issues.error(column, "", "first_seen is after last_seen".into());
    }
    let ports = row
        .present(LocationField::Ports)
        .and_then(|(column, bytes)| {
            parse_port_range(&String::from_utf8_lossy(bytes))
                .map_err(|e| {
                    issues.warning(
                        column,
                        &shown_value(bytes),
                        format!("{e}; the port restriction was dropped, so any port matches"),
                    )
                })
                .ok()
        });
    let shared = match row.present(LocationField::Shared) {
        None => false,
        Some((column, bytes)) => parse_flag(&String::from_utf8_lossy(bytes)).unwrap_or_else(|e| {
            issues.warning(
                column,
                &shown_value(bytes),
                format!("{e}; taken as not shared"),
            );
            false
        }),
    };
    Some(Observation {
        location: 0,
        addresses: set?,
        ports,
        first_seen,
        last_seen,
        shared,
        source: attributes.source,
        confidence: attributes.confidence,
        notes: attributes.notes,
        extras: attributes.extras,
        file: 0,
        line: row.line(),
    })
}

/// A row without an address describes the location itself: its source, confidence and
/// notes become the location's attributes; window and ports are ignored with a warning.
fn describe_location(
    row: &Row,
    attributes: Attributes,
    location: &mut Location,
    issues: &mut RowIssues,
) {
    for field in [
        LocationField::FirstSeen,
        LocationField::LastSeen,
        LocationField::Ports,
    ] {
        if let Some((column, bytes)) = row.present(field) {
            issues.warning(
                column,
                &shown_value(bytes),
                "ignored: the row has no ip".into(),
            );
        }
    }
    for (key, value) in [
        ("source", attributes.source),
        ("confidence", attributes.confidence),
        ("notes", attributes.notes),
    ] {
        if !value.is_empty() {
            location.extras.push((key.to_string(), value));
        }
    }
}

fn parse_piece(ctx: &Context, piece: &Piece) -> PieceOut {
    let mut out = PieceOut::default();
    piece.for_each_record(|line, fields| parse_row(ctx, line, fields, &mut out));
    out
}

/// Read one location list in any format (see [`formats`]). `columns` overrides the
/// mapping found from a CSV's or spreadsheet's header (the import preview's choice).
pub fn read_locations(
    input: &Input,
    options: ImportOptions,
    columns: Option<ColumnMap<LocationField>>,
    progress: &Progress,
) -> Result<LocationsFile, FileError> {
    read_locations_from(input, options, columns, None, progress)
}

/// [`read_locations`] with the sheet to read from a spreadsheet (else the first sheet
/// whose header names a location's name).
pub fn read_locations_from(
    input: &Input,
    options: ImportOptions,
    columns: Option<ColumnMap<LocationField>>,
    sheet: Option<&str>,
    progress: &Progress,
) -> Result<LocationsFile, FileError> {
    let format = super::formats::detect(input).map_err(|source| FileError::Io {
        path: input.label(),
        source,
    })?;
    match format {
        super::formats::Format::Csv => read_csv_locations(input, options, columns, progress),
        other => formats::read_other(input, other, options, columns, sheet, progress),
    }
}

/// Read one location list in CSV.
fn read_csv_locations(
    input: &Input,
    options: ImportOptions,
    columns: Option<ColumnMap<LocationField>>,
    progress: &Progress,
) -> Result<LocationsFile, FileError> {
    let mut file = LocationsFile::default();
    let (mut rejected, mut warned) = (0, 0);
    let mut extra_columns = Vec::new();
    let on_header = |header: &CsvHeader| {
        let columns = super::columns_for(
            input,
            header,
            columns,
            &LocationField::ALL,
            &LocationField::REQUIRED,
            LocationField::names,
        )?;
        let extras = columns.extras();
        extra_columns = extras.iter().map(|(_, n)| n.clone()).collect();
        Ok(Context {
            width: header.names.len(),
            extras,
            columns,
            options,
        })
    };
    let facts = read_csv(
        input,
        progress,
        on_header,
        parse_piece,
        |piece: PieceOut, lines_before| {
            rejected += piece.rows_rejected;
            warned += piece.rows_with_warnings;
            let offset = lines_before.min(u64::from(u32::MAX)) as u32;
            file.rows.extend(piece.rows.into_iter().map(|mut row| {
                row.location.line = row.location.line.saturating_add(offset);
                if let Some(o) = &mut row.observation {
                    o.line = o.line.saturating_add(offset);
                }
                row
            }));
            file.issues.extend(piece.issues.into_iter().map(|mut i| {
                i.line += lines_before;
                i
            }));
        },
    )?;
    if let Some(line) = facts.unterminated_quote_line {
        rejected += 1;
        file.issues.push(unterminated_quote_issue(line));
    }
    file.source = Some(SourceFile {
        path: input.label(),
        kind: FileKind::Locations,
        size: facts.size,
        sha256: facts.sha256,
        rows_accepted: file.rows.len() as u64,
        rows_rejected: rejected,
        rows_with_warnings: warned,
        duplicate_events: 0,
        extra_columns,
    });
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("KK Park"), "kk-park");
        assert_eq!(
            slug("  Payathonzu / Three Pagodas Pass "),
            "payathonzu-three-pagodas-pass"
        );
        assert_eq!(slug("O'Smach"), "o-smach");
    }
}
