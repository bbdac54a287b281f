//! `compound-atlas verify`: re-hash an evidence set (folder or `.zip`) against its
//! manifest and say exactly what changed.
//!
//! A set comes from someone else, so it is read as hostile: every file is hashed as a
//! stream (memory stays a few MB whatever its size) and a file whose size disagrees with
//! the manifest is refused before it is read; an archive with two entries of one name or
//! with local headers that disagree with its central directory fails, since extractors
//! differ in which copy they show; in a folder, anything that is not a regular file the
//! manifest lists (a symlink, a subfolder, a FIFO) fails, and symlinks are never
//! followed. The manifest itself is bound by `manifest.sha256` ([`SEAL`]).

use super::{MANIFEST, Manifest, SEAL, is_zip};
use crate::values::text::{hex, sha256_hex};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The most a manifest or seal may hold: far above any real one, far below harm.
const MANIFEST_LIMIT: u64 = 64 << 20;

/// What `manifest.sha256` says of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seal {
    /// It names the manifest's SHA-256, which is this.
    Intact(String),
    /// It names another SHA-256 than the manifest's.
    Broken { stated: String, found: String },
    /// There is none, or it cannot be read; the manifest's SHA-256 is this.
    Missing(String),
}

/// The outcome of checking every file the manifest lists.
#[derive(Debug, PartialEq, Eq)]
pub struct Verification {
    pub unchanged: Vec<String>,
    /// Files whose bytes differ from the manifest: (name, what was expected, what is there).
    pub changed: Vec<(String, String, String)>,
    pub missing: Vec<String>,
    /// Things in the set that the manifest does not list: (name, what it is).
    pub unexpected: Vec<(String, String)>,
    /// Listed files that could not be read to the end: (name, why).
    pub unreadable: Vec<(String, String)>,
    /// What is wrong with the set as a whole (duplicate or disagreeing archive entries).
    pub structure: Vec<String>,
    pub seal: Seal,
}

impl Verification {
    pub fn is_intact(&self) -> bool {
        self.changed.is_empty()
            && self.missing.is_empty()
            && self.unexpected.is_empty()
            && self.unreadable.is_empty()
            && self.structure.is_empty()
            && matches!(self.seal, Seal::Intact(_))
    }

    /// The manifest's SHA-256: what a recipient compares with the one the sender gave.
    pub fn manifest_sha256(&self) -> &str {
        match &self.seal {
            Seal::Intact(found) | Seal::Missing(found) | Seal::Broken { found, .. } => found,
        }
    }

    /// How many problems were found.
    pub fn problems(&self) -> usize {
        self.changed.len()
            + self.missing.len()
            + self.unexpected.len()
            + self.unreadable.len()
            + self.structure.len()
            + usize::from(!matches!(self.seal, Seal::Intact(_)))
    }

    /// One line per finding, for the terminal (which escapes what the names hold).
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .structure
            .iter()
            .map(|s| format!("ARCHIVE  {s}"))
            .collect();
        match &self.seal {
            Seal::Intact(_) => {}
            Seal::Broken { stated, found } => lines.push(format!(
                "CHANGED  {MANIFEST}: SHA-256 {found}, {SEAL} says {stated}"
            )),
            Seal::Missing(_) => lines.push(format!(
                "UNSEALED {MANIFEST}: there is no readable {SEAL}, so the manifest's own fields (analyst, times, counts, inputs) cannot be checked"
            )),
        }
        for (name, expected, found) in &self.changed {
            lines.push(format!(
                "CHANGED  {name}: {found}, the manifest says {expected}"
            ));
        }
        for name in &self.missing {
            lines.push(format!("MISSING  {name}"));
        }
        for (name, why) in &self.unreadable {
            lines.push(format!("DAMAGED  {name}: {why}"));
        }
        for (name, what) in &self.unexpected {
            lines.push(format!(
                "EXTRA    {name}: {what} not listed in the manifest"
            ));
        }
        lines
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}: not a readable zip archive: {1}")]
    Zip(String, String),
    #[error("{0}: there is no {MANIFEST}; this is not an evidence set made by compound-atlas")]
    NoManifest(String),
    #[error("{0}: {MANIFEST} cannot be read: {1}")]
    BadManifest(String, String),
}

/// One file of the set as found: its size, or what it is when not a regular file.
enum Found {
    File { size: u64 },
    Other(String),
}

/// The set's files, read one at a time by name.
trait SetReader {
    /// Every name in the set with what is there (first copy of a repeated name).
    fn entries(&mut self) -> BTreeMap<String, Found>;
    /// The bytes of `name`, at most `limit` of them, into `sink`; the number read.
    fn read(
        &mut self,
        name: &str,
        limit: u64,
        sink: &mut dyn std::io::Write,
    ) -> std::io::Result<u64>;
}

/// An evidence set in a folder.
struct Folder {
    path: PathBuf,
}

impl SetReader for Folder {
    fn entries(&mut self) -> BTreeMap<String, Found> {
        let mut found = BTreeMap::new();
        let Ok(dir) = std::fs::read_dir(&self.path) else {
            return found;
        };
        for entry in dir.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            // `file_type` does not follow symlinks.
            let what = match entry.file_type() {
                Ok(t) if t.is_file() => match entry.metadata() {
                    Ok(m) => Found::File { size: m.len() },
                    Err(e) => Found::Other(format!("a file that cannot be read ({e}),")),
                },
                Ok(t) if t.is_symlink() => Found::Other("a symbolic link,".into()),
                Ok(t) if t.is_dir() => Found::Other("a folder,".into()),
                _ => Found::Other("not a regular file,".into()),
            };
            found.insert(name, what);
        }
        found
    }

    fn read(
        &mut self,
        name: &str,
        limit: u64,
        sink: &mut dyn std::io::Write,
    ) -> std::io::Result<u64> {
        let file = open_no_follow(&self.path.join(name))?;
        if !file.metadata()?.is_file() {
            return Err(std::io::Error::other("no longer a regular file"));
        }
        std::io::copy(&mut file.take(limit), sink)
    }
}

/// Open for reading without following a symlink or waiting on a FIFO swapped in since
/// the folder was listed.
fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    options.open(path)
}

/// An evidence set in a zip archive.
struct Archive {
    zip: zip::ZipArchive<std::fs::File>,
}

impl SetReader for Archive {
    fn entries(&mut self) -> BTreeMap<String, Found> {
        let mut found = BTreeMap::new();
        for i in 0..self.zip.len() {
            let Ok(entry) = self.zip.by_index_raw(i) else {
                continue;
            };
            let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
            let what = if entry.is_file() {
                Found::File { size: entry.size() }
            } else {
                Found::Other(
                    if entry.is_dir() {
                        "a folder,"
                    } else {
                        "not a regular file,"
                    }
                    .into(),
                )
            };
            found.entry(name).or_insert(what);
        }
        found
    }

    fn read(
        &mut self,
        name: &str,
        limit: u64,
        sink: &mut dyn std::io::Write,
    ) -> std::io::Result<u64> {
        let entry = self.zip.by_name(name).map_err(std::io::Error::other)?;
        std::io::copy(&mut entry.take(limit), sink)
    }
}

/// What is wrong with the archive's directory: names given twice, and local headers that
/// disagree with the central directory (or hide entries it does not list).
fn archive_structure(zip: &mut zip::ZipArchive<std::fs::File>) -> Vec<String> {
    if zip.has_duplicate_names() {
        return vec![
            "two entries have the same name; extractors differ in which copy they show".into(),
        ];
    }
    match zip.validate_header_consistency() {
        Ok(()) => Vec::new(),
        Err(e) => vec![format!("its headers disagree: {e}")],
    }
}

/// SHA-256 as a sink for [`std::io::copy`].
struct Hashing(Sha256);

impl std::io::Write for Hashing {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The bytes of `name`, refused beyond `limit`.
fn read_small(set: &mut dyn SetReader, name: &str, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let read = set.read(name, limit + 1, &mut bytes)?;
    if read > limit {
        return Err(std::io::Error::other(format!("larger than {limit} bytes")));
    }
    Ok(bytes)
}

/// What `manifest.sha256` says of `manifest`.
fn check_seal(set: &mut dyn SetReader, entries: &BTreeMap<String, Found>, manifest: &[u8]) -> Seal {
    let found = sha256_hex(manifest);
    let stated = matches!(entries.get(SEAL), Some(Found::File { .. }))
        .then(|| read_small(set, SEAL, 4096).ok())
        .flatten()
        .and_then(|bytes| super::parse_seal(&bytes));
    match stated {
        None => Seal::Missing(found),
        Some(stated) if stated == found => Seal::Intact(found),
        Some(stated) => Seal::Broken { stated, found },
    }
}

/// Check the evidence set at `path`.
pub fn verify(path: &Path) -> Result<Verification, VerifyError> {
    let shown = path.display().to_string();
    let io = |source| VerifyError::Io {
        path: shown.clone(),
        source,
    };
    let mut structure = Vec::new();
    let mut set: Box<dyn SetReader> = if is_zip(path) && path.is_file() {
        let file = std::fs::File::open(path).map_err(io)?;
        let mut zip = zip::ZipArchive::new(file)
            .map_err(|e| VerifyError::Zip(shown.clone(), e.to_string()))?;
        structure = archive_structure(&mut zip);
        Box::new(Archive { zip })
    } else {
        std::fs::read_dir(path).map_err(io)?;
        Box::new(Folder {
            path: path.to_path_buf(),
        })
    };
    let mut entries = set.entries();
    if !matches!(entries.get(MANIFEST), Some(Found::File { .. })) {
        return Err(VerifyError::NoManifest(shown));
    }
    let manifest_bytes = read_small(set.as_mut(), MANIFEST, MANIFEST_LIMIT)
        .map_err(|e| VerifyError::BadManifest(shown.clone(), e.to_string()))?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| VerifyError::BadManifest(shown.clone(), e.to_string()))?;
    let seal = check_seal(set.as_mut(), &entries, &manifest_bytes);
    entries.remove(MANIFEST);
    entries.remove(SEAL);
    let mut result = Verification {
        unchanged: Vec::new(),
        changed: Vec::new(),
        missing: Vec::new(),
        unexpected: Vec::new(),
        unreadable: Vec::new(),
        structure,
        seal,
    };
    for listed in &manifest.outputs {
        check_listed(
            set.as_mut(),
            entries.remove(&listed.file),
            listed,
            &mut result,
        );
    }
    result.unexpected = entries
        .into_iter()
        .map(|(name, found)| {
            let what = match found {
                Found::File { .. } => "a file".to_string(),
                Found::Other(what) => what.trim_end_matches(',').to_string(),
            };
            (name, what)
        })
        .collect();
    Ok(result)
}

/// Check one file the manifest lists against what is in the set.
fn check_listed(
    set: &mut dyn SetReader,
    found: Option<Found>,
    listed: &super::ManifestFile,
    result: &mut Verification,
) {
    let name = listed.file.clone();
    let size = match found {
        None => return result.missing.push(name),
        Some(Found::Other(what)) => {
            let what = what.trim_end_matches(',');
            return result.changed.push((name, "a file".into(), what.into()));
        }
        Some(Found::File { size }) => size,
    };
    let expected = format!("{} bytes, SHA-256 {}", listed.size, listed.sha256);
    if size != listed.size {
        let found = format!("{size} bytes");
        return result.changed.push((name, expected, found));
    }
    let mut hasher = Hashing(Sha256::new());
    // One byte more than listed, so that an entry larger than it says is caught.
    match set.read(&name, listed.size + 1, &mut hasher) {
        Err(e) => result
            .unreadable
            .push((name, format!("cannot be read: {e}"))),
        Ok(read) => {
            let sha256 = hex(&hasher.0.finalize());
            if read == listed.size && sha256 == listed.sha256 {
                result.unchanged.push(name);
            } else {
                let found = format!("{read} bytes, SHA-256 {sha256}");
                result.changed.push((name, expected, found));
            }
        }
    }
}
