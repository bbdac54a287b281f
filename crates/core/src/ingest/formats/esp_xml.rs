//! CyberTipline ESP report XML (the schema of NCMEC's CyberTipline Reporting API):
//! every `<ipCaptureEvent>` of a `<report>` is one event, with the party it sits under.
//!
//! A file of many reports is cut into blocks after a `</report>` and the blocks are
//! parsed in parallel; each report is gathered whole, then its events are laid out as
//! records. Entities the file declares are never expanded (quick-xml does not).

use super::super::headers::ReportField;
use super::super::records::{Record, RecordPiece, RecordRules};
use crate::model::Party;
use quick_xml::events::Event;
use rayon::prelude::*;
use std::io::Read;

/// Bytes read at once from a file of many reports.
const BLOCK_BYTES: usize = 16 << 20;
/// One report larger than this is refused (a report is kilobytes; this is a broken file).
pub(crate) const MAX_REPORT_BYTES: usize = 256 << 20;
/// Elements nested deeper than this are refused: no report needs it.
pub(crate) const MAX_DEPTH: usize = 64;

/// The party each element names, for the `<ipCaptureEvent>`s under it.
fn party_of_element(name: &str) -> Option<Party> {
    Some(match name {
        "personOrUserReported" => Party::ReportedPerson,
        "associatedAccount" => Party::AssociatedAccount,
        "intendedRecipient" => Party::IntendedRecipient,
        "victim" => Party::Victim,
        "peer2peerIncident" => Party::PeerToPeer,
        "fileDetails" => Party::File,
        _ => return None,
    })
}

/// The children of `<ipCaptureEvent>` and their fields.
const CAPTURE_FIELDS: [(&str, ReportField); 5] = [
    ("ipAddress", ReportField::Ip),
    ("dateTime", ReportField::EventTime),
    ("eventName", ReportField::EventName),
    ("port", ReportField::Port),
    ("possibleProxy", ReportField::PossibleProxy),
];

/// Values of a report, by path below `<report>`, that fill a field.
const REPORT_FIELDS: [(&str, ReportField); 4] = [
    ("reportId", ReportField::ReportId),
    ("dateReceived", ReportField::ReportDate),
    ("incidentSummary/incidentType", ReportField::IncidentType),
    ("incidentSummary/platform", ReportField::Platform),
];

/// One `<ipCaptureEvent>` as found.
#[derive(Default)]
struct Capture {
    line: u64,
    column: u64,
    party: Option<Party>,
    values: [String; ReportField::ALL.len()],
    extras: Vec<(String, String)>,
}

/// One `<report>` as found.
#[derive(Default)]
struct Report {
    line: u64,
    values: [String; ReportField::ALL.len()],
    extras: Vec<(String, String)>,
    captures: Vec<Capture>,
}

impl Report {
    /// A leaf value at `path` (below `<report>`), inside the capture being read or not.
    fn leaf(&mut self, path: &str, text: String, in_capture: bool) {
        if in_capture && let Some(capture) = self.captures.last_mut() {
            let child = path.rsplit('/').next().unwrap_or(path);
            match CAPTURE_FIELDS.iter().find(|(name, _)| *name == child) {
                Some(&(_, field)) => capture.values[field as usize] = text,
                None => capture.extras.push((path.into(), text)),
            }
            return;
        }
        if let Some(&(_, field)) = REPORT_FIELDS.iter().find(|(p, _)| *p == path) {
            self.values[field as usize] = text;
        } else if path == "incidentSummary/incidentDateTime" {
            self.extras.push(("incident_time".into(), text));
        } else if let Some(known) = self.extras.iter_mut().find(|(p, _)| p == path) {
            // A repeated element (a second associated account's screen name): both kept.
            known.1.push_str("; ");
            known.1.push_str(&text);
        } else {
            self.extras.push((path.into(), text));
        }
    }
}

/// Line and column of byte offsets, counted forward as the parse moves on.
pub(crate) struct LineCounter<'b> {
    bytes: &'b [u8],
    counted_to: usize,
    line: u64,
    line_start: usize,
}

impl<'b> LineCounter<'b> {
    pub(crate) fn new(bytes: &'b [u8], lines_before: u64) -> Self {
        LineCounter {
            bytes,
            counted_to: 0,
            line: lines_before + 1,
            line_start: 0,
        }
    }
    pub(crate) fn at(&mut self, offset: usize) -> (u64, u64) {
        let offset = offset.min(self.bytes.len()).max(self.counted_to);
        for nl in memchr::memchr_iter(b'\n', &self.bytes[self.counted_to..offset]) {
            self.line += 1;
            self.line_start = self.counted_to + nl + 1;
        }
        self.counted_to = offset;
        (self.line, (offset - self.line_start) as u64 + 1)
    }
}

/// How the reports of a part are named when they have no `<reportId>`.
#[derive(Clone)]
pub(crate) struct Naming {
    pub stem: String,
    /// Number reports (`stem-1`, `stem-2`, …) because the file has several.
    pub numbered: bool,
    /// Reports before this part.
    pub before: u64,
}

/// What a parse of one part holds between events: the open elements, and the report and
/// capture being read.
struct PartState<'p, 'r> {
    piece: RecordPiece<'r>,
    naming: &'p Naming,
    entry: &'p str,
    stack: Stack,
    /// Depth of `<report>` in the stack, and of the capture being read.
    report_depth: Option<usize>,
    capture_depth: Option<usize>,
    report: Report,
    reports_seen: u64,
    /// The text of the element being read.
    text: String,
    /// The path of the leaf being read, below `<report>` (kept to reuse its memory).
    path: String,
}

/// The names of the open elements, in one buffer: a large file opens millions.
#[derive(Default)]
struct Stack {
    names: String,
    ends: Vec<usize>,
}

impl Stack {
    fn len(&self) -> usize {
        self.ends.len()
    }
    fn push(&mut self, name: &str) {
        self.names.push_str(name);
        self.ends.push(self.names.len());
    }
    fn pop(&mut self) -> bool {
        let popped = self.ends.pop().is_some();
        self.names.truncate(self.ends.last().copied().unwrap_or(0));
        popped
    }
    /// The name at depth `i` (0 is the outermost).
    fn name(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.names[start..self.ends[i]]
    }
    /// The names from depth `from` to the innermost, outermost first.
    fn names_from(&self, from: usize) -> impl DoubleEndedIterator<Item = &str> {
        (from..self.len()).map(|i| self.name(i))
    }
}

impl<'r> PartState<'_, 'r> {
    /// An element opens at `line:column`: a report or a capture may start there.
    fn open(&mut self, name: &str, line: u64, column: u64) {
        self.text.clear();
        if self.report_depth.is_none() && name == "report" {
            self.report = Report {
                line,
                ..Report::default()
            };
            self.report_depth = Some(self.stack.len());
        } else if self.report_depth.is_some()
            && name == "ipCaptureEvent"
            && self.capture_depth.is_none()
        {
            let party = self.stack.names_from(0).rev().find_map(party_of_element);
            self.report.captures.push(Capture {
                line,
                column,
                party,
                ..Capture::default()
            });
            self.capture_depth = Some(self.stack.len());
        }
    }

    /// An end tag: the text read is the value of the element it closes.
    fn end(&mut self) {
        let depth = self.stack.len().saturating_sub(1);
        if let Some(report_at) = self.report_depth.filter(|&d| d < depth) {
            let trimmed = self.text.trim();
            if !trimmed.is_empty() {
                self.path.clear();
                for (i, name) in self.stack.names_from(report_at + 1).enumerate() {
                    if i > 0 {
                        self.path.push('/');
                    }
                    self.path.push_str(name);
                }
                let in_capture = self.capture_depth.is_some_and(|c| c < depth);
                self.report
                    .leaf(&self.path, trimmed.to_string(), in_capture);
            }
        }
        if !self.stack.pop() {
            return;
        }
        self.text.clear();
        self.close(depth);
    }

    /// The element at `depth` has closed: the capture or the report it was ends.
    fn close(&mut self, depth: usize) {
        if self.capture_depth == Some(depth) {
            self.capture_depth = None;
        }
        if self.report_depth == Some(depth) {
            self.reports_seen += 1;
            let report = std::mem::take(&mut self.report);
            emit_report(
                &mut self.piece,
                report,
                self.naming,
                self.reports_seen,
                self.entry,
            );
            self.report_depth = None;
        }
    }

    /// The part ends: a report still open was cut off.
    fn finish(mut self) -> RecordPiece<'r> {
        if self.report_depth.is_some() {
            let line = self.report.line;
            self.piece.reject(
                line,
                format!("{}{line}", self.entry),
                "",
                "the file ends inside this <report>; its events were not read".into(),
            );
        }
        self.piece
    }

    fn stop(&mut self, (line, column): (u64, u64), value: &str, why: String) {
        let place = format!("{}{line}:{column}", self.entry);
        self.piece.reject(
            line,
            place,
            value,
            format!("{why}; the rest of this part was not read"),
        );
    }
}

/// Parse one part of a file: whole reports, perhaps with the wrapper's tags around them.
fn parse_part<'r>(
    bytes: &[u8],
    lines_before: u64,
    naming: &Naming,
    rules: &'r RecordRules,
    entry: &str,
) -> RecordPiece<'r> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let config = reader.config_mut();
    // Not trimmed by the parser, which would trim around entities ("A &amp; B" became
    // "A&B"); each value is trimmed whole when its element ends.
    config.trim_text(false);
    config.check_end_names = false;
    let mut lines = LineCounter::new(bytes, lines_before);
    let mut state = PartState {
        piece: RecordPiece::new(rules, bytes.len()),
        naming,
        entry,
        stack: Stack::default(),
        report_depth: None,
        capture_depth: None,
        report: Report::default(),
        reports_seen: naming.before,
        text: String::new(),
        path: String::new(),
    };
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            // The end of a wrapper opened in an earlier part of the file.
            Err(quick_xml::Error::IllFormed(
                quick_xml::errors::IllFormedError::UnmatchedEndTag(_),
            )) if state.report_depth.is_none() && naming.before > 0 => continue,
            Err(e) => {
                let at = lines.at(reader.error_position() as usize);
                state.stop(at, "", format!("the XML is not well-formed: {e}"));
                break;
            }
        };
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let empty = matches!(event, Event::Empty(_));
                let local = start.local_name();
                let name: &str = local.as_ref();
                let offset = (reader.buffer_position() as usize)
                    .saturating_sub(start.len() + if empty { 3 } else { 2 });
                let (line, column) = lines.at(offset);
                if state.stack.len() >= MAX_DEPTH {
                    let why = format!("elements are nested more than {MAX_DEPTH} deep");
                    state.stop((line, column), name, why);
                    break;
                }
                state.open(name, line, column);
                if empty {
                    state.close(state.stack.len());
                } else {
                    state.stack.push(name);
                }
            }
            Event::Text(t) => state.text.push_str(&t.xml10_content()),
            Event::CData(c) => state.text.push_str(&c.xml10_content()),
            Event::GeneralRef(r) => match resolve_reference(&r) {
                Some(c) => state.text.push_str(c.as_str()),
                None => {
                    let (line, column) = lines.at(reader.buffer_position() as usize);
                    state.piece.warning(
                        line,
                        format!("{entry}{line}:{column}"),
                        format!("&{};: an entity this program does not expand (only XML's own five and character references are); it was left out of the value", &*r),
                    );
                }
            },
            Event::End(_) => state.end(),
            Event::Eof => break,
            _ => {}
        }
    }
    state.finish()
}

/// XML's five entities and character references; `None` for any other.
pub(crate) fn resolve_reference(reference: &quick_xml::events::BytesRef<'_>) -> Option<String> {
    if let Ok(Some(c)) = reference.resolve_char_ref() {
        return Some(c.to_string());
    }
    let c = match &**reference {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    };
    Some(c.to_string())
}

/// Lay a report's captures out as records.
fn emit_report(
    piece: &mut RecordPiece<'_>,
    mut report: Report,
    naming: &Naming,
    ordinal: u64,
    entry: &str,
) {
    let id = &mut report.values[ReportField::ReportId as usize];
    if id.is_empty() {
        *id = if naming.numbered {
            format!("{}-{ordinal}", naming.stem)
        } else {
            naming.stem.clone()
        };
    }
    if report.captures.is_empty() {
        piece.warning(
            report.line,
            format!("{entry}{}", report.line),
            format!(
                "report {}: no <ipCaptureEvent>; the report has no events",
                report.values[ReportField::ReportId as usize]
            ),
        );
    }
    for capture in std::mem::take(&mut report.captures) {
        // The capture's own value, else the report's.
        let values = std::array::from_fn(|i| match (i, capture.party) {
            (i, Some(party)) if i == ReportField::Party as usize => party.name().as_bytes(),
            _ if !capture.values[i].is_empty() => capture.values[i].as_bytes(),
            _ => report.values[i].as_bytes(),
        });
        let mut extras = report.extras.clone();
        extras.extend(capture.extras.iter().cloned());
        let record = Record {
            line: capture.line,
            values,
            extras,
        };
        let place = |field: ReportField| {
            let element = CAPTURE_FIELDS
                .iter()
                .find(|(_, f)| *f == field)
                .map_or_else(
                    || {
                        REPORT_FIELDS
                            .iter()
                            .find(|(_, f)| *f == field)
                            .map_or("ipCaptureEvent", |(p, _)| p)
                    },
                    |(name, _)| name,
                );
            format!("{entry}{}:{} {element}", capture.line, capture.column)
        };
        piece.push(record, &place);
    }
}

/// Where the last complete `</report>` (or `</prefix:report>`) in `bytes` ends.
fn last_report_end(bytes: &[u8]) -> Option<usize> {
    let finder = memchr::memmem::FinderRev::new(b"report>");
    let mut upto = bytes.len();
    while let Some(at) = finder.rfind(&bytes[..upto]) {
        let before = &bytes[..at];
        let name_start = before
            .iter()
            .rposition(|&b| {
                !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.' || b == b':')
            })
            .map_or(0, |i| i + 1);
        let tag = &before[..name_start];
        let prefix = &before[name_start..];
        if tag.ends_with(b"</") && (prefix.is_empty() || prefix.ends_with(b":")) {
            return Some(at + b"report>".len());
        }
        upto = at;
    }
    None
}

/// How many `</report>` end tags `bytes` holds (the same test as [`last_report_end`]).
fn count_report_ends(bytes: &[u8]) -> u64 {
    let mut count = 0;
    let mut rest = bytes;
    while let Some(end) = last_report_end(rest) {
        count += 1;
        rest = &rest[..end - b"report>".len()];
    }
    count
}

/// Read a report XML file (or archive entry) from `reader`. `entry` prefixes places
/// ("reports/CT-1.xml:") inside archives; empty for a file of its own.
pub(crate) fn read_esp_xml<'r>(
    reader: &mut dyn Read,
    stem: &str,
    entry: &str,
    rules: &'r RecordRules,
    sink: &mut dyn FnMut(RecordPiece<'r>),
    progress: &dyn Fn(u64) -> bool,
) -> std::io::Result<bool> {
    let mut buf: Vec<u8> = Vec::new();
    let mut lines_before = 0u64;
    let mut reports_before = 0u64;
    let mut numbered: Option<bool> = None;
    let threads = rayon::current_num_threads().max(1);
    loop {
        let added = reader.take(BLOCK_BYTES as u64).read_to_end(&mut buf)?;
        let at_eof = added < BLOCK_BYTES;
        let end = if at_eof {
            buf.len()
        } else {
            last_report_end(&buf).unwrap_or(0)
        };
        if end == 0 && !at_eof {
            if buf.len() > MAX_REPORT_BYTES {
                let mut piece = RecordPiece::new(rules, buf.len());
                piece.reject(
                    lines_before + 1,
                    format!("{entry}{}", lines_before + 1),
                    "",
                    "a <report> is longer than 256 MiB (or the file has no </report>); the rest of the file was not read".into(),
                );
                sink(piece);
                return Ok(true);
            }
            continue;
        }
        let numbered =
            *numbered.get_or_insert_with(|| !at_eof || count_report_ends(&buf[..end]) > 1);
        let parts = cut_after_reports(&buf[..end], threads * 2);
        let mut starts = Vec::with_capacity(parts.len());
        let (mut line, mut ordinal) = (lines_before, reports_before);
        for part in &parts {
            starts.push((line, ordinal));
            line += memchr::memchr_iter(b'\n', part).count() as u64;
            ordinal += count_report_ends(part);
        }
        let pieces: Vec<RecordPiece<'_>> = parts
            .par_iter()
            .zip(starts.par_iter())
            .map(|(part, &(lines, before))| {
                let naming = Naming {
                    stem: stem.to_string(),
                    numbered,
                    before,
                };
                parse_part(part, lines, &naming, rules, entry)
            })
            .collect();
        pieces.into_iter().for_each(&mut *sink);
        lines_before = line;
        reports_before = ordinal;
        buf.drain(..end);
        if !progress(added as u64) {
            return Ok(false);
        }
        if at_eof {
            return Ok(true);
        }
    }
}

/// Cut `bytes` into about `count` parts, each ending after a `</report>`.
fn cut_after_reports(bytes: &[u8], count: usize) -> Vec<&[u8]> {
    let target = (bytes.len() / count.max(1)).max(1 << 20);
    let mut parts = Vec::new();
    let mut rest = bytes;
    while rest.len() > 2 * target {
        match last_report_end(&rest[..target]) {
            Some(end) => {
                let (head, tail) = rest.split_at(end);
                parts.push(head);
                rest = tail;
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}
