//! Report files that are not CSV, and the containers files come in: which format a file
//! is in (from its content, the name's ending as a hint), and reading it.

pub(crate) mod containers;
pub(crate) mod esp_xml;
mod flat_line;
pub(crate) mod ids;
pub(crate) mod json;
pub(crate) mod ordered;
pub(crate) mod sheet;

use super::headers::{ColumnMap, ReportField};
use super::reader::FileError;
use super::records::{RecordPiece, RecordRules, RecordsFile};
use super::reports::ReportsFile;
use super::{ImportOptions, Input};
use crate::values::progress::{Cancelled, Progress};
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};

/// The kind of a report file, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    /// xlsx, xlsm, xls or ods.
    Spreadsheet,
    /// CyberTipline ESP report XML.
    Xml,
    /// JSON Lines, a JSON array, or an IDS JSON report: told apart while reading.
    Json,
    Zip,
    Gzip,
    Zstd,
    Folder,
}

impl Format {
    /// How the format is named to the user.
    pub fn label(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Spreadsheet => "spreadsheet",
            Format::Xml => "report XML",
            Format::Json => "JSON",
            Format::Zip => "zip archive",
            Format::Gzip => "gzip-compressed file",
            Format::Zstd => "zstd-compressed file",
            Format::Folder => "folder",
        }
    }
}

/// The format of bytes that start a file named `name`.
pub fn format_of(start: &[u8], name: &str) -> Format {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    if start.starts_with(b"PK\x03\x04") || start.starts_with(b"PK\x05\x06") {
        let spreadsheet = matches!(ext, "xlsx" | "xlsm" | "xlsb" | "ods")
            || memchr::memmem::find(start, b"[Content_Types].xml").is_some()
            || memchr::memmem::find(start, b"opendocument.spreadsheet").is_some();
        return if spreadsheet {
            Format::Spreadsheet
        } else {
            Format::Zip
        };
    }
    if start.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Format::Spreadsheet;
    }
    if start.starts_with(&[0x1F, 0x8B]) {
        return Format::Gzip;
    }
    if start.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]) {
        return Format::Zstd;
    }
    let text = start.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(start);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => Format::Xml,
        Some(b'{' | b'[') => Format::Json,
        _ => Format::Csv,
    }
}

/// The format of an input, from its first 64 KiB.
pub fn detect(input: &Input) -> std::io::Result<Format> {
    if let Input::File(path) = input
        && path.is_dir()
    {
        return Ok(Format::Folder);
    }
    let mut start = Vec::with_capacity(64 << 10);
    input.open()?.take(64 << 10).read_to_end(&mut start)?;
    Ok(format_of(&start, &input.label().to_string_lossy()))
}

/// The name of a file without its directory and endings ("CT-1" for `a/CT-1.xml.gz`).
pub(crate) fn stem_of(name: &str) -> String {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let mut stem = file;
    for ending in [".gz", ".zst", ".xml", ".json", ".jsonl", ".ndjson"] {
        if stem.len() > ending.len() && stem.to_ascii_lowercase().ends_with(ending) {
            stem = &stem[..stem.len() - ending.len()];
        }
    }
    stem.to_string()
}

/// What a reader needs besides the bytes.
pub(crate) struct ReadContext<'a> {
    pub input: &'a Input,
    pub options: ImportOptions,
    pub columns: Option<ColumnMap<ReportField>>,
    pub sheet: Option<&'a str>,
    pub progress: &'a Progress,
    /// For a preview: stop once this many events are read (`usize::MAX` reads all).
    pub sample_events: usize,
    /// Set once `sample_events` are read.
    pub enough: AtomicBool,
}

impl ReadContext<'_> {
    fn io_error(&self, source: std::io::Error) -> FileError {
        FileError::Io {
            path: self.input.label(),
            source,
        }
    }

    fn refuse(&self, reason: String) -> FileError {
        FileError::NotText {
            path: self.input.label(),
            reason,
        }
    }

    /// Count bytes read; false once cancelling was asked for or a sample is complete.
    pub(crate) fn advance(&self, bytes: u64) -> bool {
        self.progress.bytes_done.fetch_add(bytes, Ordering::Relaxed);
        self.going()
    }

    /// False once cancelling was asked for or a sample is complete.
    pub(crate) fn going(&self) -> bool {
        !self.progress.is_cancelled() && !self.enough.load(Ordering::Relaxed)
    }

    pub(crate) fn is_sample(&self) -> bool {
        self.sample_events != usize::MAX
    }
}

/// Read one reports file in any format (see this module). `columns` overrides
/// the mapping found from the header (the import preview's choice); it must come from
/// the same header.
pub fn read_reports(
    input: &Input,
    options: ImportOptions,
    columns: Option<ColumnMap<ReportField>>,
    progress: &Progress,
) -> Result<ReportsFile, FileError> {
    read_reports_from(input, options, columns, None, progress)
}

/// [`read_reports`] with the sheet to read from a spreadsheet (else the first sheet with
/// a matching header).
pub fn read_reports_from(
    input: &Input,
    options: ImportOptions,
    columns: Option<ColumnMap<ReportField>>,
    sheet: Option<&str>,
    progress: &Progress,
) -> Result<ReportsFile, FileError> {
    let io_error = |source| FileError::Io {
        path: input.label(),
        source,
    };
    let format = detect(input).map_err(io_error)?;
    let compressed_csv = matches!(format, Format::Gzip | Format::Zstd)
        && detect(&Input::Decompressed(Box::new(input.clone()))).map_err(io_error)? == Format::Csv;
    match format {
        Format::Csv => super::reports::read_csv_reports(input, options, columns, progress),
        _ if compressed_csv => {
            let decompressed = Input::Decompressed(Box::new(input.clone()));
            let mut file =
                super::reports::read_csv_reports(&decompressed, options, columns, progress)?;
            // The file as given is what a user can check with sha256sum.
            let (size, sha256) =
                containers::size_and_hash(input, format, &|| true).map_err(io_error)?;
            if let Some(source) = &mut file.source {
                source.size = size;
                source.sha256 = sha256;
            }
            Ok(file)
        }
        _ => read_reports_as(
            format,
            &ReadContext {
                input,
                options,
                columns,
                sheet,
                progress,
                sample_events: usize::MAX,
                enough: Default::default(),
            },
        ),
    }
}

/// Read a reports file that is not plain CSV (or a compressed CSV). A sample (see
/// [`ReadContext::sample_events`]) is neither hashed nor counted as cancelled when it
/// stops early.
pub(crate) fn read_reports_as(
    format: Format,
    ctx: &ReadContext<'_>,
) -> Result<ReportsFile, FileError> {
    let rules = RecordRules::new(ctx.options);
    let mut file = RecordsFile::default();
    let size = containers::size_only(ctx.input, format);
    ctx.progress.bytes_total.fetch_add(size, Ordering::Relaxed);
    // The SHA-256 of the source list is one more pass over the bytes: on a thread of its
    // own, beside the read, where the read leaves a core idle (its merge steps, I/O).
    let (hashed, finished) = std::thread::scope(|scope| {
        let hashing = (!ctx.is_sample())
            .then(|| scope.spawn(|| containers::size_and_hash(ctx.input, format, &|| ctx.going())));
        let finished = read_all(format, ctx, &rules, &mut file);
        (hashing.map(|h| h.join()), finished)
    });
    let finished = finished?;
    if !finished && !ctx.enough.load(Ordering::Relaxed) {
        return Err(FileError::Cancelled(Cancelled));
    }
    let (size, sha256) = match hashed {
        None => (size, String::new()),
        Some(Ok(hashed)) => hashed.map_err(|e| ctx.io_error(e))?,
        Some(Err(_)) => return Err(ctx.refuse("hashing the file stopped unexpectedly".into())),
    };
    Ok(file.finish(ctx.input, size, sha256))
}

/// Read the input into `file`; Ok(false) when cancelled or a sample is complete.
fn read_all<'r>(
    format: Format,
    ctx: &ReadContext<'_>,
    rules: &'r RecordRules,
    file: &mut RecordsFile,
) -> Result<bool, FileError> {
    let label = ctx.input.label().to_string_lossy().into_owned();
    let mut sink = |piece: RecordPiece<'r>| {
        file.add(piece);
        ctx.progress
            .rows_done
            .store(file.events() as u64, Ordering::Relaxed);
        if file.events() >= ctx.sample_events {
            ctx.enough.store(true, Ordering::Relaxed);
        }
    };
    match format {
        Format::Folder | Format::Zip => containers::read_container(format, ctx, rules, &mut sink),
        _ => {
            let reader = ctx.input.open().map_err(|e| ctx.io_error(e))?;
            read_stream(format, reader, &label, "", ctx, rules, &mut sink)
        }
    }
}

/// Read one stream of a known format (a file, a decompressed file, an archive entry);
/// `entry` prefixes places inside archives. Ok(false) when cancelled.
pub(crate) fn read_stream<'r>(
    format: Format,
    mut reader: Box<dyn Read + Send + '_>,
    name: &str,
    entry: &str,
    ctx: &ReadContext<'_>,
    rules: &'r RecordRules,
    sink: &mut dyn FnMut(RecordPiece<'r>),
) -> Result<bool, FileError> {
    // Inside a container the container counts the bytes, entry by entry.
    let advance = |bytes| {
        if entry.is_empty() {
            ctx.advance(bytes)
        } else {
            ctx.going()
        }
    };
    let stem = stem_of(name);
    match format {
        Format::Xml => esp_xml::read_esp_xml(&mut reader, &stem, entry, rules, sink, &advance)
            .map_err(|e| ctx.io_error(e)),
        Format::Json => {
            let lower = name.to_ascii_lowercase();
            let bare = lower.trim_end_matches(".gz").trim_end_matches(".zst");
            let lines_hint = bare.ends_with(".jsonl") || bare.ends_with(".ndjson");
            json::read_json(&mut reader, lines_hint, &stem, entry, rules, sink, &advance)
                .map_err(|e| ctx.io_error(e))
        }
        Format::Gzip | Format::Zstd => {
            let decoded = containers::decoder(format, reader).map_err(|e| ctx.io_error(e))?;
            containers::read_decoded(decoded, name, entry, ctx, rules, sink)
        }
        Format::Spreadsheet => {
            let mut bytes = Vec::new();
            reader
                .take(containers::MAX_ENTRY_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| ctx.io_error(e))?;
            if bytes.len() > containers::MAX_ENTRY_BYTES {
                return Err(ctx.refuse(format!(
                    "{entry}a spreadsheet larger than 1 GiB is not read"
                )));
            }
            let mut workbook = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
                .map_err(|e| ctx.refuse(format!("{entry}not a readable spreadsheet: {e}")))?;
            let chosen = sheet::choose_sheet(&mut workbook, ctx.sheet, ctx.columns.clone())
                .map_err(|reason| ctx.refuse(format!("{entry}{reason}")))?;
            sheet::read_sheet(&mut workbook, &chosen, rules, sink);
            Ok(ctx.advance(0))
        }
        Format::Csv | Format::Zip | Format::Folder => {
            Err(ctx.refuse(format!("{entry}a {} cannot be read here", format.label())))
        }
    }
}
