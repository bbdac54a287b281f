//! A look at the start of a file before importing it: the delimiter, the header, the
//! column mapping the tool would use, and the first rows as they will be read, with
//! each value's reading or the reason it would be rejected. The import preview shows
//! this so that the user can correct the mapping, time zone and day/month order.

use super::headers::{ColumnMap, LocationField, ReportField};
use super::locations::slug;
use super::reader::{FileError, sniff_delimiter};
use crate::model::Party;
use crate::values::address::{
    format_address, format_address_set, parse_address_bytes, parse_address_set,
};
use crate::values::scalars::{parse_flag, parse_port, parse_port_range};
use crate::values::time::{DateOnly, TimeRules, format_time, parse_time};
use std::io::Read;
use std::path::Path;

/// How many bytes of the file are looked at.
const PREVIEW_BYTES: usize = 256 << 10;

/// The start of a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileStart {
    pub delimiter: u8,
    pub header: Vec<String>,
    /// `(line, raw fields)` of the first rows.
    pub rows: Vec<(u64, Vec<String>)>,
    /// Whether any sampled value looks like a slash date (`03/04/2023`).
    pub has_slash_dates: bool,
}

impl FileStart {
    pub fn delimiter_name(&self) -> &'static str {
        match self.delimiter {
            b';' => "semicolon",
            b'\t' => "tab",
            _ => "comma",
        }
    }
}

/// Read the header and up to `max_rows` rows from the start of a file.
pub fn file_start(path: &Path, max_rows: usize) -> Result<FileStart, FileError> {
    let mut bytes = Vec::with_capacity(PREVIEW_BYTES);
    std::fs::File::open(path)
        .and_then(|f| f.take(PREVIEW_BYTES as u64).read_to_end(&mut bytes))
        .map_err(|source| FileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if let Some(reason) = super::reader::not_text(&bytes) {
        return Err(FileError::NotText {
            path: path.to_path_buf(),
            reason,
        });
    }
    let truncated = bytes.len() == PREVIEW_BYTES;
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let first_line = text
        .split(|&b| b == b'\n')
        .find(|l| !l.trim_ascii().is_empty())
        .unwrap_or(&[]);
    let delimiter = sniff_delimiter(first_line);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text);
    let mut records = reader.byte_records();
    let to_strings = |r: &csv::ByteRecord| {
        r.iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .collect::<Vec<_>>()
    };
    let header = match records.next() {
        Some(Ok(record)) => to_strings(&record),
        _ => {
            return Err(FileError::Empty {
                path: path.to_path_buf(),
            });
        }
    };
    let mut rows = Vec::new();
    for record in records.by_ref().take(max_rows + 1) {
        let Ok(record) = record else { break };
        let line = record.position().map_or(0, |p| p.line());
        rows.push((line, to_strings(&record)));
    }
    // The last row read may have been cut by the preview's byte limit.
    if truncated || rows.len() > max_rows {
        rows.pop();
    }
    rows.truncate(max_rows);
    let has_slash_dates = rows
        .iter()
        .flat_map(|(_, r)| r.iter())
        .any(|v| looks_like_slash_date(v));
    Ok(FileStart {
        delimiter,
        header,
        rows,
        has_slash_dates,
    })
}

fn looks_like_slash_date(value: &str) -> bool {
    let date = value.split([' ', 'T']).next().unwrap_or("");
    let parts: Vec<&str> = date.split('/').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// One value as the import will read it: its reading, or why it is rejected or dropped.
pub type Reading = Result<String, String>;

fn cell<'a, F: Copy + PartialEq>(
    columns: &ColumnMap<F>,
    row: &'a [String],
    field: F,
) -> Option<&'a str> {
    columns
        .column(field)
        .and_then(|i| row.get(i))
        .map(String::as_str)
}

/// The reading of each mapped reports field in one row, in the order of `ReportField::ALL`.
pub fn read_report_row(
    columns: &ColumnMap<ReportField>,
    row: &[String],
    rules: TimeRules,
) -> Vec<(ReportField, Reading)> {
    ReportField::ALL
        .iter()
        .filter_map(|&field| {
            let value = cell(columns, row, field)?;
            let reading = match field {
                _ if value.is_empty() && ReportField::REQUIRED.contains(&field) => {
                    Err(format!("{} is empty", field.name()))
                }
                _ if value.is_empty() => Ok(String::new()),
                ReportField::Ip => parse_address_bytes(value.as_bytes())
                    .map(format_address)
                    .map_err(|e| e.to_string()),
                ReportField::EventTime => parse_time(value, rules, DateOnly::Reject)
                    .map(|t| format_time(t.nanos))
                    .map_err(|e| e.to_string()),
                ReportField::ReportDate => parse_time(value, rules, DateOnly::StartOfDay)
                    .map(|t| format_time(t.nanos))
                    .map_err(|e| e.to_string()),
                ReportField::Port => parse_port(value)
                    .map(|p| p.to_string())
                    .map_err(|e| e.to_string()),
                ReportField::PossibleProxy => parse_flag(value)
                    .map(|b| b.to_string())
                    .map_err(|e| e.to_string()),
                _ => Ok(value.to_string()),
            };
            Some((field, reading))
        })
        .collect()
}

/// The reading of each mapped location field in one row.
pub fn read_location_row(
    columns: &ColumnMap<LocationField>,
    row: &[String],
    rules: TimeRules,
) -> Vec<(LocationField, Reading)> {
    let mut readings: Vec<(LocationField, Reading)> = LocationField::ALL
        .iter()
        .filter_map(|&field| {
            let value = cell(columns, row, field)?;
            let reading = match field {
                LocationField::Name if value.is_empty() => {
                    Err("the location name is empty".to_string())
                }
                _ if value.is_empty() => Ok(String::new()),
                LocationField::Ip => parse_address_set(value)
                    .map(|p| format_address_set(p.set))
                    .map_err(|e| e.to_string()),
                LocationField::FirstSeen => parse_time(value, rules, DateOnly::StartOfDay)
                    .map(|t| format_time(t.nanos))
                    .map_err(|e| e.to_string()),
                LocationField::LastSeen => parse_time(value, rules, DateOnly::EndOfDay)
                    .map(|t| format_time(t.nanos))
                    .map_err(|e| e.to_string()),
                LocationField::Ports => parse_port_range(value)
                    .map(|p| p.to_string())
                    .map_err(|e| e.to_string()),
                LocationField::Shared => parse_flag(value)
                    .map(|b| b.to_string())
                    .map_err(|e| e.to_string()),
                _ => Ok(value.to_string()),
            };
            Some((field, reading))
        })
        .collect();
    if columns.column(LocationField::LocationId).is_none()
        && let Some(name) = cell(columns, row, LocationField::Name)
    {
        readings.insert(0, (LocationField::LocationId, Ok(slug(name))));
    }
    readings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_the_start_of_a_file_as_it_will_be_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tips.csv");
        let mut text = String::from("Tip ID;IP Address;Date Time;Notes\n");
        text.push_str("T1;203.0.113.7;03/04/2023 10:00;first\n");
        text.push_str("T2;203.0.113.07;2023-04-05T12:00:00Z;\n");
        for i in 0..30 {
            text.push_str(&format!("R{i};192.0.2.{i};2023-04-05 12:00:00;\n"));
        }
        std::fs::write(&path, text).unwrap();
        let start = file_start(&path, 10).unwrap();
        assert_eq!(start.delimiter_name(), "semicolon");
        assert_eq!(start.header, ["Tip ID", "IP Address", "Date Time", "Notes"]);
        assert_eq!(start.rows.len(), 10);
        assert_eq!(start.rows[0].0, 2);
        assert!(start.has_slash_dates);

        let columns = ColumnMap::from_header(&start.header, &ReportField::ALL, ReportField::names);
        let first = read_report_row(&columns, &start.rows[0].1, TimeRules::default());
        assert_eq!(first[0], (ReportField::ReportId, Ok("T1".into())));
        assert_eq!(first[1], (ReportField::Ip, Ok("203.0.113.7".into())));
        assert!(first[2].1.as_ref().unwrap_err().contains("ambiguous"));
        let second = read_report_row(&columns, &start.rows[1].1, TimeRules::default());
        assert!(second[1].1.as_ref().unwrap_err().contains("leading zero"));
        let day_first = TimeRules {
            date_order: Some(crate::values::time::DateOrder::DayFirst),
            ..TimeRules::default()
        };
        let fixed = read_report_row(&columns, &start.rows[0].1, day_first);
        assert_eq!(fixed[2].1, Ok("2023-04-03T10:00:00Z".into()));
    }

    #[test]
    fn location_rows_show_the_derived_id() {
        let header = vec!["Compound".to_string(), "CIDR".to_string()];
        let columns = ColumnMap::from_header(&header, &LocationField::ALL, LocationField::names);
        let readings = read_location_row(
            &columns,
            &["KK Park".into(), "198.51.100.77/24".into()],
            TimeRules::default(),
        );
        assert_eq!(
            readings[0],
            (LocationField::LocationId, Ok("kk-park".into()))
        );
        assert_eq!(
            readings[2],
            (LocationField::Ip, Ok("198.51.100.0/24".into()))
        );
    }
}

/// What the first events of a report file in a format other than CSV read as: the
/// import preview shows it before the whole file is read.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportsSample {
    pub format: super::formats::Format,
    /// The whole input was read; otherwise the figures are of its first
    /// [`SAMPLE_EVENTS`] events.
    pub complete: bool,
    pub reports: usize,
    pub events: usize,
    /// Events by party in [`Party::ALL`]'s order, those without one last.
    pub parties: Vec<(Option<Party>, usize)>,
    /// The first events as they will be read.
    pub first: Vec<SampleEvent>,
    /// The names of the fields kept as extra attributes.
    pub kept: Vec<String>,
    /// Rejects and warnings of the part read, in file order.
    pub issues: Vec<crate::model::Issue>,
    /// The sheets of a spreadsheet, in workbook order.
    pub sheets: Vec<String>,
}

/// One event of a [`ReportsSample`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleEvent {
    pub line: u32,
    pub report_id: String,
    pub party: Option<Party>,
    pub ip: String,
    pub time: String,
    pub port: Option<u16>,
    pub event_name: String,
    /// The extra attributes this event has, as `(name, value)`.
    pub kept: Vec<(String, String)>,
}

/// How many events a sample reads at most; readers stop at the block that reaches it.
pub const SAMPLE_EVENTS: usize = 2_000;
/// How many of the sample's events are shown.
const SAMPLE_SHOWN: usize = 12;
/// How much of a compressed CSV is decompressed for its sample.
const SAMPLE_DECOMPRESSED_BYTES: u64 = 1 << 20;

/// Read the start of a reports file that is not plain CSV, as the import will read it.
pub fn sample_reports(
    input: &super::Input,
    options: super::ImportOptions,
    sheet: Option<&str>,
    progress: &crate::values::progress::Progress,
) -> Result<ReportsSample, FileError> {
    use super::formats::{Format, ReadContext, detect, read_reports_as};
    let io_error = |source| FileError::Io {
        path: input.label(),
        source,
    };
    let format = detect(input).map_err(io_error)?;
    let decompressed = super::Input::Decompressed(Box::new(input.clone()));
    if matches!(format, Format::Gzip | Format::Zstd)
        && detect(&decompressed).map_err(io_error)? == Format::Csv
    {
        let (memory, complete) = csv_start(&decompressed).map_err(io_error)?;
        let file = super::reports::read_csv_reports(&memory, options, None, progress)?;
        return Ok(summarise(format, &file, complete, Vec::new()));
    }
    let ctx = ReadContext {
        input,
        options,
        columns: None,
        sheet,
        progress,
        sample_events: SAMPLE_EVENTS,
        enough: Default::default(),
    };
    let file = read_reports_as(format, &ctx)?;
    let complete = !ctx.enough.load(std::sync::atomic::Ordering::Relaxed);
    let sheets = match (format, input) {
        (Format::Spreadsheet, super::Input::File(path)) => super::formats::sheet::sheet_names(path),
        _ => Vec::new(),
    };
    Ok(summarise(format, &file, complete, sheets))
}

/// The first lines of a decompressed CSV, cut at a line end, in memory.
fn csv_start(decompressed: &super::Input) -> std::io::Result<(super::Input, bool)> {
    let mut bytes = Vec::new();
    decompressed
        .open()?
        .take(SAMPLE_DECOMPRESSED_BYTES)
        .read_to_end(&mut bytes)?;
    let complete = (bytes.len() as u64) < SAMPLE_DECOMPRESSED_BYTES;
    if !complete && let Some(end) = memchr::memrchr(b'\n', &bytes) {
        bytes.truncate(end + 1);
    }
    let name = decompressed.label().to_string_lossy().into_owned();
    Ok((
        super::Input::Memory {
            name,
            bytes: bytes.into(),
        },
        complete,
    ))
}

fn summarise(
    format: super::formats::Format,
    file: &super::reports::ReportsFile,
    complete: bool,
    sheets: Vec<String>,
) -> ReportsSample {
    let events = &file.events;
    // Readers stop at the end of a block: the sample is the first events of it.
    let sampled = if complete {
        events.len()
    } else {
        events.len().min(SAMPLE_EVENTS)
    };
    let reports: std::collections::HashSet<u32> =
        events.report[..sampled].iter().copied().collect();
    let mut counts = [0usize; Party::ALL.len() + 1];
    for e in 0..sampled {
        let slot = events
            .party_of(e)
            .map_or(Party::ALL.len(), |p| p as usize - 1);
        counts[slot] += 1;
    }
    let parties = Party::ALL
        .iter()
        .map(|&p| Some(p))
        .chain([None])
        .zip(counts)
        .filter(|&(_, n)| n > 0)
        .collect();
    let kept = file
        .source
        .as_ref()
        .map(|s| s.extra_columns.clone())
        .unwrap_or_default();
    let first = (0..sampled.min(SAMPLE_SHOWN))
        .map(|e| sample_event(file, e, &kept))
        .collect();
    ReportsSample {
        format,
        complete,
        reports: reports.len(),
        events: sampled,
        parties,
        first,
        kept,
        issues: file.issues.clone(),
        sheets,
    }
}

fn sample_event(file: &super::reports::ReportsFile, e: usize, names: &[String]) -> SampleEvent {
    use crate::model::event_flags::HAS_PORT;
    let events = &file.events;
    let values = file
        .extras
        .iter()
        .find(|(event, _)| *event as usize == e)
        .map_or(&[][..], |(_, values)| &values[..]);
    SampleEvent {
        line: events.line[e],
        report_id: file.reports.id(events.report[e]).to_string(),
        party: events.party_of(e),
        ip: format_address(events.addr[e]),
        time: format_time(events.time[e]),
        port: (events.flags[e] & HAS_PORT != 0).then_some(events.port[e]),
        event_name: file.strings.get(events.name[e]).to_string(),
        kept: names
            .iter()
            .zip(values)
            .filter(|(_, v)| !v.is_empty())
            .map(|(n, v)| (n.clone(), v.to_string()))
            .collect(),
    }
}
