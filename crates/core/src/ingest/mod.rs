//! Reading report files and location lists into a [`Dataset`], by the rules of the
//! file contract (design.md §3 "Reading").
//!
//! A file is first read on its own ([`read_reports`], [`read_locations`]); only a file
//! that was read completely is added to the dataset, so a failed or cancelled import
//! leaves the dataset as it was.

pub mod formats;
pub mod headers;
pub mod locations;
pub mod preview;
pub mod reader;
pub(crate) mod records;
pub mod reports;

pub use locations::{LocationsFile, read_locations, read_locations_from};
pub use reader::FileError;
pub use reports::{ReportsFile, read_reports};

use crate::model::{Dataset, Issue, Location, NO_TIME, Severity, SourceFile};
use crate::values::time::TimeRules;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::path::PathBuf;

/// Where a file's bytes come from: a file on disk, or data built into the program
/// (the sample data and the gazetteer the workbench opens with).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Embedded {
        name: &'static str,
        bytes: &'static [u8],
    },
    /// A file inside an archive, read into memory.
    Memory {
        name: String,
        bytes: std::sync::Arc<[u8]>,
    },
    /// A gzip- or zstd-compressed file, read decompressed.
    Decompressed(Box<Input>),
}

/// A reader that can also seek (a zip archive's central directory is at its end).
pub trait ReadSeek: std::io::Read + std::io::Seek + Send {}
impl<T: std::io::Read + std::io::Seek + Send> ReadSeek for T {}

impl Input {
    /// The name shown to the user and written to `summary.json` and error lists.
    pub fn label(&self) -> PathBuf {
        match self {
            Input::File(path) => path.clone(),
            Input::Embedded { name, .. } => PathBuf::from(format!("(built in) {name}")),
            Input::Memory { name, .. } => PathBuf::from(name),
            Input::Decompressed(inner) => inner.label(),
        }
    }

    pub fn size(&self) -> std::io::Result<u64> {
        match self {
            Input::File(path) => Ok(std::fs::metadata(path)?.len()),
            Input::Embedded { bytes, .. } => Ok(bytes.len() as u64),
            Input::Memory { bytes, .. } => Ok(bytes.len() as u64),
            Input::Decompressed(inner) => inner.size(),
        }
    }

    pub fn open(&self) -> std::io::Result<Box<dyn std::io::Read + Send>> {
        match self {
            Input::File(path) => Ok(Box::new(std::fs::File::open(path)?)),
            Input::Embedded { bytes, .. } => Ok(Box::new(*bytes)),
            Input::Memory { bytes, .. } => Ok(Box::new(std::io::Cursor::new(bytes.clone()))),
            Input::Decompressed(inner) => {
                let raw = inner.open()?;
                let format = formats::detect(inner)?;
                formats::containers::decoder(format, raw)
            }
        }
    }

    /// The bytes as given (not decompressed), seekable.
    pub fn open_seekable(&self) -> std::io::Result<Box<dyn ReadSeek>> {
        match self {
            Input::File(path) => Ok(Box::new(std::fs::File::open(path)?)),
            Input::Embedded { bytes, .. } => Ok(Box::new(std::io::Cursor::new(*bytes))),
            Input::Memory { bytes, .. } => Ok(Box::new(std::io::Cursor::new(bytes.clone()))),
            Input::Decompressed(inner) => inner.open_seekable(),
        }
    }
}

impl From<PathBuf> for Input {
    fn from(path: PathBuf) -> Self {
        Input::File(path)
    }
}

impl From<&std::path::Path> for Input {
    fn from(path: &std::path::Path) -> Self {
        Input::File(path.to_path_buf())
    }
}

/// Whether a file is a reports file or a location list: for files dropped on the window.
/// A CSV or spreadsheet by its header row; GeoJSON, KML, KMZ, a STIX bundle or a MISP
/// event is a location list; report XML, other JSON, a folder or an archive is
/// reports. `None` when neither kind's required columns are there.
pub fn classify(path: &std::path::Path) -> Option<crate::model::FileKind> {
    use crate::model::FileKind;
    use std::io::Read;
    let input = Input::File(path.to_path_buf());
    match formats::detect(&input).ok()? {
        formats::Format::Csv => {}
        formats::Format::Spreadsheet => return classify_spreadsheet(path),
        formats::Format::Json | formats::Format::Xml | formats::Format::Zip => {
            return Some(match locations::detect_location_format(&input) {
                Ok(
                    locations::LocationFormat::GeoJson
                    | locations::LocationFormat::Stix
                    | locations::LocationFormat::Misp,
                ) => FileKind::Locations,
                Ok(locations::LocationFormat::Kml) if is_kml(path) => FileKind::Locations,
                Ok(locations::LocationFormat::Kmz) if is_kmz(path) => FileKind::Locations,
                _ => FileKind::Reports,
            });
        }
        _ => return Some(FileKind::Reports),
    }
    let mut head = vec![0u8; 64 << 10];
    let read = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .ok()?;
    head.truncate(read);
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    let first_line = text
        .split(|&b| b == b'\n')
        .find(|l| !l.trim_ascii().is_empty())?;
    let delimiter = reader::sniff_delimiter(first_line);
    let names: Vec<String> = first_line
        .split(|&b| b == delimiter)
        .map(|f| {
            String::from_utf8_lossy(f)
                .trim()
                .trim_matches('"')
                .to_string()
        })
        .collect();
    let reports = headers::ColumnMap::from_header(
        &names,
        &headers::ReportField::ALL,
        headers::ReportField::names,
    );
    if headers::ReportField::REQUIRED
        .iter()
        .all(|&f| reports.column(f).is_some())
    {
        return Some(crate::model::FileKind::Reports);
    }
    let locations = headers::ColumnMap::from_header(
        &names,
        &headers::LocationField::ALL,
        headers::LocationField::names,
    );
    locations
        .column(headers::LocationField::Name)
        .map(|_| crate::model::FileKind::Locations)
}

/// A spreadsheet's kind: reports when a sheet's header names report_id, ip and
/// event_time, else a location list when one names a name.
fn classify_spreadsheet(path: &std::path::Path) -> Option<crate::model::FileKind> {
    let mut workbook = calamine::open_workbook_auto(path).ok()?;
    let reports =
        formats::sheet::choose_sheet::<_, headers::ReportField>(&mut workbook, None, None);
    if reports.is_ok() {
        return Some(crate::model::FileKind::Reports);
    }
    let locations =
        formats::sheet::choose_sheet::<_, headers::LocationField>(&mut workbook, None, None);
    locations
        .is_ok()
        .then_some(crate::model::FileKind::Locations)
}

/// An XML file that is KML: its root is `<kml>` (report XML has `<report>`).
fn is_kml(path: &std::path::Path) -> bool {
    use std::io::Read;
    let mut head = vec![0u8; 4096];
    let read = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    memchr::memmem::find(&head[..read], b"<kml").is_some()
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("kml"))
}

/// A zip that is a KMZ: it holds a `.kml` file.
fn is_kmz(path: &std::path::Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    zip::ZipArchive::new(file).is_ok_and(|archive| {
        archive
            .file_names()
            .any(|n| n.is_ok_and(|n| n.to_ascii_lowercase().ends_with(".kml")))
    })
}

/// Choices that change how values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportOptions {
    pub time: TimeRules,
}

/// Values in messages are cut to this many characters.
const SHOWN_VALUE_CHARS: usize = 200;

/// A value as shown in an issue: lossy UTF-8, cut to a readable length.
pub fn shown_value(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() <= SHOWN_VALUE_CHARS {
        return text.into_owned();
    }
    let mut cut: String = text.chars().take(SHOWN_VALUE_CHARS).collect();
    cut.push('…');
    cut
}

/// The issues of one row, before it is known whether the row is kept.
pub(crate) struct RowIssues {
    line: u64,
    issues: Vec<Issue>,
}

impl RowIssues {
    pub(crate) fn new(line: u64) -> Self {
        RowIssues {
            line,
            issues: Vec::new(),
        }
    }
    fn push(&mut self, severity: Severity, column: &str, value: &str, message: String) {
        self.issues.push(Issue {
            file: 0,
            line: self.line,
            column: column.to_string(),
            value: value.to_string(),
            severity,
            message,
        });
    }
    pub(crate) fn error(&mut self, column: &str, value: &str, message: String) {
        self.push(Severity::Error, column, value, message);
    }
    pub(crate) fn warning(&mut self, column: &str, value: &str, message: String) {
        self.push(Severity::Warning, column, value, message);
    }
    pub(crate) fn has_any(&self) -> bool {
        !self.issues.is_empty()
    }
    pub(crate) fn has_errors(&self) -> bool {
        self.issues.iter().any(|i| i.severity == Severity::Error)
    }
    pub(crate) fn into_issues(self) -> Vec<Issue> {
        self.issues
    }
}

/// The column mapping to read a file with: the one chosen in the import preview when it
/// was made for this very header, else the one the header suggests; refused, naming
/// what was looked for and what was found, when a required field has no column.
pub(crate) fn columns_for<F: Copy + PartialEq>(
    input: &Input,
    header: &reader::CsvHeader,
    chosen: Option<headers::ColumnMap<F>>,
    all: &[F],
    required: &[F],
    names: fn(F) -> &'static [&'static str],
) -> Result<headers::ColumnMap<F>, FileError> {
    let columns = chosen
        .filter(|c| c.header == header.names)
        .unwrap_or_else(|| headers::ColumnMap::from_header(&header.names, all, names));
    let missing: Vec<&str> = required
        .iter()
        .filter(|&&f| columns.column(f).is_none())
        .map(|&f| names(f)[0])
        .collect();
    if missing.is_empty() {
        return Ok(columns);
    }
    Err(FileError::BadHeader {
        path: input.label(),
        line: header.line,
        message: reports::missing_columns_message(&missing, &header.names, |name| {
            all.iter()
                .find(|&&f| names(f)[0] == name)
                .map_or(&[][..], |&f| names(f))
        }),
    })
}

/// What every row parser checks first. A blank row (such as ",,,," from a spreadsheet)
/// holds no data and is skipped; a row whose field count differs from the header's is
/// rejected, counted and listed with the reason. Either way `None`: nothing more to do.
/// Otherwise the row's (empty) issue list, for the parser to fill.
pub(crate) fn start_row(
    line: u64,
    fields: &[&[u8]],
    width: usize,
    rows_rejected: &mut u64,
    issues: &mut Vec<Issue>,
) -> Option<RowIssues> {
    if fields.iter().all(|f| f.trim_ascii().is_empty()) {
        return None;
    }
    let mut row = RowIssues::new(line);
    if fields.len() != width {
        row.error(
            "",
            &shown_value(&fields.join(&b","[..])),
            format!(
                "the row has {} fields but the header has {width}",
                fields.len()
            ),
        );
        *rows_rejected += 1;
        issues.extend(row.into_issues());
        return None;
    }
    Some(row)
}

/// Text of an optional field; invalid UTF-8 is replaced, with a warning.
pub(crate) fn text_of<'a>(column: &str, bytes: &'a [u8], issues: &mut RowIssues) -> Cow<'a, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            issues.warning(
                column,
                &shown_value(bytes),
                "not valid UTF-8; the invalid bytes were replaced with U+FFFD".into(),
            );
            String::from_utf8_lossy(bytes)
        }
    }
}

/// The index of the next file. `pipeline::load` refuses more than 65,535 files, so only a
/// caller that bypasses it can reach this limit.
fn next_file_index(dataset: &Dataset) -> u16 {
    u16::try_from(dataset.files.len()).expect("more than 65,535 input files in one analysis")
}

impl Dataset {
    /// When `source` has the bytes of a file already read (the same SHA-256 and kind),
    /// record it as given but not read again, with a warning, and return true: the
    /// same list given twice would otherwise double every match, silently.
    fn skip_repeated_file(&mut self, source: Option<&SourceFile>) -> bool {
        let Some(source) = source else { return false };
        let Some(earlier) = self
            .files
            .iter()
            .find(|f| f.kind == source.kind && f.sha256 == source.sha256 && !f.sha256.is_empty())
        else {
            return false;
        };
        let message = format!(
            "this file has the same contents (SHA-256 {}) as {}, read before it; it was not read again, so nothing in it is counted twice",
            source.sha256,
            earlier.path.display()
        );
        self.issues.push(Issue {
            file: next_file_index(self),
            line: 0,
            column: String::new(),
            value: String::new(),
            severity: Severity::Warning,
            message,
        });
        self.files.push(SourceFile {
            rows_accepted: 0,
            rows_rejected: 0,
            rows_with_warnings: 0,
            duplicate_events: 0,
            ..source.clone()
        });
        true
    }

    /// Add a reports file that was read completely; events are merged and indexed.
    pub fn add_reports(&mut self, file: ReportsFile) {
        if self.skip_repeated_file(file.source.as_ref()) {
            return;
        }
        let file_index = next_file_index(self);
        let ReportsFile {
            source,
            reports,
            strings,
            mut events,
            extras,
            issues,
        } = file;
        let first_event = self.events.len() as u32;
        if self.reports.is_empty() && self.events.is_empty() && self.strings.is_empty() {
            // The first file: adopt its tables instead of copying ten million rows.
            self.reports = reports;
            self.strings = strings;
            events.file.fill(file_index);
            self.events = events;
        } else {
            let string_map: Vec<u32> = (0..strings.len() as u32)
                .map(|s| self.strings.intern(strings.get(s)))
                .collect();
            let report_map: Vec<u32> = (0..reports.len() as u32)
                .map(|local| {
                    let (report, _) = self.reports.intern(reports.id(local));
                    let (r, l) = (report as usize, local as usize);
                    let table = &mut self.reports;
                    if table.incident_type[r] == 0 {
                        table.incident_type[r] = string_map[reports.incident_type[l] as usize];
                    }
                    if table.platform[r] == 0 {
                        table.platform[r] = string_map[reports.platform[l] as usize];
                    }
                    if table.report_date[r] == NO_TIME {
                        table.report_date[r] = reports.report_date[l];
                    }
                    report
                })
                .collect();
            let target = &mut self.events;
            target.reserve(events.len());
            target.extend_mapped(&events, &report_map, &string_map);
            target
                .file
                .extend(std::iter::repeat_n(file_index, events.len()));
            target.line.extend_from_slice(&events.line);
        }
        self.event_extras
            .extend(extras.into_iter().map(|(e, v)| (e + first_event, v)));
        self.issues.extend(issues.into_iter().map(|issue| Issue {
            file: file_index,
            ..issue
        }));
        self.files.extend(source);
        self.merge_duplicate_events();
    }

    /// Add a location list that was read completely.
    pub fn add_locations(&mut self, file: LocationsFile) {
        if self.skip_repeated_file(file.source.as_ref()) {
            return;
        }
        let file_index = next_file_index(self);
        let mut by_id: HashMap<String, u32> = self
            .locations
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id.clone(), i as u32))
            .collect();
        let mut issues: Vec<Issue> = file.issues;
        for row in file.rows {
            let location = match by_id.get(&row.location.id) {
                Some(&existing) => {
                    let known = &mut self.locations[existing as usize];
                    if known.name != row.location.name {
                        issues.push(Issue {
                            file: 0,
                            line: u64::from(row.location.line),
                            column: "name".into(),
                            value: row.location.name.clone(),
                            severity: Severity::Warning,
                            message: format!(
                                "location '{}' is already named '{}'; this row's name is ignored",
                                known.id, known.name
                            ),
                        });
                    }
                    fill_missing(known, &row.location);
                    existing
                }
                None => {
                    let index = self.locations.len() as u32;
                    by_id.insert(row.location.id.clone(), index);
                    self.locations.push(Location {
                        file: file_index,
                        ..row.location
                    });
                    index
                }
            };
            if let Some(observation) = row.observation {
                self.observations.push(crate::model::Observation {
                    location,
                    file: file_index,
                    ..observation
                });
            }
        }
        self.issues.extend(issues.into_iter().map(|issue| Issue {
            file: file_index,
            ..issue
        }));
        self.files.extend(file.source);
    }

    /// Merge exact duplicate events of one report (same ip, port, time and event name)
    /// into the first one, count them against the duplicate's file, and rebuild the
    /// per-report event lists.
    fn merge_duplicate_events(&mut self) {
        let grouped = self.rebuild_report_events();
        let duplicates = self.find_duplicate_events();
        if duplicates.is_empty() {
            return;
        }
        let mut keep = vec![true; self.events.len()];
        for &e in &duplicates {
            keep[e as usize] = false;
            self.files[self.events.file[e as usize] as usize].duplicate_events += 1;
        }
        self.renumber_event_extras(&keep);
        let mut removed_per_report = vec![0u32; self.reports.len()];
        for &e in &duplicates {
            removed_per_report[self.events.report[e as usize] as usize] += 1;
        }
        self.events.retain_by(&keep);
        if grouped {
            // Still grouped: only each report's start moves back by the duplicates before it.
            // The extra last entry (the end) follows with every duplicate removed.
            let mut removed = 0;
            let ends_with_total = removed_per_report.iter().chain(std::iter::once(&0));
            for (start, removed_here) in self.report_event_start.iter_mut().zip(ends_with_total) {
                *start -= removed;
                removed += removed_here;
            }
            self.report_events = (0..self.events.len() as u32).into_par_iter().collect();
            self.event_tables = Default::default();
        } else {
            self.rebuild_report_events();
        }
    }

    /// Every event that repeats an earlier event of its report exactly.
    fn find_duplicate_events(&self) -> Vec<u32> {
        let events = &self.events;
        let key = |e: u32| {
            let e = e as usize;
            (
                events.addr[e],
                events.time[e],
                events.port_of(e),
                events.name[e],
            )
        };
        // Compare 8-byte hashes first; only equal hashes are compared in full.
        let hasher = hashbrown::DefaultHashBuilder::default();
        let hashes: Vec<u64> = (0..events.len() as u32)
            .into_par_iter()
            .map(|e| hasher.hash_one(key(e)))
            .collect();
        let duplicates: Vec<u32> = (0..self.reports.len() as u32)
            .into_par_iter()
            .fold(Vec::new, |mut found, report| {
                let list = self.events_of(report);
                if list.len() <= 32 {
                    for (i, &e) in list.iter().enumerate() {
                        let h = hashes[e as usize];
                        if list[..i]
                            .iter()
                            .any(|&earlier| hashes[earlier as usize] == h && key(earlier) == key(e))
                        {
                            found.push(e);
                        }
                    }
                } else {
                    let mut sorted: Vec<(u64, u32)> =
                        list.iter().map(|&e| (hashes[e as usize], e)).collect();
                    sorted.sort_unstable();
                    for run in sorted
                        .chunk_by(|a, b| a.0 == b.0)
                        .filter(|run| run.len() > 1)
                    {
                        for (i, &(_, e)) in run.iter().enumerate() {
                            if run[..i].iter().any(|&(_, earlier)| key(earlier) == key(e)) {
                                found.push(e);
                            }
                        }
                    }
                }
                found
            })
            .flatten()
            .collect();
        duplicates
    }

    /// Drop the extra attributes of removed events and give the rest their events' new ids.
    fn renumber_event_extras(&mut self, keep: &[bool]) {
        if self.event_extras.is_empty() {
            return;
        }
        // Extra attributes follow their events to the new ids.
        let mut new_id = Vec::with_capacity(keep.len());
        let mut next = 0u32;
        for &k in keep {
            new_id.push(next);
            next += u32::from(k);
        }
        self.event_extras.retain(|(e, _)| keep[*e as usize]);
        for (e, _) in &mut self.event_extras {
            *e = new_id[*e as usize];
        }
    }

    /// Group event ids by report, in input order (a counting sort). Returns whether the
    /// events were already grouped (the grouping is the identity).
    pub(crate) fn rebuild_report_events(&mut self) -> bool {
        self.event_tables = Default::default();
        let mut start = vec![0u32; self.reports.len() + 1];
        for &r in &self.events.report {
            start[r as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        // Files usually list a report's rows together, and reports are numbered in order
        // of first appearance; then the grouping is the identity and needs no scatter.
        if self.events.report.par_windows(2).all(|w| w[0] <= w[1]) {
            self.report_events = (0..self.events.len() as u32).into_par_iter().collect();
            self.report_event_start = start;
            return true;
        }
        let mut fill = start.clone();
        let mut list = vec![0u32; self.events.len()];
        for (e, &r) in self.events.report.iter().enumerate() {
            list[fill[r as usize] as usize] = e as u32;
            fill[r as usize] += 1;
        }
        self.report_event_start = start;
        self.report_events = list;
        false
    }
}

fn fill_missing(known: &mut Location, row: &Location) {
    if known.country.is_empty() {
        known.country = row.country.clone();
    }
    if (known.lat.is_none() || known.lon.is_none())
        && let (Some(lat), Some(lon)) = (row.lat, row.lon)
    {
        known.lat = Some(lat);
        known.lon = Some(lon);
    }
    if known.extras.is_empty() {
        known.extras = row.extras.clone();
    }
    if known.outline.is_none() {
        known.outline = row.outline.clone();
    }
}
