//! Case files: an investigation in one SQLite file, so that it can be closed and
//! reopened without the original inputs. A case holds the imported, normalised data,
//! each source file's name, size and SHA-256, the parameters, the filter and named saved
//! views, the triage tags and notes, and an append-only audit log.
//!
//! **Crash safety.** SQLite in WAL mode; a save replaces everything but the audit log in
//! one transaction, so a process killed during a save leaves the case as it was before.
//!
//! **Speed.** The events (millions) are stored column by column in chunks of raw
//! little-endian bytes, so that saving and reopening copy memory instead of binding
//! ten million rows one value at a time.
//!
//! **Versions.** `meta.schema_version` says which layout a file has. [`open`] reads
//! every older layout and refuses newer ones with a clear message; the next save
//! migrates an older file in the same transaction as the save (see [`MIGRATIONS`]).

pub mod lock;
mod read;
mod schema;
mod write;

pub use read::open;
use schema::{check_version, connect, insert_audit, upgrade};
use write::write;

use crate::analysis::filter::Filter;
use crate::analysis::triage::Triage;
use crate::model::Dataset;
use crate::values::progress::{Cancelled, Progress};
use rusqlite::params;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// The layout this version writes.
pub const SCHEMA_VERSION: i64 = 4;

/// What a case holds besides the data.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CaseState {
    /// The matching parameters as the user typed them (tolerance, time zone, date order).
    pub params: crate::params::Params,
    pub filter: Filter,
    /// Named saved views: a name and its filter ("KK Park 2023, IP+time").
    pub views: Vec<(String, Filter)>,
    pub triage: Triage,
    pub analyst: String,
    /// Locations selected on the map or in a table (they narrow every view).
    #[serde(default)]
    pub selection: std::collections::BTreeSet<String>,
    /// Where the workbench was when saved.
    #[serde(default)]
    pub layout: Layout,
}

/// What the workbench showed: its central tab, the report open in the detail window and
/// the map's area.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Layout {
    /// "map", "locations", "reports" or "matches".
    pub tab: String,
    /// The report id shown in the detail window, if any.
    pub report: String,
    /// The map's centre and zoom: longitude, latitude, zoom level.
    #[serde(default)]
    pub map: Option<[f64; 3]>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// RFC 3339, UTC.
    pub at: String,
    pub analyst: String,
    pub action: String,
    pub detail: String,
}

impl AuditEntry {
    /// An entry stamped with the current time.
    pub fn now(analyst: &str, action: &str, detail: &str) -> AuditEntry {
        AuditEntry {
            at: now(),
            analyst: analyst.to_string(),
            action: action.to_string(),
            detail: detail.to_string(),
        }
    }
}

/// What a save writes besides the audit log.
#[derive(Debug, Clone, Copy)]
pub struct CaseContents<'a> {
    pub dataset: &'a Dataset,
    pub state: &'a CaseState,
    /// Per file of `dataset.files`, the column mapping chosen in the import preview as
    /// JSON (see `pipeline::Inputs::mappings_of`), or `None` for the detected one.
    pub mappings: &'a [Option<String>],
}

/// A case as read back.
#[derive(Debug, Clone)]
pub struct Case {
    pub dataset: Dataset,
    /// Per file of `dataset.files`, as [`CaseContents::mappings`].
    pub mappings: Vec<Option<String>>,
    pub state: CaseState,
    pub audit: Vec<AuditEntry>,
    pub schema_version: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("{path}: not a Compound Atlas case file ({reason})")]
    NotACase { path: PathBuf, reason: String },
    #[error(
        "{path} was written by a newer Compound Atlas (case layout {found}; this version reads up to {SCHEMA_VERSION}); open it with a newer version"
    )]
    Newer { path: PathBuf, found: i64 },
    #[error("{path}: the case file is damaged: {reason}")]
    Damaged { path: PathBuf, reason: String },
    #[error("{path} cannot be written ({reason}); copy the case somewhere writable")]
    NotWritable { path: PathBuf, reason: String },
    #[error("cancelled; the case file is as it was before")]
    Cancelled(#[from] Cancelled),
    #[error(
        "{path} is in use by another Compound Atlas: {by}; close it there first, or open a copy of it"
    )]
    InUse { path: PathBuf, by: String },
}

fn damaged(path: &Path) -> impl Fn(rusqlite::Error) -> CaseError + '_ {
    move |e| CaseError::Damaged {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// A case whose content makes no sense, for this reason.
fn damaged_because(path: &Path) -> impl Fn(String) -> CaseError + '_ {
    move |reason| CaseError::Damaged {
        path: path.to_path_buf(),
        reason,
    }
}

fn now() -> String {
    crate::values::time::format_time(chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0))
}

/// Add lines to the audit log of the case at `path` (which must exist).
pub fn append_audit(path: &Path, entries: &[AuditEntry]) -> Result<(), CaseError> {
    let mut conn = connect(path)?;
    let version = check_version(&conn, path)?;
    let fail = damaged(path);
    let tx = conn.transaction().map_err(&fail)?;
    upgrade(&tx, Some(version)).map_err(&fail)?;
    insert_audit(&tx, entries).map_err(&fail)?;
    tx.commit().map_err(&fail)?;
    leave_journal_mode(conn, path)
}

/// Progress counted in `total` steps: each call counts one, and fails when cancelled.
fn steps_of(progress: &Progress, total: u64) -> impl Fn() -> Result<(), CaseError> + '_ {
    progress.bytes_total.store(total, Ordering::Relaxed);
    progress.bytes_done.store(0, Ordering::Relaxed);
    move || {
        progress.bytes_done.fetch_add(1, Ordering::Relaxed);
        if progress.is_cancelled() {
            Err(CaseError::Cancelled(Cancelled))
        } else {
            Ok(())
        }
    }
}

/// Save `contents` to the case at `path` (created if needed) and add `new_audit` to its
/// audit log, in one transaction. An existing file must be a case; an older layout is
/// migrated in the same transaction. Progress counts the steps (11); Cancel is checked
/// between them and rolls everything back.
pub fn save(
    path: &Path,
    contents: CaseContents,
    new_audit: &[AuditEntry],
    progress: &Progress,
) -> Result<(), CaseError> {
    if !path.exists() {
        // A new case appears whole or not at all: a full disk leaves no stub behind
        // that a later run would call damaged.
        return save_as(path, contents, new_audit, progress);
    }
    let mut conn = connect(path)?;
    let version = check_version(&conn, path)?;
    write(
        &mut conn,
        path,
        Some(version),
        contents,
        new_audit,
        progress,
    )?;
    leave_journal_mode(conn, path)
}

/// End a write with the file holding everything and no journal beside it: out of WAL
/// mode, so that the case can be read from read-only media and read without leaving
/// files behind ([`open`]).
fn leave_journal_mode(conn: rusqlite::Connection, path: &Path) -> Result<(), CaseError> {
    conn.pragma_update(None, "journal_mode", "DELETE")
        .map_err(damaged(path))?;
    conn.close().map_err(|(_, e)| damaged(path)(e))
}

/// Fail unless the case at `path` can be written (its file and folder), without
/// changing it: what an export checks before it writes an evidence set that the case's
/// audit log must then record.
pub fn check_writable(path: &Path) -> Result<(), CaseError> {
    let refuse = |reason: String| CaseError::NotWritable {
        path: path.to_path_buf(),
        reason,
    };
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| refuse(e.to_string()))?;
    drop(file);
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // SQLite writes its journal beside the case.
    tempfile::tempfile_in(folder)
        .map(drop)
        .map_err(|e| refuse(format!("its folder cannot be written: {e}")))?;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW,
    )
    .map_err(|e| refuse(e.to_string()))?;
    check_version(&conn, path)?;
    Ok(())
}

/// Write a new case at `path` with `contents` and the whole audit log `audit` (the case
/// it was saved from keeps its history). Whatever is at `path` is replaced only once the
/// new file is complete: it is written under a temporary name beside it, then renamed.
pub fn save_as(
    path: &Path,
    contents: CaseContents,
    audit: &[AuditEntry],
    progress: &Progress,
) -> Result<(), CaseError> {
    let temp = hidden_beside(path, "saving");
    let io = |e: std::io::Error| CaseError::Damaged {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    // A file left by a save that was killed is garbage; never anyone's case.
    remove_with_journals(&temp).map_err(io)?;
    let written = (|| {
        let mut conn = connect(&temp)?;
        write(&mut conn, &temp, None, contents, audit, progress)?;
        // Out of WAL mode, so that the renamed file holds everything by itself.
        leave_journal_mode(conn, &temp)
    })();
    if let Err(e) = written {
        let _ = remove_with_journals(&temp);
        return Err(e);
    }
    // The journals of the file being replaced would be read as the new file's.
    remove_with_journals(path).map_err(io)?;
    std::fs::rename(&temp, path).map_err(io)
}

/// A hidden file beside the case at `path` for one purpose: `.NAME.purpose`.
fn hidden_beside(path: &Path, purpose: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "case".into());
    path.with_file_name(format!(".{name}.{purpose}"))
}

fn remove_with_journals(path: &Path) -> std::io::Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// Save only `state` and `new_audit` to the case at `path`, whose data is unchanged since
/// it was last saved: what an autosave does between imports, in milliseconds where a
/// whole save of full-scale data takes seconds.
pub fn save_state(
    path: &Path,
    state: &CaseState,
    new_audit: &[AuditEntry],
) -> Result<(), CaseError> {
    let mut conn = connect(path)?;
    let version = check_version(&conn, path)?;
    let fail = damaged(path);
    let tx = conn.transaction().map_err(&fail)?;
    upgrade(&tx, Some(version)).map_err(&fail)?;
    tx.execute(
        "INSERT OR REPLACE INTO state (key, value) VALUES ('case', ?1)",
        params![serde_json::to_string(state).expect("JSON")],
    )
    .map_err(&fail)?;
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('saved_at', ?1)",
        params![now()],
    )
    .map_err(&fail)?;
    insert_audit(&tx, new_audit).map_err(&fail)?;
    tx.commit().map_err(&fail)?;
    leave_journal_mode(conn, path)
}
