//! `compound-atlas verify`: re-hash an evidence set (folder or `.zip`) against its
//! manifest and say exactly what changed.

use super::{MANIFEST, Manifest, is_zip, sha256_hex};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// The outcome of checking every file the manifest lists.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Verification {
    pub unchanged: Vec<String>,
    /// Files whose bytes differ from the manifest: (name, what was expected, what is there).
    pub changed: Vec<(String, String, String)>,
    pub missing: Vec<String>,
    /// Files in the set that the manifest does not list.
    pub unexpected: Vec<String>,
}

impl Verification {
    pub fn is_intact(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.unexpected.is_empty()
    }

    /// One line per finding, for the terminal.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (name, expected, found) in &self.changed {
            lines.push(format!(
                "CHANGED  {name}: SHA-256 {found}, the manifest says {expected}"
            ));
        }
        for name in &self.missing {
            lines.push(format!("MISSING  {name}"));
        }
        for name in &self.unexpected {
            lines.push(format!("EXTRA    {name}: not listed in the manifest"));
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

/// Every file of the set by name, read into memory.
fn read_set(path: &Path) -> Result<BTreeMap<String, Vec<u8>>, VerifyError> {
    let shown = path.display().to_string();
    let io = |source| VerifyError::Io {
        path: shown.clone(),
        source,
    };
    let mut files = BTreeMap::new();
    if is_zip(path) && path.is_file() {
        let file = std::fs::File::open(path).map_err(io)?;
        let mut archive = zip::ZipArchive::new(file)
            .map_err(|e| VerifyError::Zip(shown.clone(), e.to_string()))?;
        for i in 0..archive.len() {
            let mut entry = archive
                .by_index(i)
                .map_err(|e| VerifyError::Zip(shown.clone(), e.to_string()))?;
            let name = entry
                .name()
                .map_err(|e| VerifyError::Zip(shown.clone(), e.to_string()))?
                .into_owned();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(io)?;
            files.insert(name, bytes);
        }
    } else {
        for entry in std::fs::read_dir(path).map_err(io)? {
            let entry = entry.map_err(io)?;
            if entry.file_type().map_err(io)?.is_file() {
                let bytes = std::fs::read(entry.path()).map_err(io)?;
                files.insert(entry.file_name().to_string_lossy().into_owned(), bytes);
            }
        }
    }
    Ok(files)
}

/// Check the evidence set at `path`.
pub fn verify(path: &Path) -> Result<Verification, VerifyError> {
    let shown = path.display().to_string();
    let mut files = read_set(path)?;
    let manifest = files
        .remove(MANIFEST)
        .ok_or_else(|| VerifyError::NoManifest(shown.clone()))?;
    let manifest: Manifest = serde_json::from_slice(&manifest)
        .map_err(|e| VerifyError::BadManifest(shown.clone(), e.to_string()))?;
    let mut result = Verification::default();
    for listed in &manifest.outputs {
        match files.remove(&listed.file) {
            None => result.missing.push(listed.file.clone()),
            Some(bytes) => {
                let found = sha256_hex(&bytes);
                if found == listed.sha256 && bytes.len() as u64 == listed.size {
                    result.unchanged.push(listed.file.clone());
                } else {
                    result
                        .changed
                        .push((listed.file.clone(), listed.sha256.clone(), found));
                }
            }
        }
    }
    result.unexpected = files.into_keys().collect();
    Ok(result)
}
