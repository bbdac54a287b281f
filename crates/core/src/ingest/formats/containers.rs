//! Containers report files arrive in: folders and zip archives (every report file in
//! them, in name order) and gzip or zstd compression (read as a stream).
//!
//! A container is one input: one entry in `summary.json`, one SHA-256 (of the file; for
//! a folder, of the list of its files' SHA-256s and names, as `sha256sum` prints it).

use super::super::Input;
use super::super::reader::FileError;
use super::super::records::{RecordPiece, RecordRules};
use super::{Format, ReadContext, format_of, read_stream};
use crate::values::text::hex;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// An archive entry or a folder's file larger than this is not read.
pub(crate) const MAX_ENTRY_BYTES: usize = 1 << 30;
/// Entries are read into memory in batches of about this many bytes, parsed in parallel.
const BATCH_BYTES: usize = 32 << 20;
/// Folders are walked at most this deep.
const MAX_FOLDER_DEPTH: usize = 16;

/// A stream decompressed.
pub(crate) fn decoder<'a>(
    format: Format,
    reader: Box<dyn Read + Send + 'a>,
) -> std::io::Result<Box<dyn Read + Send + 'a>> {
    Ok(match format {
        Format::Gzip => Box::new(flate2::read::MultiGzDecoder::new(reader)),
        Format::Zstd => Box::new(zstd::stream::read::Decoder::new(reader)?),
        _ => reader,
    })
}

/// Read a decompressed stream by the format its content shows.
pub(crate) fn read_decoded<'r>(
    mut decoded: Box<dyn Read + Send + '_>,
    name: &str,
    entry: &str,
    ctx: &ReadContext<'_>,
    rules: &'r RecordRules,
    sink: &mut dyn FnMut(RecordPiece<'r>),
) -> Result<bool, FileError> {
    let mut start = Vec::new();
    (&mut decoded)
        .take(64 << 10)
        .read_to_end(&mut start)
        .map_err(|e| ctx.io_error(e))?;
    let inner_name = name.trim_end_matches(".gz").trim_end_matches(".zst");
    let format = format_of(&start, inner_name);
    let whole: Box<dyn Read + Send + '_> = Box::new(std::io::Cursor::new(start).chain(decoded));
    match format {
        Format::Csv => read_csv_entry(whole, name, entry, ctx, rules, sink),
        Format::Gzip | Format::Zstd | Format::Zip | Format::Folder => Err(ctx.refuse(format!(
            "{entry}a {} inside a compressed file is not read",
            format.label()
        ))),
        _ => read_stream(format, whole, inner_name, entry, ctx, rules, sink),
    }
}

/// A CSV inside an archive or compressed stream: read whole (at most 1 GiB) by the CSV
/// reader, then added as one piece.
fn read_csv_entry<'r>(
    reader: Box<dyn Read + Send + '_>,
    name: &str,
    entry: &str,
    ctx: &ReadContext<'_>,
    rules: &'r RecordRules,
    sink: &mut dyn FnMut(RecordPiece<'r>),
) -> Result<bool, FileError> {
    let bytes = read_bounded(reader, entry).map_err(|e| ctx.refuse(e))?;
    let input = Input::Memory {
        name: name.to_string(),
        bytes: bytes.into(),
    };
    let quiet = crate::values::progress::Progress::default();
    let file =
        super::super::reports::read_csv_reports(&input, ctx.options, ctx.columns.clone(), &quiet)
            .map_err(|e| ctx.refuse(format!("{entry}{}", strip_path(&e.to_string(), name))))?;
    sink(RecordPiece::from_csv_file(rules, file, entry));
    Ok(ctx.advance(0))
}

/// An error message without the in-memory entry's own name at its start.
fn strip_path(message: &str, name: &str) -> String {
    message
        .strip_prefix(name)
        .map(|m| m.trim_start_matches([':', ',', ' ']).to_string())
        .unwrap_or_else(|| message.to_string())
}

fn read_bounded(reader: impl Read, entry: &str) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_ENTRY_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{entry}cannot be read: {e}"))?;
    if bytes.len() > MAX_ENTRY_BYTES {
        return Err(format!("{entry}larger than 1 GiB; not read"));
    }
    Ok(bytes)
}

/// An input's size without reading it: of the file, or of a folder's files.
pub(crate) fn size_only(input: &Input, format: Format) -> u64 {
    let size = |path: &Path| std::fs::metadata(path).map_or(0, |m| m.len());
    match (format, input) {
        (Format::Folder, Input::File(root)) => {
            folder_files(root).files.iter().map(|(_, p)| size(p)).sum()
        }
        (_, Input::File(path)) => size(path),
        (_, Input::Memory { bytes, .. }) => bytes.len() as u64,
        _ => 0,
    }
}

/// An input's size and SHA-256: of the file's bytes, or for a folder of its listing.
/// Stops with `Interrupted` once `going` says no.
pub(crate) fn size_and_hash(
    input: &Input,
    format: Format,
    going: &dyn Fn() -> bool,
) -> std::io::Result<(u64, String)> {
    if format == Format::Folder
        && let Input::File(root) = input
    {
        let files = folder_files(root).files;
        // One buffer for all the files: a folder may hold a hundred thousand small ones.
        let mut buf = vec![0u8; 1 << 20];
        let mut listing = Sha256::new();
        let mut size = 0;
        for (relative, path) in &files {
            let (file_size, digest) = hash_reader(std::fs::File::open(path)?, &mut buf, going)?;
            size += file_size;
            listing.update(format!("{digest}  {}\n", relative).as_bytes());
        }
        return Ok((size, hex(&listing.finalize())));
    }
    hash_reader(input.open()?, &mut vec![0u8; 1 << 20], going)
}

fn hash_reader(
    mut reader: impl Read,
    buf: &mut [u8],
    going: &dyn Fn() -> bool,
) -> std::io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    loop {
        let read = reader.read(buf)?;
        if read == 0 {
            break;
        }
        if !going() {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        size += read as u64;
        hasher.update(&buf[..read]);
    }
    Ok((size, hex(&hasher.finalize())))
}

/// A folder's files and what was passed over.
struct FolderListing {
    /// (relative path, path) in name order.
    files: Vec<(String, PathBuf)>,
    /// (relative path, why it was not read).
    skipped: Vec<(String, String)>,
}

/// The regular files under `root`, by relative path in name order, and what was
/// passed over (links, special files, hidden files, folders too deep) with the reason.
fn folder_files(root: &Path) -> FolderListing {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut pending = vec![(root.to_path_buf(), String::new(), 0usize)];
    while let Some((dir, prefix, depth)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            skipped.push((prefix.clone(), "this folder cannot be listed".into()));
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let relative = format!("{prefix}{name}");
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if name.starts_with('.') {
                skipped.push((relative, "a hidden file; not read".into()));
            } else if kind.is_symlink() {
                skipped.push((relative, "a symbolic link; links are not followed".into()));
            } else if kind.is_dir() && depth < MAX_FOLDER_DEPTH {
                pending.push((entry.path(), format!("{relative}/"), depth + 1));
            } else if kind.is_file() {
                files.push((relative, entry.path()));
            } else {
                skipped.push((relative, "not a regular file; not read".into()));
            }
        }
    }
    files.sort();
    skipped.sort();
    FolderListing { files, skipped }
}

/// One entry read into memory, waiting to be parsed.
struct Entry {
    name: String,
    bytes: Result<Vec<u8>, String>,
    /// Set when `bytes` are an archive entry still deflated: inflated (and checked) by
    /// the parallel stage, not by the thread that walks the archive.
    deflated: Option<Deflated>,
}

/// What an entry read raw must inflate to.
struct Deflated {
    size: u64,
    crc32: u32,
}

impl Entry {
    /// The entry's own bytes: inflated and checked against the archive's CRC-32 when
    /// they were read raw.
    fn content(&self) -> Result<std::borrow::Cow<'_, [u8]>, String> {
        let bytes = self.bytes.as_ref().map_err(Clone::clone)?;
        let Some(deflated) = &self.deflated else {
            return Ok(std::borrow::Cow::Borrowed(bytes));
        };
        let inflated = read_bounded(flate2::read::DeflateDecoder::new(&bytes[..]), "")?;
        if inflated.len() as u64 != deflated.size || crc32fast::hash(&inflated) != deflated.crc32 {
            return Err(
                "is damaged: it does not inflate to what the archive says; not read".into(),
            );
        }
        Ok(std::borrow::Cow::Owned(inflated))
    }
}

/// Read every report file of a folder or zip archive, in name order.
pub(crate) fn read_container<'r>(
    format: Format,
    ctx: &ReadContext<'_>,
    rules: &'r RecordRules,
    sink: &mut dyn FnMut(RecordPiece<'r>),
) -> Result<bool, FileError> {
    let mut batch: Vec<Entry> = Vec::new();
    let mut batch_bytes = 0;
    let flush = |batch: &mut Vec<Entry>, sink: &mut dyn FnMut(RecordPiece<'r>)| -> bool {
        let parsed: Vec<Vec<RecordPiece<'r>>> = batch
            .par_iter()
            .map(|entry| parse_entry(entry, ctx, rules))
            .collect();
        batch.clear();
        parsed.into_iter().flatten().for_each(&mut *sink);
        ctx.going()
    };
    let mut add = |entry: Entry, sink: &mut dyn FnMut(RecordPiece<'r>)| -> bool {
        batch_bytes += entry.bytes.as_ref().map_or(0, Vec::len) + 256;
        batch.push(entry);
        // A sample needs a few entries, not a batch that keeps both cores busy.
        let most = if ctx.is_sample() { 64 } else { 4096 };
        if batch_bytes >= BATCH_BYTES || batch.len() >= most {
            batch_bytes = 0;
            return flush(&mut batch, sink);
        }
        true
    };
    let going = match (format, ctx.input) {
        (Format::Folder, Input::File(root)) => read_folder(root, ctx, rules, sink, &mut add)?,
        _ => read_zip(ctx, sink, &mut add)?,
    };
    // What `add` has not flushed yet is flushed here.
    Ok(going && flush(&mut batch, sink))
}

type AddEntry<'a, 'r> = dyn FnMut(Entry, &mut dyn FnMut(RecordPiece<'r>)) -> bool + 'a;

fn read_folder<'r>(
    root: &Path,
    ctx: &ReadContext<'_>,
    rules: &'r RecordRules,
    sink: &mut dyn FnMut(RecordPiece<'r>),
    add: &mut AddEntry<'_, 'r>,
) -> Result<bool, FileError> {
    let FolderListing { files, skipped } = folder_files(root);
    if !skipped.is_empty() {
        let mut piece = RecordPiece::new(rules, 0);
        for (name, reason) in skipped {
            piece.warning(0, name, reason);
        }
        sink(piece);
    }
    for (relative, path) in files {
        let bytes = std::fs::File::open(&path)
            .map_err(|e| e.to_string())
            .and_then(|f| read_bounded(f, ""));
        let size = bytes.as_ref().map_or(0, Vec::len) as u64;
        if !add(
            Entry {
                name: relative,
                bytes,
                deflated: None,
            },
            sink,
        ) || !ctx.advance(size)
        {
            return Ok(false);
        }
    }
    Ok(true)
}

/// One entry of an archive: deflated ones as they are stored (inflating is the parallel
/// stage's work), the others through the zip crate's reader.
fn zip_entry<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    index: usize,
    name: String,
) -> Entry {
    if let Ok(mut raw) = archive.by_index_raw(index)
        && raw.compression() == zip::CompressionMethod::Deflated
        && !raw.encrypted()
        && raw.size() <= MAX_ENTRY_BYTES as u64
    {
        let deflated = Some(Deflated {
            size: raw.size(),
            crc32: raw.crc32(),
        });
        let mut bytes =
            Vec::with_capacity(raw.compressed_size().min(MAX_ENTRY_BYTES as u64) as usize);
        let bytes = (&mut raw)
            .take(MAX_ENTRY_BYTES as u64)
            .read_to_end(&mut bytes)
            .map(|_| bytes)
            .map_err(|e| format!("cannot be read: {e}"));
        return Entry {
            name,
            bytes,
            deflated,
        };
    }
    let bytes = match archive.by_index(index) {
        Ok(file) => read_bounded(file, ""),
        Err(e) => Err(format!("cannot be read: {e}")),
    };
    Entry {
        name,
        bytes,
        deflated: None,
    }
}

fn read_zip<'r>(
    ctx: &ReadContext<'_>,
    sink: &mut dyn FnMut(RecordPiece<'r>),
    add: &mut AddEntry<'_, 'r>,
) -> Result<bool, FileError> {
    let reader = ctx.input.open_seekable().map_err(|e| ctx.io_error(e))?;
    let mut archive = zip::ZipArchive::new(reader)
        .map_err(|e| ctx.refuse(format!("not a readable zip archive: {e}")))?;
    let mut order: Vec<(String, usize)> = (0..archive.len())
        .filter_map(|i| Some((archive.name_for_index(i)?.ok()?.to_string(), i)))
        .collect();
    order.sort();
    for (name, index) in order {
        if name.ends_with('/') {
            continue;
        }
        let entry = zip_entry(&mut archive, index, name);
        ctx.advance(entry.bytes.as_ref().map_or(0, |b| b.len() as u64));
        if !add(entry, sink) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Parse one entry into pieces; a problem with the entry becomes an issue naming it.
fn parse_entry<'r>(
    entry: &Entry,
    ctx: &ReadContext<'_>,
    rules: &'r RecordRules,
) -> Vec<RecordPiece<'r>> {
    let mut pieces = Vec::new();
    let prefix = format!("{}:", entry.name);
    let problem = |pieces: &mut Vec<RecordPiece<'r>>, message: String| {
        let mut piece = RecordPiece::new(rules, 0);
        piece.reject(0, entry.name.clone(), "", message);
        pieces.push(piece);
    };
    let bytes = match entry.content() {
        Ok(bytes) => bytes,
        Err(message) => {
            problem(&mut pieces, message);
            return pieces;
        }
    };
    let format = format_of(&bytes, &entry.name);
    let reader: Box<dyn Read + Send + '_> = Box::new(&bytes[..]);
    let result = match format {
        Format::Zip => Err(ctx.refuse("an archive inside an archive is not read".into())),
        Format::Csv => read_csv_entry(reader, &entry.name, &prefix, ctx, rules, &mut |p| {
            pieces.push(p)
        }),
        _ => read_stream(format, reader, &entry.name, &prefix, ctx, rules, &mut |p| {
            pieces.push(p)
        }),
    };
    if let Err(error) = result {
        let message = match error {
            FileError::NotText { reason, .. } => reason.trim_start_matches(&prefix).to_string(),
            other => other.to_string(),
        };
        problem(&mut pieces, message);
    }
    pieces
}
