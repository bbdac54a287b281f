//! JSON reports: JSON Lines and arrays of flat records (one event per record, the CSV's
//! field names and aliases), and IDS JSON (one report per document, or an array of them).
//!
//! A JSON Lines file is cut into blocks at line ends and the blocks are read in
//! parallel. A document (an array or one object) is read element by element, so an
//! array of a million records never has to be held as one value.

use super::super::headers::{ReportField, normalize_header};
use super::super::records::{Record, RecordPiece, RecordRules};
use super::ids;
use super::ordered::{Json as Value, Object};
use rayon::prelude::*;
use serde::de::{Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::io::Read;

/// A record line longer than this is rejected unread (and skipped to its end).
pub(crate) const MAX_LINE_BYTES: usize = 64 << 20;
const TOO_LONG: &str = "the line is longer than 64 MiB; it was not read";
/// Lines are read in blocks of this size.
const BLOCK_BYTES: usize = 8 << 20;
/// A document, or one element of a top-level array, larger than this is not read: a
/// report is kilobytes; this is a broken or hostile file.
pub(crate) const MAX_VALUE_BYTES: u64 = 64 << 20;

/// The field a JSON key names, by the CSV's names and aliases.
fn field_of(key: &str) -> Option<ReportField> {
    let key = normalize_header(key);
    ReportField::ALL
        .into_iter()
        .find(|f| f.names().iter().any(|alias| normalize_header(alias) == key))
}

/// Keys seen so far with their fields: keys repeat on every record, mostly in the same
/// order, so the key at the position asked is tried first.
#[derive(Default)]
struct KeyCache(Vec<(String, Option<ReportField>)>);

impl KeyCache {
    fn field(&mut self, position: usize, key: &str) -> Option<ReportField> {
        if let Some((known, field)) = self.0.get(position)
            && known == key
        {
            return *field;
        }
        if let Some((_, field)) = self.0.iter().find(|(k, _)| k == key) {
            return *field;
        }
        let field = field_of(key);
        if self.0.len() < 256 {
            self.0.push((key.to_string(), field));
        }
        field
    }
}

/// A scalar as the CSV would have held it: numbers without a trailing `.0`, `true`,
/// nested values as their JSON text.
pub(crate) fn scalar_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::Null => Cow::Borrowed(""),
        Value::String(s) => Cow::Borrowed(s),
        Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Value::Number(n) => Cow::Owned(number_text(n)),
        other => Cow::Owned(other.to_string()),
    }
}

fn number_text(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9e15 => format!("{}", f as i64),
        _ => n.to_string(),
    }
}

/// The members of an object as the CSV would have held them: key and text.
fn members(object: &Object) -> impl Iterator<Item = (&str, Cow<'_, str>)> {
    object.iter().map(|(k, v)| (k.as_str(), scalar_text(v)))
}

/// One flat record (a JSON object's members) laid out as an event.
fn flat_record<'k>(
    piece: &mut RecordPiece<'_>,
    keys: &mut KeyCache,
    members: impl Iterator<Item = (&'k str, Cow<'k, str>)>,
    line: u64,
    place: &str,
) {
    let mut texts: [Cow<str>; ReportField::ALL.len()] = Default::default();
    let mut names: [&str; ReportField::ALL.len()] = [""; ReportField::ALL.len()];
    let mut extras = Vec::new();
    for (position, (key, text)) in members.enumerate() {
        match keys.field(position, key) {
            Some(field) if names[field as usize].is_empty() => {
                texts[field as usize] = text;
                names[field as usize] = key;
            }
            _ if !text.is_empty() => extras.push((key.to_string(), text.into_owned())),
            _ => {}
        }
    }
    let values = std::array::from_fn(|i| texts[i].as_bytes());
    let record = Record {
        line,
        values,
        extras,
    };
    let place_of = |field: ReportField| {
        let key = names[field as usize];
        let key = if key.is_empty() { field.name() } else { key };
        format!("{place}{key}")
    };
    piece.push(record, &place_of);
}

/// Read a JSON Lines file from `reader`: every non-blank line one flat record.
pub(crate) fn read_json_lines<'r>(
    reader: &mut dyn Read,
    rules: &'r RecordRules,
    sink: &mut dyn FnMut(RecordPiece<'r>),
    progress: &dyn Fn(u64) -> bool,
) -> std::io::Result<bool> {
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK_BYTES * 2);
    let mut lines_before = 0u64;
    let mut skipping_long_line: Option<u64> = None;
    let mut at_eof = false;
    let threads = rayon::current_num_threads().max(1);
    while !at_eof {
        let added = reader.take(BLOCK_BYTES as u64).read_to_end(&mut buf)?;
        at_eof = added == 0;
        if let Some(line) = skipping_long_line {
            match memchr::memchr(b'\n', &buf) {
                Some(end) => {
                    buf.drain(..=end);
                    lines_before = line;
                    skipping_long_line = None;
                }
                None => {
                    buf.clear();
                    if !progress(added as u64) {
                        return Ok(false);
                    }
                    continue;
                }
            }
        }
        let complete = if at_eof {
            buf.len()
        } else {
            memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1)
        };
        if complete == 0 {
            if buf.len() > MAX_LINE_BYTES {
                let mut piece = RecordPiece::new(rules, buf.len());
                piece.reject(
                    lines_before + 1,
                    format!("line {}", lines_before + 1),
                    "",
                    TOO_LONG.into(),
                );
                sink(piece);
                buf.clear();
                skipping_long_line = Some(lines_before + 1);
            }
            if !progress(added as u64) {
                return Ok(false);
            }
            continue;
        }
        let pieces = cut_at_lines(&buf[..complete], threads * 2);
        let mut starts = Vec::with_capacity(pieces.len());
        let mut line = lines_before;
        for p in &pieces {
            starts.push(line);
            line += memchr::memchr_iter(b'\n', p).count() as u64;
        }
        let read: Vec<RecordPiece<'_>> = pieces
            .par_iter()
            .zip(starts.par_iter())
            .map(|(bytes, &first)| read_lines_piece(bytes, first, rules))
            .collect();
        read.into_iter().for_each(&mut *sink);
        lines_before = line;
        buf.drain(..complete);
        if !progress(added as u64) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Cut `bytes` (whole lines) into about `count` pieces at line ends.
fn cut_at_lines(bytes: &[u8], count: usize) -> Vec<&[u8]> {
    let target = (bytes.len() / count.max(1)).max(256 << 10);
    let mut pieces = Vec::new();
    let mut rest = bytes;
    while rest.len() > target {
        match memchr::memchr(b'\n', &rest[target..]) {
            Some(i) => {
                let (head, tail) = rest.split_at(target + i + 1);
                pieces.push(head);
                rest = tail;
            }
            None => break,
        }
    }
    if !rest.is_empty() {
        pieces.push(rest);
    }
    pieces
}

fn read_lines_piece<'r>(
    bytes: &[u8],
    lines_before: u64,
    rules: &'r RecordRules,
) -> RecordPiece<'r> {
    let mut piece = RecordPiece::new(rules, bytes.len());
    let mut keys = KeyCache::default();
    let mut simple = Vec::new();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = lines_before + i as u64 + 1;
        let text = raw.strip_suffix(b"\r").unwrap_or(raw).trim_ascii();
        let text = if line == 1 {
            text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text)
        } else {
            text
        };
        if text.is_empty() {
            continue;
        }
        if text.len() > MAX_LINE_BYTES {
            // Its end came in the block that went past the limit.
            piece.reject(line, format!("line {line}"), "", TOO_LONG.into());
            continue;
        }
        let place = format!("line {line}: ");
        // Most lines are flat records of the simplest shape, read straight from the bytes;
        // the other flat records are read by serde_json without copying; any other line is
        // read again as a value, to say what it is.
        if super::flat_line::simple_members(text, &mut simple) {
            let members = simple.iter().map(|&(k, v)| (k, Cow::Borrowed(v)));
            flat_record(&mut piece, &mut keys, members, line, &place);
            continue;
        }
        if let Ok(FlatLine(members)) = serde_json::from_slice::<FlatLine>(text) {
            let members = members
                .iter()
                .map(|(k, v)| (k.as_ref(), Cow::Borrowed(v.as_ref())));
            flat_record(&mut piece, &mut keys, members, line, &place);
            continue;
        }
        match serde_json::from_slice::<Value>(text) {
            Ok(Value::Object(object)) => {
                flat_record(&mut piece, &mut keys, members(&object), line, &place)
            }
            Ok(other) => piece.reject(
                line,
                format!("line {line}"),
                &other.to_string(),
                "the line is not a JSON object; each line must hold one record".into(),
            ),
            Err(e) => piece.reject(
                line,
                format!("line {line}"),
                &String::from_utf8_lossy(text),
                format!("not valid JSON: {e}"),
            ),
        }
    }
    piece
}

/// What one top-level JSON value of a document turned out to be.
enum Shape {
    Flat,
    Ids,
}

fn shape_of(object: &Object) -> Shape {
    if ids::looks_like_ids(object) {
        Shape::Ids
    } else {
        Shape::Flat
    }
}

/// Read a JSON document: one IDS report, an array of IDS reports or of flat records, or
/// one flat record. `stem` names reports without a `reportId`.
pub(crate) fn read_json_document<'r>(
    reader: &mut dyn Read,
    value_bytes: &Cell<u64>,
    stem: &str,
    rules: &'r RecordRules,
    sink: &mut dyn FnMut(RecordPiece<'r>),
) -> Result<(), String> {
    let mut piece = RecordPiece::new(rules, 0);
    let mut deserializer = serde_json::Deserializer::from_reader(std::io::BufReader::new(reader));
    let mut document = DocumentSink {
        piece: &mut piece,
        stem,
        keys: KeyCache::default(),
        index: 0,
        ids_reports: 0,
        value_bytes,
    };
    let result = DocumentSeed(&mut document)
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end());
    sink(piece);
    result.map_err(|e| {
        if e.is_io() {
            e.to_string()
        } else {
            format!("not valid JSON: {e}")
        }
    })
}

struct DocumentSink<'s, 'r> {
    piece: &'s mut RecordPiece<'r>,
    stem: &'s str,
    keys: KeyCache,
    /// Position of the next element of a top-level array.
    index: usize,
    ids_reports: usize,
    /// Bytes read since the current top-level value began (see [`CountingReader`]).
    value_bytes: &'s Cell<u64>,
}

impl DocumentSink<'_, '_> {
    /// One top-level value: `path` is `$` for a whole document, `[i]` in an array.
    fn value(&mut self, value: Value, path: &str, in_array: bool) {
        let Value::Object(object) = value else {
            self.piece.reject(
                0,
                path.into(),
                &super::super::shown_value(value.to_string().as_bytes()),
                "expected a JSON object: an IDS report (with reportedInformation) or a flat record with report_id, ip and event_time".into(),
            );
            return;
        };
        match shape_of(&object) {
            Shape::Ids => {
                self.ids_reports += 1;
                let fallback_id = if in_array {
                    format!("{}-{}", self.stem, self.index + 1)
                } else {
                    self.stem.to_string()
                };
                ids::read_report(self.piece, &object, path, &fallback_id);
            }
            Shape::Flat => {
                let place = if in_array {
                    format!("{path}.")
                } else {
                    String::new()
                };
                flat_record(self.piece, &mut self.keys, members(&object), 0, &place);
            }
        }
    }
}

struct DocumentSeed<'a, 's, 'r>(&'a mut DocumentSink<'s, 'r>);

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object or an array of objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // Element by element: only one report or record is held at a time.
        while let Some(value) = seq.next_element::<Value>()? {
            let path = format!("[{}]", self.0.index);
            self.0.value(value, &path, true);
            self.0.index += 1;
            self.0.value_bytes.set(0);
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let value = super::ordered::JsonVisitor.visit_map(map)?;
        self.0.value(value, "$", false);
        Ok(())
    }
}

/// Read JSON of any of the three shapes. JSON Lines when the first line alone is a flat
/// record, or when it is longer than 1 MiB and the name says JSON Lines (`lines_hint`);
/// otherwise one document. `entry` prefixes places inside archives.
pub(crate) fn read_json<'r>(
    reader: &mut dyn Read,
    lines_hint: bool,
    stem: &str,
    entry: &str,
    rules: &'r RecordRules,
    sink: &mut dyn FnMut(RecordPiece<'r>),
    progress: &dyn Fn(u64) -> bool,
) -> std::io::Result<bool> {
    let mut start = Vec::new();
    reader.take(1 << 20).read_to_end(&mut start)?;
    let first_line = start
        .split(|&b| b == b'\n')
        .map(|l| l.trim_ascii())
        .map(|l| l.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(l))
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let first_line_unfinished = memchr::memchr(b'\n', &start).is_none() && start.len() == 1 << 20;
    let lines = (lines_hint && first_line_unfinished)
        || matches!(
            serde_json::from_slice::<Value>(first_line),
            Ok(Value::Object(ref o)) if !ids::looks_like_ids(o)
        );
    let mut whole = std::io::Cursor::new(start).chain(reader);
    if lines {
        let mut entry_sink = |mut piece: RecordPiece<'r>| {
            piece.prefix_places(entry);
            sink(piece)
        };
        return read_json_lines(&mut whole, rules, &mut entry_sink, progress);
    }
    let value_bytes = Cell::new(0);
    let mut counted = CountingReader {
        inner: &mut whole,
        progress,
        cancelled: false,
        value_bytes: &value_bytes,
    };
    let mut entry_sink = |mut piece: RecordPiece<'r>| {
        piece.prefix_places(entry);
        sink(piece)
    };
    if let Err(message) =
        read_json_document(&mut counted, &value_bytes, stem, rules, &mut entry_sink)
    {
        let mut piece = RecordPiece::new(rules, 0);
        piece.reject(
            0,
            format!("{entry}$"),
            "",
            format!("{message}; the rest of the document was not read"),
        );
        entry_sink(piece);
    }
    Ok(!counted.cancelled)
}

/// Counts bytes read into the progress, stops reading once cancelled, and fails once
/// one top-level value is larger than [`MAX_VALUE_BYTES`].
struct CountingReader<'a> {
    inner: &'a mut dyn Read,
    progress: &'a dyn Fn(u64) -> bool,
    cancelled: bool,
    value_bytes: &'a Cell<u64>,
}

impl Read for CountingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.value_bytes.set(self.value_bytes.get() + read as u64);
        if self.value_bytes.get() > MAX_VALUE_BYTES {
            return Err(std::io::Error::other(
                "a JSON value (the document, or one element of its array) is larger than 64 MiB",
            ));
        }
        if !(self.progress)(read as u64) {
            self.cancelled = true;
            return Ok(0);
        }
        Ok(read)
    }
}

/// A flat record read from a line without copying: each member's key and its value as
/// the CSV would have held it, borrowed from the line where it has no escapes. Nested
/// values are their JSON text.
struct FlatLine<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'de> Deserialize<'de> for FlatLine<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FlatLineVisitor)
    }
}

struct FlatLineVisitor;

impl<'de> Visitor<'de> for FlatLineVisitor {
    type Value = FlatLine<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FlatLine<'de>, A::Error> {
        let mut members = Vec::with_capacity(12);
        while let Some(Text(key)) = map.next_key::<Text>()? {
            let Text(value) = map.next_value::<Text>()?;
            members.push((key, value));
        }
        Ok(FlatLine(members))
    }
}

/// A key, or a value as text (see [`scalar_text`]), borrowed where it can be.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v)))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(if v { "true" } else { "false" })))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v.to_string())))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v.to_string())))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Text<'de>, E> {
        let text = serde_json::Number::from_f64(v).map_or_else(String::new, |n| number_text(&n));
        Ok(Text(Cow::Owned(text)))
    }
    fn visit_unit<E>(self) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed("")))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Text<'de>, A::Error> {
        let nested = super::ordered::JsonVisitor.visit_seq(seq)?;
        Ok(Text(Cow::Owned(nested.to_string())))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Text<'de>, A::Error> {
        let nested = super::ordered::JsonVisitor.visit_map(map)?;
        Ok(Text(Cow::Owned(nested.to_string())))
    }
}

/// A line's members as serde_json reads them (the oracle of the simple reader's test).
#[cfg(test)]
pub(super) fn flat_members_by_serde(line: &[u8]) -> Option<Vec<(String, String)>> {
    let FlatLine(members) = serde_json::from_slice::<FlatLine>(line).ok()?;
    Some(
        members
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    )
}
