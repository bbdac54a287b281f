//! A streaming CSV record reader that parses pieces of a file in parallel.
//!
//! The file is read in blocks, so memory follows the block size, not the file size.
//! Each block is cut at record boundaries into pieces that rayon parses at once. A
//! boundary is a line end outside quotes; a quick scan of the quote characters finds
//! the quoted spans by the same rule csv-core uses (a quote opens a field only at the
//! start of a field), so the pieces read exactly as one sequential reader would.
//! Pieces without quoted spans take a fast path that splits on line ends and
//! delimiters directly; the others go through the `csv` crate.
//!
//! The SHA-256 of the file is computed on the same pass.
//!
//! One file of about 700 lines on purpose: the separator scan, the quote scan and the
//! block loop share one invariant (where a record may be cut), and each is only correct
//! read beside the others.

use super::Input;
use crate::values::progress::{Cancelled, Progress};
use crate::values::text::hex;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

/// How much is read at once.
const BLOCK_BYTES: usize = 16 << 20;
/// Pieces are not cut smaller than this; below it the parallel overhead dominates.
const MIN_PIECE_BYTES: usize = 512 << 10;
/// A single record longer than this is taken as a quote that is never closed.
pub const MAX_RECORD_BYTES: usize = 64 << 20;

/// A problem that stops a whole file from being read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: cannot read the file: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: the file is empty: there is no header row")]
    Empty { path: PathBuf },
    #[error(
        "{path}, line {line}: a record is longer than 64 MiB; a quote is probably never closed, or the file has no line breaks"
    )]
    RecordTooLong { path: PathBuf, line: u64 },
    #[error("{path}, line {line}: {message}")]
    BadHeader {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}: {reason}")]
    NotText { path: PathBuf, reason: String },
    #[error("cancelled")]
    Cancelled(#[from] Cancelled),
    #[error("{count} input files: at most 65,535 files can be analysed together")]
    TooManyFiles { count: usize },
}

/// The header row and the dialect found at the start of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvHeader {
    pub delimiter: u8,
    pub names: Vec<String>,
    /// 1-based line of the header row.
    pub line: u64,
}

/// What the reader learned about the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFacts {
    pub size: u64,
    pub sha256: String,
    /// Line where an unterminated quoted field starts, if the file ends inside one.
    pub unterminated_quote_line: Option<u64>,
}

/// A run of whole records, parsed independently of the rest of the file.
pub struct Piece<'a> {
    bytes: &'a [u8],
    delimiter: u8,
    has_quoted_fields: bool,
    /// Line feeds in the piece, once a pass over its records has counted them.
    counted_newlines: std::sync::OnceLock<u64>,
}

impl<'a> Piece<'a> {
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Call `visit(line, fields)` for each record, where `line` is the 1-based line of the
    /// record's start within this piece. Blank lines are skipped. Returns the number of
    /// line feeds in the piece, which the caller adds up to number the next piece.
    pub fn for_each_record(&self, mut visit: impl FnMut(u64, &[&[u8]])) -> u64 {
        if self.has_quoted_fields {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(self.delimiter)
                .from_reader(self.bytes);
            let mut record = csv::ByteRecord::new();
            // A csv error here can only be I/O, and a byte slice has none.
            while reader.read_byte_record(&mut record).unwrap_or(false) {
                // csv gives the position before any blank lines it skipped; the record
                // starts after them.
                let (mut line, mut at) = record
                    .position()
                    .map_or((1, 0), |p| (p.line(), p.byte() as usize));
                while let Some(&b @ (b'\n' | b'\r')) = self.bytes.get(at) {
                    line += u64::from(b == b'\n');
                    at += 1;
                }
                let fields: Vec<&[u8]> = record.iter().collect();
                visit(line, &fields);
            }
            let newlines = memchr::memchr_iter(b'\n', self.bytes).count() as u64;
            let _ = self.counted_newlines.set(newlines);
            return newlines;
        }
        // No quoted fields: one pass finds delimiters and line ends together.
        let bytes = self.bytes;
        let mut fields: Vec<&[u8]> = Vec::with_capacity(16);
        let mut line = 1u64;
        let mut field_start = 0;
        for at in SeparatorPositions::new(bytes, self.delimiter) {
            fields.push(&bytes[field_start..at]);
            field_start = at + 1;
            if bytes[at] == self.delimiter {
                continue;
            }
            // A line with nothing on it is blank, as csv-core has it.
            if !(fields.len() == 1 && fields[0].is_empty()) {
                visit(line, &fields);
            }
            fields.clear();
            if bytes[at] == b'\n' {
                line += 1;
            }
        }
        if field_start < bytes.len() || !fields.is_empty() {
            fields.push(&bytes[field_start..]);
            if !(fields.len() == 1 && fields[0].is_empty()) {
                visit(line, &fields);
            }
        }
        let _ = self.counted_newlines.set(line - 1);
        line - 1
    }
}

/// Positions of the delimiter, `\n` and `\r` in a byte slice, in order.
///
/// Fields are about ten bytes long, so a search that restarts at every hit spends more
/// on starting than on searching. This instead builds a bit mask of the separators in
/// each 64-byte block (with AVX2 where the CPU has it, else eight bytes at a time in a
/// plain `u64`) and reads the hits off the mask.
struct SeparatorPositions<'a> {
    bytes: &'a [u8],
    delimiter: u8,
    /// Start of the current 64-byte block.
    block_start: usize,
    /// One bit per byte of the current block that is a separator not yet returned.
    mask: u64,
    avx2: bool,
}

const LOW_BITS: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const ONES: u64 = 0x0101_0101_0101_0101;
const BLOCK: usize = 64;

impl<'a> SeparatorPositions<'a> {
    fn new(bytes: &'a [u8], delimiter: u8) -> Self {
        #[cfg(target_arch = "x86_64")]
        let avx2 = std::arch::is_x86_feature_detected!("avx2");
        #[cfg(not(target_arch = "x86_64"))]
        let avx2 = false;
        Self::with_kernel(bytes, delimiter, avx2)
    }

    fn with_kernel(bytes: &'a [u8], delimiter: u8, avx2: bool) -> Self {
        let mut positions = SeparatorPositions {
            bytes,
            delimiter,
            block_start: 0,
            mask: 0,
            avx2,
        };
        positions.mask = positions.block_mask(0);
        positions
    }

    /// The separators of the 64 bytes at `start` (zero-padded past the end), one bit each.
    fn block_mask(&self, start: usize) -> u64 {
        let rest = &self.bytes[start.min(self.bytes.len())..];
        let mut padded = [0u8; BLOCK];
        let block: &[u8; BLOCK] = match rest.first_chunk::<BLOCK>() {
            Some(block) => block,
            None => {
                padded[..rest.len()].copy_from_slice(rest);
                &padded
            }
        };
        let valid = if rest.len() >= BLOCK {
            u64::MAX
        } else {
            (1u64 << rest.len()) - 1
        };
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is true only when the CPU has AVX2 (checked in `new`).
            return unsafe { avx2_mask(block, self.delimiter) } & valid;
        }
        swar_mask(block, self.delimiter) & valid
    }
}

/// High bit set in each byte of `word` that is zero; exact, with no false positives.
fn zero_bytes(word: u64) -> u64 {
    !(((word & LOW_BITS) + LOW_BITS) | word | LOW_BITS)
}

/// The separator mask of a block, eight bytes at a time in a `u64`.
fn swar_mask(block: &[u8; BLOCK], delimiter: u8) -> u64 {
    let mut mask = 0u64;
    for (i, chunk) in block.chunks_exact(8).enumerate() {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let high_bits = zero_bytes(word ^ (u64::from(delimiter) * ONES))
            | zero_bytes(word ^ (u64::from(b'\n') * ONES))
            | zero_bytes(word ^ (u64::from(b'\r') * ONES));
        // Gather the high bit of each byte into the low eight bits.
        let bits = ((high_bits >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56;
        mask |= bits << (i * 8);
    }
    mask
}

/// The separator mask of a block with AVX2: 32 bytes per compare.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn avx2_mask(block: &[u8; BLOCK], delimiter: u8) -> u64 {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_set1_epi8,
    };
    let half = |offset: usize| {
        // SAFETY: `offset + 32 <= BLOCK`, and the load is unaligned.
        let chunk = unsafe { _mm256_loadu_si256(block.as_ptr().add(offset).cast::<__m256i>()) };
        let hits = _mm256_or_si256(
            _mm256_cmpeq_epi8(chunk, _mm256_set1_epi8(delimiter as i8)),
            _mm256_or_si256(
                _mm256_cmpeq_epi8(chunk, _mm256_set1_epi8(b'\n' as i8)),
                _mm256_cmpeq_epi8(chunk, _mm256_set1_epi8(b'\r' as i8)),
            ),
        );
        u64::from(_mm256_movemask_epi8(hits) as u32)
    };
    half(0) | (half(32) << 32)
}

impl Iterator for SeparatorPositions<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            self.block_start += BLOCK;
            if self.block_start >= self.bytes.len() {
                return None;
            }
            self.mask = self.block_mask(self.block_start);
        }
        let offset = self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(self.block_start + offset)
    }
}

/// Where the quoted fields are in a buffer that starts at a record boundary.
struct QuoteScan {
    /// `(opening quote, one past the closing quote)`, in order.
    spans: Vec<(usize, usize)>,
    /// A quoted field still open at the end of the buffer.
    open_quote: Option<usize>,
}

impl QuoteScan {
    /// Follow csv-core's rule: a quote opens a field only at the start of a field; inside,
    /// a doubled quote is an escaped quote; any other quote closes the field.
    fn of(buf: &[u8], delimiter: u8, at_eof: bool) -> QuoteScan {
        let mut spans = Vec::new();
        let mut pos = 0;
        while let Some(offset) = memchr::memchr(b'"', &buf[pos..]) {
            let quote = pos + offset;
            let at_field_start = quote == 0
                || matches!(buf[quote - 1], b'\n' | b'\r')
                || buf[quote - 1] == delimiter;
            if !at_field_start {
                pos = quote + 1;
                continue;
            }
            let mut search = quote + 1;
            loop {
                let Some(offset) = memchr::memchr(b'"', &buf[search..]) else {
                    return QuoteScan {
                        spans,
                        open_quote: Some(quote),
                    };
                };
                let close = search + offset;
                match buf.get(close + 1) {
                    Some(b'"') => search = close + 2,
                    // More data could make this quote the first of an escaped pair.
                    None if !at_eof => {
                        return QuoteScan {
                            spans,
                            open_quote: Some(quote),
                        };
                    }
                    _ => {
                        spans.push((quote, close + 1));
                        pos = close + 1;
                        break;
                    }
                }
            }
        }
        QuoteScan {
            spans,
            open_quote: None,
        }
    }

    fn is_quoted(&self, pos: usize) -> bool {
        if self.open_quote.is_some_and(|q| pos > q) {
            return true;
        }
        let after = self.spans.partition_point(|&(start, _)| start < pos);
        after > 0 && pos < self.spans[after - 1].1
    }

    fn has_span_in(&self, range: std::ops::Range<usize>) -> bool {
        let first = self.spans.partition_point(|&(_, end)| end <= range.start);
        self.spans
            .get(first)
            .is_some_and(|&(start, _)| start < range.end)
            || self.open_quote.is_some_and(|q| range.contains(&q))
    }

    /// The first record boundary at or after `from`, within `buf`.
    fn next_boundary(&self, buf: &[u8], mut from: usize) -> Option<usize> {
        while let Some(offset) = memchr::memchr2(b'\n', b'\r', &buf[from..]) {
            let at = from + offset;
            if !self.is_quoted(at) {
                return Some(at + 1);
            }
            from = at + 1;
        }
        None
    }

    /// The last record boundary at or before `until`.
    fn last_boundary(&self, buf: &[u8], until: usize) -> Option<usize> {
        let mut end = until;
        while let Some(at) = memchr::memrchr2(b'\n', b'\r', &buf[..end]) {
            if !self.is_quoted(at) {
                return Some(at + 1);
            }
            end = at;
        }
        None
    }
}

struct BlockReader {
    file: Box<dyn Read + Send>,
    block_bytes: usize,
    path: PathBuf,
    hasher: Sha256,
    bytes_read: u64,
    at_eof: bool,
}

impl BlockReader {
    /// Open `input` to be read in blocks of `block_bytes`; also returns its size.
    fn open(input: &Input, block_bytes: usize) -> Result<(BlockReader, u64), FileError> {
        let path = input.label();
        let io_error = |source| FileError::Io {
            path: path.clone(),
            source,
        };
        let size = input.size().map_err(io_error)?;
        let file = input.open().map_err(io_error)?;
        let reader = BlockReader {
            file,
            block_bytes,
            path,
            hasher: Sha256::new(),
            bytes_read: 0,
            at_eof: false,
        };
        Ok((reader, size))
    }

    /// Append up to one block to `buf`, hashing it as it comes; returns how many bytes
    /// were added.
    fn fill(&mut self, buf: &mut Vec<u8>) -> Result<usize, FileError> {
        // `read_to_end` reads into spare capacity without zeroing it first.
        buf.reserve(self.block_bytes);
        let added = (&mut self.file)
            .take(self.block_bytes as u64)
            .read_to_end(buf)
            .map_err(|source| FileError::Io {
                path: self.path.clone(),
                source,
            })?;
        if added < self.block_bytes {
            self.at_eof = true;
        }
        self.bytes_read += added as u64;
        self.hasher.update(&buf[buf.len() - added..]);
        Ok(added)
    }
}

/// Pick comma, semicolon or tab by which appears most often outside quotes in the header line.
pub fn sniff_delimiter(header_line: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in header_line {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let candidates = [b',', b';', b'\t'];
    let best = (0..3)
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        candidates[best]
    }
}

/// Parse a header record's fields: trimmed text, with a name for empty columns.
fn header_names(record_bytes: &[u8], delimiter: u8) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(record_bytes);
    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record).unwrap_or(false) {
        return Vec::new();
    }
    record
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let name = String::from_utf8_lossy(field).trim().to_string();
            if name.is_empty() {
                format!("column_{}", i + 1)
            } else {
                name
            }
        })
        .collect()
}

/// Read the whole file. `on_header` sees the header first and builds the parsing context
/// (or refuses the file); `parse_piece` runs in parallel on pieces; `merge` receives each
/// piece's result in file order with the number of lines before the piece.
pub fn read_csv<C: Sync, T: Send>(
    input: &Input,
    progress: &Progress,
    on_header: impl FnOnce(&CsvHeader) -> Result<C, FileError>,
    parse_piece: impl Fn(&C, &Piece) -> T + Sync,
    merge: impl FnMut(T, u64) + Send,
) -> Result<FileFacts, FileError> {
    read_csv_in_blocks(input, BLOCK_BYTES, progress, on_header, parse_piece, merge)
}

/// Why the start of a file is not CSV text, if it is not: UTF-16 (with a byte-order mark,
/// or ASCII with every other byte zero), or NUL bytes, which no text file holds. Said up
/// front, because read as CSV such a file gets a misleading message ("missing required
/// columns" with NULs printed, or a quote never closed).
pub fn not_text(start: &[u8]) -> Option<String> {
    let utf16 = "this file is UTF-16 text; save it as UTF-8 (in Excel: Save As → CSV UTF-8) and import it again";
    if start.starts_with(b"\xFF\xFE") || start.starts_with(b"\xFE\xFF") {
        return Some(utf16.into());
    }
    let sample = &start[..start.len().min(4096)];
    let nul = memchr::memchr(0, sample)?;
    let zeros_at = |parity: usize| {
        sample.len() >= 4
            && sample
                .iter()
                .skip(parity)
                .step_by(2)
                .take(64)
                .all(|&b| b == 0)
    };
    if zeros_at(0) != zeros_at(1) {
        return Some(utf16.into());
    }
    Some(format!(
        "byte {} is a NUL, which text files do not hold: this is not a CSV file (a binary or damaged file, or a spreadsheet saved in another format?)",
        nul + 1
    ))
}

/// The header: skip a BOM and blank lines, then read one whole record; returns it, what
/// `on_header` made of it, and the line feeds before the data.
fn read_header<C>(
    reader: &mut BlockReader,
    buf: &mut Vec<u8>,
    on_header: impl FnOnce(&CsvHeader) -> Result<C, FileError>,
) -> Result<(CsvHeader, C, u64), FileError> {
    let path = &reader.path.clone();
    let mut lines_before = 0u64;
    let mut first_block = true;
    loop {
        reader.fill(buf)?;
        if first_block && let Some(reason) = not_text(buf) {
            return Err(FileError::NotText {
                path: path.to_path_buf(),
                reason,
            });
        }
        if first_block && buf.starts_with(b"\xEF\xBB\xBF") {
            buf.drain(..3);
        }
        first_block = false;
        let blank = buf
            .iter()
            .take_while(|b| matches!(b, b'\n' | b'\r'))
            .count();
        lines_before += memchr::memchr_iter(b'\n', &buf[..blank]).count() as u64;
        buf.drain(..blank);
        if buf.is_empty() {
            if reader.at_eof {
                return Err(FileError::Empty {
                    path: path.to_path_buf(),
                });
            }
            continue;
        }
        let delimiter = sniff_delimiter(&buf[..buf.len().min(1 << 16)]);
        let scan = QuoteScan::of(buf, delimiter, reader.at_eof);
        let end = match scan.next_boundary(buf, 0) {
            Some(end) => end,
            None if reader.at_eof && scan.open_quote.is_none() => buf.len(),
            None if reader.at_eof => {
                return Err(FileError::BadHeader {
                    path: path.to_path_buf(),
                    line: lines_before + 1,
                    message: "the header row opens a quote that is never closed".into(),
                });
            }
            None if buf.len() > MAX_RECORD_BYTES => {
                return Err(FileError::RecordTooLong {
                    path: path.to_path_buf(),
                    line: lines_before + 1,
                });
            }
            None => continue,
        };
        let header = CsvHeader {
            delimiter,
            names: header_names(&buf[..end], delimiter),
            line: lines_before + 1,
        };
        lines_before += memchr::memchr_iter(b'\n', &buf[..end]).count() as u64;
        buf.drain(..end);
        let context = on_header(&header)?;
        return Ok((header, context, lines_before));
    }
}

/// Where `buf`'s complete records end: the last record boundary, or on the last block the
/// end (less an unterminated quoted tail, which is reported, not parsed).
fn complete_end(scan: &QuoteScan, buf: &[u8], last_block: bool) -> usize {
    if last_block {
        match scan.open_quote {
            None => buf.len(),
            Some(quote) => scan.last_boundary(buf, quote).unwrap_or(0),
        }
    } else {
        scan.last_boundary(buf, buf.len()).unwrap_or(0)
    }
}

/// Cut `buf[..end]` at record boundaries into pieces of about `target` bytes, to parse in
/// parallel.
fn pieces_of<'a>(
    buf: &'a [u8],
    end: usize,
    target: usize,
    scan: &QuoteScan,
    delimiter: u8,
) -> Vec<Piece<'a>> {
    let mut bounds = vec![0];
    while let Some(&start) = bounds.last() {
        if start >= end {
            break;
        }
        let next_bound = scan
            .next_boundary(&buf[..end], (start + target).min(end - 1))
            .unwrap_or(end);
        bounds.push(next_bound.max(start + 1).min(end));
    }
    bounds
        .windows(2)
        .map(|w| Piece {
            bytes: &buf[w[0]..w[1]],
            delimiter,
            has_quoted_fields: scan.has_span_in(w[0]..w[1]),
            counted_newlines: std::sync::OnceLock::new(),
        })
        .collect()
}

/// Parse the pieces in parallel; each result comes with the line feeds of its piece.
fn parse_pieces<C: Sync, T: Send>(
    pieces: &[Piece],
    context: &C,
    parse_piece: &(impl Fn(&C, &Piece) -> T + Sync),
) -> Vec<(T, u64)> {
    pieces
        .par_iter()
        .map(|piece| {
            let result = parse_piece(context, piece);
            // Reading the records counted the line feeds; count them only if
            // `parse_piece` did not read the records.
            let newlines = match piece.counted_newlines.get() {
                Some(&counted) => counted,
                None => memchr::memchr_iter(b'\n', piece.bytes).count() as u64,
            };
            (result, newlines)
        })
        .collect()
}

/// Hand parsed pieces to `merge` in file order, each with the line feeds before it.
fn merge_all<T>(
    pending: &mut Vec<(T, u64)>,
    merge: &mut impl FnMut(T, u64),
    lines_before: &mut u64,
) {
    for (result, newlines) in pending.drain(..) {
        merge(result, *lines_before);
        *lines_before += newlines;
    }
}

/// [`read_csv`] with a chosen block size. Tests use tiny blocks so that quoted fields,
/// line ends and pieces fall across block boundaries.
pub fn read_csv_in_blocks<C: Sync, T: Send>(
    input: &Input,
    block_bytes: usize,
    progress: &Progress,
    on_header: impl FnOnce(&CsvHeader) -> Result<C, FileError>,
    parse_piece: impl Fn(&C, &Piece) -> T + Sync,
    mut merge: impl FnMut(T, u64) + Send,
) -> Result<FileFacts, FileError> {
    let block_bytes = block_bytes.max(1);
    let path = &input.label();
    let (mut reader, size) = BlockReader::open(input, block_bytes)?;
    progress.bytes_total.fetch_add(size, Ordering::Relaxed);
    let mut buf: Vec<u8> = Vec::with_capacity(2 * block_bytes);

    let (header, context, mut lines_before) = read_header(&mut reader, &mut buf, on_header)?;

    let threads = rayon::current_num_threads().max(1);
    let mut unterminated_quote_line = None;
    // Results of the previous block, with their line-feed counts, not merged yet.
    let mut pending: Vec<(T, u64)> = Vec::new();
    let mut next: Vec<u8> = Vec::with_capacity(block_bytes + block_bytes / 4);
    let mut reported = 0u64;
    while !reader.at_eof && buf.len() < block_bytes {
        reader.fill(&mut buf)?;
    }
    loop {
        if progress.is_cancelled() {
            return Err(FileError::Cancelled(Cancelled));
        }
        let last_block = reader.at_eof;
        let scan = QuoteScan::of(&buf, header.delimiter, last_block);
        let complete_end = complete_end(&scan, &buf, last_block);
        if complete_end == 0 && !last_block {
            // One record is longer than the buffer: read on until it ends.
            if buf.len() > MAX_RECORD_BYTES {
                return Err(FileError::RecordTooLong {
                    path: path.to_path_buf(),
                    line: lines_before + 1,
                });
            }
            reader.fill(&mut buf)?;
            continue;
        }

        let piece_target =
            (complete_end / (threads * 4)).max(MIN_PIECE_BYTES.min(block_bytes / 4).max(1));
        let pieces = pieces_of(&buf, complete_end, piece_target, &scan, header.delimiter);
        // While this block's pieces are parsed, the previous block is merged and the next
        // one is read and hashed: the sequential work overlaps the parallel work.
        let carry = &buf[complete_end..];
        let (step, results) = rayon::join(
            || -> Result<(), FileError> {
                merge_all(&mut pending, &mut merge, &mut lines_before);
                next.clear();
                next.extend_from_slice(carry);
                if !reader.at_eof {
                    reader.fill(&mut next)?;
                }
                Ok(())
            },
            || parse_pieces(&pieces, &context, &parse_piece),
        );
        step?;
        pending = results;
        let unread_tail = buf.len() - complete_end;
        drop(pieces);
        std::mem::swap(&mut buf, &mut next);
        let consumed = reader.bytes_read - buf.len() as u64;
        progress
            .bytes_done
            .fetch_add(consumed.saturating_sub(reported), Ordering::Relaxed);
        reported = reported.max(consumed);
        if last_block {
            merge_all(&mut pending, &mut merge, &mut lines_before);
            if unread_tail > 0 {
                unterminated_quote_line = Some(lines_before + 1);
            }
            break;
        }
    }
    Ok(FileFacts {
        size,
        sha256: hex(&reader.hasher.finalize()),
        unterminated_quote_line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separator_positions_match_a_plain_scan() {
        let samples: [&[u8]; 7] = [
            b"",
            b"a,b\nc",
            b",,,,,,,,,,,,,,,,\r\n\r\n",
            b"report_id,ip,event_time\nSYN-1,198.19.0.1,2023-01-01T00:00:00Z\r\nx",
            b"\xff\x80\x7f,\x0a\x0d\x2c\x2d\xac",
            b"abcdefgh,abcdefg,abcdefghi\n",
            b"SYN-00000001,198.19.49.193,4991,2022-04-13T17:24:40Z,Unknown,Online Enticement,Platform C,2024-04-18,\r\nSYN-00000001,2001:db8:8000::1,,2022-04-13T17:24:41Z,Login,Online Enticement,Platform C,2024-04-18,true\n",
        ];
        for sample in samples {
            for delimiter in [b',', b';', b'\t'] {
                let plain: Vec<usize> = (0..sample.len())
                    .filter(|&i| matches!(sample[i], b'\n' | b'\r') || sample[i] == delimiter)
                    .collect();
                let fast: Vec<usize> = SeparatorPositions::new(sample, delimiter).collect();
                assert_eq!(
                    fast,
                    plain,
                    "{:?} with {:?}",
                    String::from_utf8_lossy(sample),
                    delimiter as char
                );
                let portable: Vec<usize> =
                    SeparatorPositions::with_kernel(sample, delimiter, false).collect();
                assert_eq!(portable, plain, "without AVX2");
            }
        }
    }

    proptest::proptest! {
        /// Both kernels agree with a plain scan on any bytes and lengths.
        #[test]
        fn separator_kernels_agree_with_a_plain_scan(
            bytes in proptest::collection::vec(proptest::prop_oneof![
                proptest::strategy::Just(b','), proptest::strategy::Just(b'\n'), proptest::strategy::Just(b'\r'),
                proptest::strategy::Just(b';'), proptest::prelude::any::<u8>(),
            ], 0..300),
            delimiter in proptest::prop_oneof![proptest::strategy::Just(b','), proptest::strategy::Just(b';'), proptest::strategy::Just(b'\t')],
        ) {
            let plain: Vec<usize> =
                (0..bytes.len()).filter(|&i| matches!(bytes[i], b'\n' | b'\r') || bytes[i] == delimiter).collect();
            proptest::prop_assert_eq!(SeparatorPositions::new(&bytes, delimiter).collect::<Vec<_>>(), plain.clone());
            proptest::prop_assert_eq!(SeparatorPositions::with_kernel(&bytes, delimiter, false).collect::<Vec<_>>(), plain);
        }
    }

    #[test]
    fn delimiter_is_sniffed_from_the_header() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1,2"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter(b"\"a;b\",c\n"), b',');
        assert_eq!(sniff_delimiter(b"single"), b',');
    }
}
