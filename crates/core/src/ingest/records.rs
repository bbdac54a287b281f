//! Reports from files that are not CSV (spreadsheets, report XML, IDS JSON, JSON Lines):
//! each event is laid out as one row of the CSV contract and read by the CSV row rules,
//! so every format accepts and rejects exactly what a CSV file would.

use super::headers::{ColumnMap, ReportField};
use super::reports::{Context, PieceOut, ReportsFile, merge_piece, parse_row};
use super::{ImportOptions, Input};
use crate::model::{FileKind, Issue, Severity, SourceFile};
use std::sync::Mutex;

/// The fields of a record, in [`ReportField::ALL`] order; an empty value is absent.
pub(crate) type Values<'a> = [&'a [u8]; ReportField::ALL.len()];

/// One event as a format found it.
pub(crate) struct Record<'a> {
    /// The line (or spreadsheet row) where the event starts: its `source_line`; 0 when the
    /// format has no lines (JSON read as a whole).
    pub line: u64,
    pub values: Values<'a>,
    /// Values the contract has no field for, by name (an element or JSON path).
    pub extras: Vec<(String, String)>,
}

/// Names each value's place for messages: "Sheet1!C17", "…sourceCaptures[3].value".
pub(crate) type PlaceOf<'p> = &'p dyn Fn(ReportField) -> String;

/// The rules every record is read with: the CSV reader's, over a header of the
/// contract's own field names.
pub(crate) struct RecordRules {
    /// The row parser's pool of piece buffers, which records leave empty.
    pool: Mutex<Vec<PieceOut>>,
    options: ImportOptions,
}

impl RecordRules {
    pub(crate) fn new(options: ImportOptions) -> Self {
        RecordRules {
            pool: Mutex::new(Vec::new()),
            options,
        }
    }

    fn context(&self) -> Context<'_> {
        let header: Vec<String> = ReportField::ALL.iter().map(|f| f.name().into()).collect();
        let columns = ColumnMap {
            fields: ReportField::ALL.iter().copied().zip(0..).collect(),
            header,
            duplicates: Vec::new(),
        };
        Context::new(&self.pool, columns, ReportField::ALL.len(), self.options)
    }
}

/// The events of one part of a file (an archive entry, a block of lines), read apart
/// from the rest and merged in order by [`RecordsFile`].
pub(crate) struct RecordPiece<'r> {
    context: Context<'r>,
    out: PieceOut,
    extras: Vec<(u32, Vec<(String, String)>)>,
}

impl<'r> RecordPiece<'r> {
    pub(crate) fn new(rules: &'r RecordRules, bytes: usize) -> Self {
        let mut out = PieceOut::default();
        out.bytes = bytes;
        RecordPiece {
            context: rules.context(),
            out,
            extras: Vec::new(),
        }
    }

    /// Read one record; its issues name the places `place` gives.
    pub(crate) fn push(&mut self, record: Record<'_>, place: PlaceOf<'_>) {
        let first_issue = self.out.issues.len();
        let events_before = self.out.events.len();
        if record.values.iter().all(|v| v.trim_ascii().is_empty()) {
            // The CSV rules skip a blank row; a record with no values is not blank space.
            self.error(
                record.line,
                place(ReportField::Ip),
                "the event has none of the fields report_id, ip, event_time".into(),
            );
            self.out.rows_rejected += 1;
            return;
        }
        parse_row(&self.context, record.line, &record.values, &mut self.out);
        for issue in &mut self.out.issues[first_issue..] {
            if let Some(field) = ReportField::ALL.iter().find(|f| f.name() == issue.column) {
                issue.column = place(*field);
            }
        }
        if self.out.events.len() > events_before && !record.extras.is_empty() {
            self.extras.push((events_before as u32, record.extras));
        }
    }

    /// A problem with the part itself (not one value), rejecting what it holds.
    pub(crate) fn error(&mut self, line: u64, place: String, message: String) {
        self.out.issues.push(Issue {
            file: 0,
            line,
            column: place,
            value: String::new(),
            severity: Severity::Error,
            message,
        });
    }

    /// Count one more rejected record (one the format could not lay out as an event).
    pub(crate) fn reject(&mut self, line: u64, place: String, value: &str, message: String) {
        self.error(line, place, message);
        if let Some(issue) = self.out.issues.last_mut() {
            issue.value = super::shown_value(value.as_bytes());
        }
        self.out.rows_rejected += 1;
    }

    /// A warning with the part itself.
    pub(crate) fn warning(&mut self, line: u64, place: String, message: String) {
        self.error(line, place, message);
        if let Some(issue) = self.out.issues.last_mut() {
            issue.severity = Severity::Warning;
        }
    }
}

/// A file read as records: the pieces merged in order, extra attributes gathered into
/// the file's columns in order of first appearance.
#[derive(Default)]
pub(crate) struct RecordsFile {
    file: ReportsFile,
    extra_columns: Vec<String>,
    extra_index: hashbrown::HashMap<String, usize>,
    rows_rejected: u64,
    rows_with_warnings: u64,
}

impl RecordsFile {
    pub(crate) fn add(&mut self, piece: RecordPiece<'_>) {
        let RecordPiece {
            mut out, extras, ..
        } = piece;
        for (event, named) in extras {
            let mut values: Vec<Box<str>> = vec![Box::from(""); self.extra_columns.len()];
            for (name, value) in named {
                let column = *self.extra_index.entry(name).or_insert_with_key(|name| {
                    self.extra_columns.push(name.clone());
                    self.extra_columns.len() - 1
                });
                if column >= values.len() {
                    values.resize(column + 1, Box::from(""));
                }
                values[column] = value.into();
            }
            out.extras.push((event, values.into()));
        }
        self.rows_rejected += out.rows_rejected;
        self.rows_with_warnings += out.rows_with_warnings;
        merge_piece(&mut self.file, out, 0, 0);
    }

    pub(crate) fn events(&self) -> usize {
        self.file.events.len()
    }

    /// The file as read, recorded with its size and SHA-256.
    pub(crate) fn finish(mut self, input: &Input, size: u64, sha256: String) -> ReportsFile {
        let width = self.extra_columns.len();
        for (_, values) in &mut self.file.extras {
            if values.len() < width {
                let mut padded = std::mem::take(values).into_vec();
                padded.resize(width, Box::from(""));
                *values = padded.into();
            }
        }
        self.file.source = Some(SourceFile {
            path: input.label(),
            kind: FileKind::Reports,
            size,
            sha256,
            rows_accepted: self.file.events.len() as u64,
            rows_rejected: self.rows_rejected,
            rows_with_warnings: self.rows_with_warnings,
            duplicate_events: 0,
            extra_columns: self.extra_columns,
        });
        self.file
    }
}

impl<'r> RecordPiece<'r> {
    /// A CSV file read on its own (an archive entry), as one piece; `entry` prefixes the
    /// places of its issues.
    pub(crate) fn from_csv_file(rules: &'r RecordRules, file: ReportsFile, entry: &str) -> Self {
        let ReportsFile {
            source,
            reports,
            strings,
            events,
            extras,
            issues,
        } = file;
        let mut piece = RecordPiece::new(rules, 0);
        let out = &mut piece.out;
        out.strings = (1..strings.len() as u32)
            .map(|id| strings.get(id).into())
            .collect();
        out.runs = (0..reports.len() as u32)
            .map(|r| {
                let i = r as usize;
                super::reports::Run {
                    id: reports.id(r).into(),
                    incident_type: reports.incident_type[i],
                    platform: reports.platform[i],
                    report_date: reports.report_date[i],
                }
            })
            .collect();
        out.events = events;
        out.issues = issues
            .into_iter()
            .map(|issue| Issue {
                column: format!("{entry}{}", issue.column),
                ..issue
            })
            .collect();
        if let Some(source) = source {
            out.rows_rejected = source.rows_rejected;
            out.rows_with_warnings = source.rows_with_warnings;
            piece.extras = extras
                .into_iter()
                .map(|(event, values)| {
                    let named = source
                        .extra_columns
                        .iter()
                        .zip(values.iter())
                        .filter(|(_, v)| !v.is_empty())
                        .map(|(c, v)| (c.clone(), v.to_string()))
                        .collect();
                    (event, named)
                })
                .collect();
        }
        piece
    }
}

impl RecordPiece<'_> {
    /// Put `prefix` (an archive entry's name) before the place of every issue.
    pub(crate) fn prefix_places(&mut self, prefix: &str) {
        if prefix.is_empty() {
            return;
        }
        for issue in &mut self.out.issues {
            issue.column.insert_str(0, prefix);
        }
    }
}
