//! Reading a reports file: one row per IP capture event, grouped into reports by `report_id`.
//!
//! Pieces of the file are parsed in parallel (see [`super::reader`]). Consecutive rows of
//! the same report form a "run", so a report id is hashed once per run, not once per row.
//!
//! About 600 lines: the row parser, the piece's run bookkeeping and the merge of pieces
//! into one file share the run layout, so they stay together.

use super::headers::{ColumnMap, ReportField};
use super::reader::{FileError, Piece, read_csv};
use super::{ImportOptions, Input, RowIssues, shown_value, start_row, text_of};
use crate::model::{
    Events, FileKind, Issue, NO_TIME, Party, ReportTable, SourceFile, StringPool, event_flags,
};
use crate::values::address::parse_address_bytes;
use crate::values::progress::Progress;
use crate::values::scalars::{parse_flag_bytes, parse_port_bytes};
use crate::values::time::{DateOnly, parse_time, parse_time_bytes};
use hashbrown::HashMap;
use std::sync::Mutex;
use std::sync::atomic::Ordering;

/// One reports file read on its own. Report and string indexes are local to the file
/// until [`crate::model::Dataset::add_reports`] merges it.
#[derive(Debug, Clone, Default)]
pub struct ReportsFile {
    pub source: Option<SourceFile>,
    pub reports: ReportTable,
    pub strings: StringPool,
    pub events: Events,
    pub extras: Vec<(u32, Box<[Box<str>]>)>,
    pub issues: Vec<Issue>,
}

pub(super) struct Context<'pool> {
    /// Emptied piece outputs, kept so their memory is reused instead of faulted in anew.
    pool: &'pool Mutex<Vec<PieceOut>>,
    columns: ColumnMap<ReportField>,
    /// The column of each field, indexed by `ReportField as usize`: a lookup per value.
    column_of: [Option<usize>; ReportField::ALL.len()],
    extras: Vec<(usize, String)>,
    width: usize,
    options: ImportOptions,
}

impl<'pool> Context<'pool> {
    pub(super) fn new(
        pool: &'pool Mutex<Vec<PieceOut>>,
        columns: ColumnMap<ReportField>,
        width: usize,
        options: ImportOptions,
    ) -> Self {
        let column_of = ReportField::ALL.map(|f| columns.column(f));
        Context {
            pool,
            extras: columns.extras(),
            column_of,
            columns,
            width,
            options,
        }
    }
    fn column(&self, field: ReportField) -> Option<usize> {
        self.column_of[field as usize]
    }
    /// The field's column name and its trimmed bytes in this row, when the file has it.
    fn field<'row>(
        &'row self,
        fields: &[&'row [u8]],
        field: ReportField,
    ) -> Option<(&'row str, &'row [u8])> {
        self.column(field)
            .map(|i| (self.columns.header[i].as_str(), fields[i].trim_ascii()))
    }
}

/// Consecutive rows of one report inside a piece.
pub(super) struct Run {
    pub(super) id: Box<str>,
    pub(super) incident_type: u32,
    pub(super) platform: u32,
    pub(super) report_date: i64,
}

/// What one piece of the file yields.
#[derive(Default)]
pub(super) struct PieceOut {
    pub(super) events: Events,
    pub(super) runs: Vec<Run>,
    pub(super) strings: Vec<Box<str>>,
    pub(super) string_ids: HashMap<Box<str>, u32>,
    pub(super) extras: Vec<(u32, Box<[Box<str>]>)>,
    pub(super) issues: Vec<Issue>,
    pub(super) rows_rejected: u64,
    pub(super) rows_with_warnings: u64,
    pub(super) bytes: usize,
    recent_names: Vec<(Box<[u8]>, u32)>,
}

impl PieceOut {
    /// Event names repeat on every row; a short scan of the raw bytes seen so far
    /// usually finds the id without hashing.
    fn intern_event_name(&mut self, column: &str, bytes: &[u8], issues: &mut RowIssues) -> u32 {
        if let Some(&(_, id)) = self.recent_names.iter().find(|(raw, _)| &**raw == bytes) {
            return id;
        }
        let text = text_of(column, bytes, issues);
        let id = self.intern(canonical_event_name(&text));
        if self.recent_names.len() < 16 {
            self.recent_names.push((bytes.into(), id));
        }
        id
    }

    fn intern(&mut self, text: &str) -> u32 {
        if text.is_empty() {
            return 0;
        }
        if let Some(&id) = self.string_ids.get(text) {
            return id;
        }
        let id = self.strings.len() as u32 + 1;
        self.strings.push(text.into());
        self.string_ids.insert(text.into(), id);
        id
    }
}

/// The six event names of NCMEC's schema, written canonically whatever the input case.
fn canonical_event_name(text: &str) -> &str {
    const NAMES: [&str; 6] = [
        "Login",
        "Registration",
        "Purchase",
        "Upload",
        "Other",
        "Unknown",
    ];
    NAMES
        .iter()
        .find(|n| n.eq_ignore_ascii_case(text))
        .copied()
        .unwrap_or(text)
}

/// The three values an event cannot do without, read from one row.
struct Required<'row> {
    /// Empty when the row continues the current run (its id equals the run's).
    report_id: &'row str,
    continues_run: bool,
    addr: u128,
    time: i64,
}

pub(super) fn parse_row(ctx: &Context<'_>, line: u64, fields: &[&[u8]], out: &mut PieceOut) {
    let Some(mut issues) = start_row(
        line,
        fields,
        ctx.width,
        &mut out.rows_rejected,
        &mut out.issues,
    ) else {
        return;
    };
    let Some(required) = required_fields(ctx, fields, out, &mut issues) else {
        out.rows_rejected += 1;
        out.issues.extend(issues.into_issues());
        return;
    };
    let (port, flags) = port_and_proxy(ctx, fields, &mut issues);
    let name = match ctx.field(fields, ReportField::EventName) {
        Some((column, bytes)) => out.intern_event_name(column, bytes, &mut issues),
        None => 0,
    };
    let run_index = run_of(ctx, fields, out, &required, &mut issues);
    let event = out.events.len() as u32;
    if !ctx.extras.is_empty() {
        let values: Box<[Box<str>]> = ctx
            .extras
            .iter()
            .map(|&(i, ref column)| text_of(column, fields[i].trim_ascii(), &mut issues).into())
            .collect();
        if values.iter().any(|v| !v.is_empty()) {
            out.extras.push((event, values));
        }
    }
    let events = &mut out.events;
    events.addr.push(required.addr);
    events.time.push(required.time);
    events.report.push(run_index as u32);
    events.port.push(port);
    events.flags.push(flags);
    events.name.push(name);
    events.file.push(0);
    events.line.push(line.min(u64::from(u32::MAX)) as u32);
    if issues.has_any() {
        out.rows_with_warnings += 1;
        out.issues.extend(issues.into_issues());
    }
}

/// The report id, address and capture time, each with its error when missing or
/// unreadable; `None` when any is (the row is then rejected).
fn required_fields<'row>(
    ctx: &'row Context<'_>,
    fields: &[&'row [u8]],
    out: &PieceOut,
    issues: &mut RowIssues,
) -> Option<Required<'row>> {
    let (id_column, id_bytes) = ctx
        .field(fields, ReportField::ReportId)
        .expect("required column");
    let continues_run = out
        .runs
        .last()
        .is_some_and(|run| run.id.as_bytes() == id_bytes)
        && !id_bytes.is_empty();
    // A row of the current run needs no check of its id: it equals the run's id.
    let id_text = if continues_run {
        Ok("")
    } else {
        std::str::from_utf8(id_bytes)
    };
    let report_id = match id_text {
        _ if continues_run => Some(""),
        Ok("") => {
            issues.error(id_column, "", "report_id is empty".into());
            None
        }
        Ok(id) => Some(id),
        Err(_) => {
            issues.error(
                id_column,
                &shown_value(id_bytes),
                "report_id is not valid UTF-8".into(),
            );
            None
        }
    };
    let (ip_column, ip_bytes) = ctx.field(fields, ReportField::Ip).expect("required column");
    let addr = match parse_address_bytes(ip_bytes) {
        _ if ip_bytes.is_empty() => {
            issues.error(ip_column, "", "ip is empty; an address is required".into());
            None
        }
        Ok(addr) => Some(addr),
        Err(e) => {
            issues.error(ip_column, &shown_value(ip_bytes), e.to_string());
            None
        }
    };
    let time = event_time(ctx, fields, issues);
    Some(Required {
        report_id: report_id?,
        continues_run,
        addr: addr?,
        time: time?,
    })
}

/// The capture time, with a warning for a time that needed one (a clock change).
fn event_time(ctx: &Context<'_>, fields: &[&[u8]], issues: &mut RowIssues) -> Option<i64> {
    let (time_column, time_bytes) = ctx
        .field(fields, ReportField::EventTime)
        .expect("required column");
    match parse_time_bytes(time_bytes, ctx.options.time, DateOnly::Reject) {
        _ if time_bytes.is_empty() => {
            issues.error(
                time_column,
                "",
                "event_time is empty; a capture time is required".into(),
            );
            None
        }
        Ok(parsed) => {
            if let Some(warning) = parsed.warning {
                issues.warning(time_column, &shown_value(time_bytes), warning);
            }
            Some(parsed.nanos)
        }
        Err(e) => {
            issues.error(time_column, &shown_value(time_bytes), e.to_string());
            None
        }
    }
}

/// The optional port, party and possible-proxy flag; an unreadable one is dropped with a warning.
fn port_and_proxy(ctx: &Context<'_>, fields: &[&[u8]], issues: &mut RowIssues) -> (u16, u8) {
    let mut flags = 0u8;
    let mut port = 0u16;
    let present = |f| {
        ctx.field(fields, f)
            .filter(|(_, b): &(&str, &[u8])| !b.is_empty())
    };
    if let Some((column, bytes)) = present(ReportField::Port) {
        match parse_port_bytes(bytes) {
            Ok(p) => {
                port = p;
                flags |= event_flags::HAS_PORT;
            }
            Err(e) => issues.warning(
                column,
                &shown_value(bytes),
                format!("{e}; the port was dropped"),
            ),
        }
    }
    if let Some((column, bytes)) = present(ReportField::Party) {
        match std::str::from_utf8(bytes).ok().and_then(Party::parse) {
            Some(party) => flags |= Party::flag_bits(Some(party)),
            None => issues.warning(
                column,
                &shown_value(bytes),
                format!(
                    "not a party (one of {}); the value was dropped",
                    Party::ALL.map(Party::name).join(", ")
                ),
            ),
        }
    }
    if let Some((column, bytes)) = present(ReportField::PossibleProxy) {
        match parse_flag_bytes(bytes) {
            Ok(proxy) => {
                flags |= event_flags::PROXY_KNOWN | if proxy { event_flags::PROXY } else { 0 }
            }
            Err(e) => issues.warning(
                column,
                &shown_value(bytes),
                format!("{e}; the value was dropped"),
            ),
        }
    }
    (port, flags)
}

/// The run the row belongs to (a new one when its id differs from the current run's),
/// with the report's attributes taken from the first row that gives them.
fn run_of(
    ctx: &Context<'_>,
    fields: &[&[u8]],
    out: &mut PieceOut,
    required: &Required,
    issues: &mut RowIssues,
) -> usize {
    if !required.continues_run {
        out.runs.push(Run {
            id: required.report_id.into(),
            incident_type: 0,
            platform: 0,
            report_date: NO_TIME,
        });
    }
    let run_index = out.runs.len() - 1;
    if out.runs[run_index].incident_type == 0
        && let Some((column, bytes)) = ctx.field(fields, ReportField::IncidentType)
    {
        let text = text_of(column, bytes, issues);
        out.runs[run_index].incident_type = out.intern(&text);
    }
    if out.runs[run_index].platform == 0
        && let Some((column, bytes)) = ctx.field(fields, ReportField::Platform)
    {
        let text = text_of(column, bytes, issues);
        out.runs[run_index].platform = out.intern(&text);
    }
    if out.runs[run_index].report_date == NO_TIME
        && let Some((column, bytes)) = ctx
            .field(fields, ReportField::ReportDate)
            .filter(|(_, b)| !b.is_empty())
    {
        match parse_time(
            &String::from_utf8_lossy(bytes),
            ctx.options.time,
            DateOnly::StartOfDay,
        ) {
            Ok(parsed) => out.runs[run_index].report_date = parsed.nanos,
            Err(e) => issues.warning(
                column,
                &shown_value(bytes),
                format!("{e}; the report date was dropped"),
            ),
        }
    }
    run_index
}

fn parse_piece(ctx: &Context<'_>, piece: &Piece) -> PieceOut {
    let recycled = ctx.pool.lock().ok().and_then(|mut pool| pool.pop());
    let mut out = recycled.unwrap_or_default();
    out.bytes = piece.len();
    // Rows are rarely shorter than 48 bytes; sizing once avoids regrowing every column.
    out.events
        .reserve((piece.len() / 48 + 16).saturating_sub(out.events.addr.capacity()));
    piece.for_each_record(|line, fields| parse_row(ctx, line, fields, &mut out));
    out
}

pub use super::formats::{read_reports, read_reports_from};

/// Read one CSV reports file.
pub(crate) fn read_csv_reports(
    input: &Input,
    options: ImportOptions,
    columns: Option<ColumnMap<ReportField>>,
    progress: &Progress,
) -> Result<ReportsFile, FileError> {
    let pool = Mutex::new(Vec::new());
    let mut file = ReportsFile::default();
    let file_size = input.size().unwrap_or(0);
    let mut rows_rejected = 0;
    let mut rows_with_warnings = 0;
    let mut extra_columns = Vec::new();
    let on_header = |header: &super::reader::CsvHeader| -> Result<Context, FileError> {
        let columns = report_columns(input, header, columns)?;
        let context = Context::new(&pool, columns, header.names.len(), options);
        extra_columns = context
            .extras
            .iter()
            .map(|(_, name)| name.clone())
            .collect();
        Ok(context)
    };
    let mut header_issues = Vec::new();
    let facts = read_csv(
        input,
        progress,
        |header| {
            let context = on_header(header)?;
            header_issues.extend(duplicate_column_issues(header, &context.columns));
            Ok(context)
        },
        parse_piece,
        |piece, lines_before| {
            rows_rejected += piece.rows_rejected;
            rows_with_warnings += piece.rows_with_warnings;
            let emptied = merge_piece(&mut file, piece, lines_before, file_size);
            if let Ok(mut pool) = pool.lock() {
                pool.push(emptied);
            }
            progress
                .rows_done
                .store(file.events.len() as u64, Ordering::Relaxed);
        },
    )?;
    file.issues.splice(0..0, header_issues);
    if let Some(line) = facts.unterminated_quote_line {
        rows_rejected += 1;
        file.issues.push(unterminated_quote_issue(line));
    }
    file.source = Some(SourceFile {
        path: input.label(),
        kind: FileKind::Reports,
        size: facts.size,
        sha256: facts.sha256,
        rows_accepted: file.events.len() as u64,
        rows_rejected,
        rows_with_warnings,
        duplicate_events: 0,
        extra_columns,
    });
    Ok(file)
}

/// The column mapping to read the file with (see [`super::columns_for`]).
fn report_columns(
    input: &Input,
    header: &super::reader::CsvHeader,
    chosen: Option<ColumnMap<ReportField>>,
) -> Result<ColumnMap<ReportField>, FileError> {
    super::columns_for(
        input,
        header,
        chosen,
        &ReportField::ALL,
        &ReportField::REQUIRED,
        ReportField::names,
    )
}

/// A warning for each column whose field an earlier column already supplies.
fn duplicate_column_issues(
    header: &super::reader::CsvHeader,
    columns: &ColumnMap<ReportField>,
) -> Vec<Issue> {
    columns
        .duplicates
        .iter()
        .map(|&column| Issue {
            file: 0,
            line: header.line,
            column: header.names[column].clone(),
            value: String::new(),
            severity: crate::model::Severity::Warning,
            message:
                "another column already supplies this field; this one is kept as an extra attribute"
                    .into(),
        })
        .collect()
}

pub(super) fn unterminated_quote_issue(line: u64) -> Issue {
    Issue {
        file: 0,
        line,
        column: String::new(),
        value: String::new(),
        severity: crate::model::Severity::Error,
        message: format!(
            "a quoted field opened on line {line} is never closed, so the rest of the file could not be read as rows"
        ),
    }
}

/// "missing required column event_time (looked for: event_time, datetime, …; found: a, b)".
pub(super) fn missing_columns_message(
    missing: &[&str],
    found: &[String],
    names: impl Fn(&str) -> &'static [&'static str],
) -> String {
    let wanted: Vec<String> = missing
        .iter()
        .map(|m| format!("{m} (or {})", names(m)[1..].join(", ")))
        .collect();
    let found: Vec<String> = found
        .iter()
        .take(20)
        .map(|f| shown_value(f.as_bytes()))
        .collect();
    format!(
        "missing required column{}: {}; the header has: {}",
        if missing.len() > 1 { "s" } else { "" },
        wanted.join("; "),
        found.join(", ")
    )
}

/// Append a piece to the file; returns the piece emptied, for reuse.
pub(super) fn merge_piece(
    file: &mut ReportsFile,
    mut piece: PieceOut,
    lines_before: u64,
    file_size: u64,
) -> PieceOut {
    let string_map: Vec<u32> = std::iter::once(0)
        .chain(piece.strings.iter().map(|s| file.strings.intern(s)))
        .collect();
    let run_map: Vec<u32> = piece
        .runs
        .iter()
        .map(|run| {
            let (report, _) = file.reports.intern(&run.id);
            let r = report as usize;
            let table = &mut file.reports;
            if table.incident_type[r] == 0 {
                table.incident_type[r] = string_map[run.incident_type as usize];
            }
            if table.platform[r] == 0 {
                table.platform[r] = string_map[run.platform as usize];
            }
            if table.report_date[r] == NO_TIME {
                table.report_date[r] = run.report_date;
            }
            report
        })
        .collect();
    let first_event = file.events.len() as u32;
    let line_offset = lines_before.min(u64::from(u32::MAX)) as u32;
    let events = &mut file.events;
    let src = &piece.events;
    if events.addr.capacity() == 0 && piece.bytes > 0 {
        // Reserve for the whole file from the first piece's row density, so the
        // columns are not re-grown (and briefly doubled) many times.
        let scale = file_size as f64 / piece.bytes as f64;
        events.reserve((src.len() as f64 * scale * 1.02) as usize + 1024);
        let id_len = piece.runs.first().map_or(16, |r| r.id.len());
        file.reports.reserve(
            (piece.runs.len() as f64 * scale * 1.02) as usize + 1024,
            id_len,
        );
    }
    events.extend_mapped(src, &run_map, &string_map);
    events.file.extend_from_slice(&src.file);
    events
        .line
        .extend(src.line.iter().map(|&l| l.saturating_add(line_offset)));
    file.extras
        .extend(piece.extras.drain(..).map(|(e, v)| (e + first_event, v)));
    file.issues.extend(piece.issues.drain(..).map(|mut issue| {
        issue.line += lines_before;
        issue
    }));
    piece.events.clear();
    piece.runs.clear();
    piece.rows_rejected = 0;
    piece.rows_with_warnings = 0;
    piece
}
