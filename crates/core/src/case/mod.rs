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

use crate::analysis::filter::Filter;
use crate::analysis::triage::Triage;
use crate::model::{Dataset, FileKind, Issue, Location, Observation, Severity, SourceFile};
use crate::values::address::AddressSet;
use crate::values::progress::{Cancelled, Progress};
use crate::values::scalars::PortRange;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// The layout this version writes.
pub const SCHEMA_VERSION: i64 = 2;

/// What turns layout `n` into `n + 1`, in order from layout 1.
///
/// - 1 → 2: each source remembers the column mapping chosen in the import preview, so
///   that a case can read its files again (another time zone, a removed file) exactly
///   as they were first read. Layout-1 sources were read with the detected mapping.
const MIGRATIONS: [&str; 1] = ["ALTER TABLE sources ADD COLUMN columns TEXT"];

/// Events per stored chunk of a column.
const CHUNK: usize = 1 << 20;

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

fn now() -> String {
    crate::values::time::format_time(chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0))
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (id INTEGER PRIMARY KEY, path TEXT NOT NULL, kind TEXT NOT NULL,
    size INTEGER NOT NULL, sha256 TEXT NOT NULL, rows_accepted INTEGER NOT NULL, rows_rejected INTEGER NOT NULL,
    rows_with_warnings INTEGER NOT NULL, duplicate_events INTEGER NOT NULL, extra_columns TEXT NOT NULL,
    columns TEXT);
CREATE TABLE IF NOT EXISTS strings (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (id INTEGER PRIMARY KEY, report_id TEXT NOT NULL,
    incident_type INTEGER NOT NULL, platform INTEGER NOT NULL, report_date INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS event_chunks (name TEXT NOT NULL, chunk INTEGER NOT NULL, bytes BLOB NOT NULL,
    PRIMARY KEY (name, chunk));
CREATE TABLE IF NOT EXISTS event_extras (event INTEGER PRIMARY KEY, extra TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS locations (id INTEGER PRIMARY KEY, location_id TEXT NOT NULL, name TEXT NOT NULL,
    country TEXT NOT NULL, lat REAL, lon REAL, extras TEXT NOT NULL, file INTEGER NOT NULL, line INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS observations (id INTEGER PRIMARY KEY, location INTEGER NOT NULL,
    first_address BLOB NOT NULL, last_address BLOB NOT NULL, port_first INTEGER, port_last INTEGER,
    first_seen INTEGER, last_seen INTEGER, shared INTEGER NOT NULL, source TEXT NOT NULL,
    confidence TEXT NOT NULL, notes TEXT NOT NULL, extras TEXT NOT NULL, file INTEGER NOT NULL, line INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS issues (id INTEGER PRIMARY KEY, file INTEGER NOT NULL, line INTEGER NOT NULL,
    column_name TEXT NOT NULL, value TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
    analyst TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_is_append_only_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_is_append_only_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

/// The tables a save replaces (everything but `meta` and `audit`).
const DATA_TABLES: [&str; 9] = [
    "sources",
    "strings",
    "reports",
    "event_chunks",
    "event_extras",
    "locations",
    "observations",
    "issues",
    "state",
];

fn connect(path: &Path) -> Result<Connection, CaseError> {
    let conn = Connection::open(path).map_err(damaged(path))?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(damaged(path))?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(damaged(path))?;
    Ok(conn)
}

/// The schema version of an open file, or why it is not a case.
fn schema_version(conn: &Connection, path: &Path) -> Result<i64, CaseError> {
    let not_a_case = |reason: String| CaseError::NotACase {
        path: path.to_path_buf(),
        reason,
    };
    let has_meta: bool = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
            [],
            |row| row.get::<_, i64>(0),
        )
        .map_err(|e| not_a_case(e.to_string()))?
        > 0;
    if !has_meta {
        return Err(not_a_case("it has no case metadata".into()));
    }
    let version: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(|e| not_a_case(e.to_string()))?;
    let version = version.ok_or_else(|| not_a_case("it has no schema version".into()))?;
    version
        .parse()
        .map_err(|_| not_a_case(format!("its schema version is \"{version}\"")))
}

/// Add lines to the audit log of the case at `path` (which must exist).
pub fn append_audit(path: &Path, entries: &[AuditEntry]) -> Result<(), CaseError> {
    let mut conn = connect(path)?;
    let version = check_version(&conn, path)?;
    let fail = damaged(path);
    let tx = conn.transaction().map_err(&fail)?;
    upgrade(&tx, Some(version)).map_err(&fail)?;
    insert_audit(&tx, entries).map_err(&fail)?;
    tx.commit().map_err(&fail)
}

fn insert_audit(conn: &Connection, entries: &[AuditEntry]) -> rusqlite::Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO audit (at, analyst, action, detail) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for entry in entries {
        insert.execute(params![entry.at, entry.analyst, entry.action, entry.detail])?;
    }
    Ok(())
}

/// Bring a file of layout `from` (`None`: a new file) up to [`SCHEMA_VERSION`], inside
/// the transaction of the save that needs it, so that a failed save leaves it as it was.
fn upgrade(tx: &Connection, from: Option<i64>) -> rusqlite::Result<()> {
    if let Some(from) = from {
        let done = usize::try_from(from - 1).unwrap_or(0);
        for migration in MIGRATIONS.iter().skip(done) {
            tx.execute_batch(migration)?;
        }
    }
    tx.execute_batch(SCHEMA)?;
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?1)",
        params![SCHEMA_VERSION.to_string()],
    )?;
    Ok(())
}

fn check_version(conn: &Connection, path: &Path) -> Result<i64, CaseError> {
    let version = schema_version(conn, path)?;
    if version > SCHEMA_VERSION {
        return Err(CaseError::Newer {
            path: path.to_path_buf(),
            found: version,
        });
    }
    Ok(version)
}

fn le_bytes<T: Copy, const N: usize>(values: &[T], to_bytes: impl Fn(T) -> [u8; N]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(values.len() * N);
    for &value in values {
        bytes.extend_from_slice(&to_bytes(value));
    }
    bytes
}

fn from_le<T, const N: usize>(bytes: &[u8], from_bytes: impl Fn([u8; N]) -> T) -> Vec<T> {
    bytes
        .chunks_exact(N)
        .map(|c| from_bytes(c.try_into().expect("chunks of N")))
        .collect()
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

/// One event column's bytes for a range of events.
type ColumnBytes<'a> = Box<dyn Fn(std::ops::Range<usize>) -> Vec<u8> + 'a>;

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
    let exists = path.exists();
    let mut conn = connect(path)?;
    let version = if exists {
        Some(check_version(&conn, path)?)
    } else {
        None
    };
    write(&mut conn, path, version, contents, new_audit, progress)
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
        conn.pragma_update(None, "journal_mode", "DELETE")
            .map_err(damaged(&temp))?;
        Ok(())
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
    tx.commit().map_err(&fail)
}

fn write(
    conn: &mut Connection,
    path: &Path,
    version: Option<i64>,
    contents: CaseContents,
    new_audit: &[AuditEntry],
    progress: &Progress,
) -> Result<(), CaseError> {
    let CaseContents {
        dataset,
        state,
        mappings,
    } = contents;
    let fail = damaged(path);
    let tx = conn.transaction().map_err(&fail)?;
    upgrade(&tx, version).map_err(&fail)?;
    let step = steps_of(progress, 11);
    for table in DATA_TABLES {
        tx.execute(&format!("DELETE FROM {table}"), [])
            .map_err(&fail)?;
    }
    let meta = [
        ("app_version", env!("CARGO_PKG_VERSION").to_string()),
        ("saved_at", now()),
    ];
    for (key, value) in meta {
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![key, value],
        )
        .map_err(&fail)?;
    }
    tx.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('created_at', ?1)",
        params![now()],
    )
    .map_err(&fail)?;
    step()?;
    {
        let mut insert = tx
            .prepare("INSERT INTO sources VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
            .map_err(&fail)?;
        for (i, f) in dataset.files.iter().enumerate() {
            insert
                .execute(params![
                    i as i64,
                    f.path.to_string_lossy(),
                    f.kind.as_str(),
                    f.size as i64,
                    f.sha256,
                    f.rows_accepted as i64,
                    f.rows_rejected as i64,
                    f.rows_with_warnings as i64,
                    f.duplicate_events as i64,
                    serde_json::to_string(&f.extra_columns).expect("JSON"),
                    mappings.get(i).cloned().flatten(),
                ])
                .map_err(&fail)?;
        }
        let mut insert = tx
            .prepare("INSERT INTO strings VALUES (?1, ?2)")
            .map_err(&fail)?;
        for i in 0..dataset.strings.len() as u32 {
            insert
                .execute(params![i64::from(i), dataset.strings.get(i)])
                .map_err(&fail)?;
        }
    }
    step()?;
    {
        let reports = &dataset.reports;
        let mut insert = tx
            .prepare("INSERT INTO reports VALUES (?1, ?2, ?3, ?4, ?5)")
            .map_err(&fail)?;
        for r in 0..reports.len() {
            insert
                .execute(params![
                    r as i64,
                    reports.id(r as u32),
                    i64::from(reports.incident_type[r]),
                    i64::from(reports.platform[r]),
                    reports.report_date[r],
                ])
                .map_err(&fail)?;
        }
    }
    step()?;
    {
        let events = &dataset.events;
        let columns: [(&str, ColumnBytes); 8] = [
            (
                "addr",
                Box::new(|r| le_bytes(&events.addr[r], u128::to_le_bytes)),
            ),
            (
                "time",
                Box::new(|r| le_bytes(&events.time[r], i64::to_le_bytes)),
            ),
            (
                "report",
                Box::new(|r| le_bytes(&events.report[r], u32::to_le_bytes)),
            ),
            (
                "port",
                Box::new(|r| le_bytes(&events.port[r], u16::to_le_bytes)),
            ),
            ("flags", Box::new(|r| events.flags[r].to_vec())),
            (
                "name",
                Box::new(|r| le_bytes(&events.name[r], u32::to_le_bytes)),
            ),
            (
                "file",
                Box::new(|r| le_bytes(&events.file[r], u16::to_le_bytes)),
            ),
            (
                "line",
                Box::new(|r| le_bytes(&events.line[r], u32::to_le_bytes)),
            ),
        ];
        let mut insert = tx
            .prepare("INSERT INTO event_chunks VALUES (?1, ?2, ?3)")
            .map_err(&fail)?;
        for (name, bytes_of) in &columns {
            for (chunk, start) in (0..events.len()).step_by(CHUNK).enumerate() {
                let range = start..(start + CHUNK).min(events.len());
                insert
                    .execute(params![name, chunk as i64, bytes_of(range)])
                    .map_err(&fail)?;
            }
            step()?;
        }
        let mut insert = tx
            .prepare("INSERT INTO event_extras VALUES (?1, ?2)")
            .map_err(&fail)?;
        for (event, values) in &dataset.event_extras {
            insert
                .execute(params![
                    i64::from(*event),
                    serde_json::to_string(values).expect("JSON")
                ])
                .map_err(&fail)?;
        }
    }
    {
        let mut insert = tx
            .prepare("INSERT INTO locations VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
            .map_err(&fail)?;
        for (i, l) in dataset.locations.iter().enumerate() {
            insert
                .execute(params![
                    i as i64,
                    l.id,
                    l.name,
                    l.country,
                    l.lat,
                    l.lon,
                    serde_json::to_string(&l.extras).expect("JSON"),
                    i64::from(l.file),
                    i64::from(l.line),
                ])
                .map_err(&fail)?;
        }
        let mut insert = tx
            .prepare(
                "INSERT INTO observations VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )
            .map_err(&fail)?;
        for (i, o) in dataset.observations.iter().enumerate() {
            insert
                .execute(params![
                    i as i64,
                    i64::from(o.location),
                    o.addresses.first.to_le_bytes().to_vec(),
                    o.addresses.last.to_le_bytes().to_vec(),
                    o.ports.map(|p| i64::from(p.first)),
                    o.ports.map(|p| i64::from(p.last)),
                    o.first_seen,
                    o.last_seen,
                    o.shared,
                    o.source,
                    o.confidence,
                    o.notes,
                    serde_json::to_string(&o.extras).expect("JSON"),
                    i64::from(o.file),
                    i64::from(o.line),
                ])
                .map_err(&fail)?;
        }
        let mut insert = tx
            .prepare("INSERT INTO issues VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            .map_err(&fail)?;
        for (i, issue) in dataset.issues.iter().enumerate() {
            insert
                .execute(params![
                    i as i64,
                    i64::from(issue.file),
                    issue.line as i64,
                    issue.column,
                    issue.value,
                    issue.severity.as_str(),
                    issue.message,
                ])
                .map_err(&fail)?;
        }
        tx.execute(
            "INSERT INTO state VALUES ('case', ?1)",
            params![serde_json::to_string(state).expect("JSON")],
        )
        .map_err(&fail)?;
        insert_audit(&tx, new_audit).map_err(&fail)?;
    }
    step()?;
    tx.commit().map_err(&fail)?;
    Ok(())
}

/// Read the case at `path`. Progress counts the steps (11); Cancel is checked between them.
pub fn open(path: &Path, progress: &Progress) -> Result<Case, CaseError> {
    if !path.is_file() {
        return Err(CaseError::NotACase {
            path: path.to_path_buf(),
            reason: "there is no such file".into(),
        });
    }
    // Read-only, so that opening a foreign file never writes to it.
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(damaged(path))?;
    let schema_version = check_version(&conn, path)?;
    let step = steps_of(progress, 11);
    let fail = damaged(path);
    let bad = |reason: String| CaseError::Damaged {
        path: path.to_path_buf(),
        reason,
    };
    let mut dataset = Dataset::default();
    let mut mappings = Vec::new();
    {
        // Layout 1 has no column mappings: its files were read with the detected ones.
        let columns = if schema_version >= 2 {
            "columns"
        } else {
            "NULL"
        };
        let mut query = conn.prepare(&format!("SELECT path, kind, size, sha256, rows_accepted, rows_rejected, rows_with_warnings, duplicate_events, extra_columns, {columns} FROM sources ORDER BY id")).map_err(&fail)?;
        let rows = query
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    [
                        row.get::<_, i64>(2)?,
                        row.get(4)?,
                        row.get(5)?,
                        row.get(6)?,
                        row.get(7)?,
                    ],
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(8)?,
                    row.get::<_, Option<String>>(9)?,
                ))
            })
            .map_err(&fail)?;
        for row in rows {
            let (file_path, kind, n, sha256, extra, mapping) = row.map_err(&fail)?;
            mappings.push(mapping);
            dataset.files.push(SourceFile {
                path: file_path.into(),
                kind: if kind == "locations" {
                    FileKind::Locations
                } else {
                    FileKind::Reports
                },
                size: n[0] as u64,
                sha256,
                rows_accepted: n[1] as u64,
                rows_rejected: n[2] as u64,
                rows_with_warnings: n[3] as u64,
                duplicate_events: n[4] as u64,
                extra_columns: serde_json::from_str(&extra).map_err(|e| bad(e.to_string()))?,
            });
        }
        let mut query = conn
            .prepare("SELECT text FROM strings ORDER BY id")
            .map_err(&fail)?;
        for text in query
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(&fail)?
        {
            let text = text.map_err(&fail)?;
            let expected = dataset.strings.len() as u32;
            // Texts are stored once each, in the order of their numbers: a repeated one
            // would shift every number after it.
            if !text.is_empty() && dataset.strings.intern(&text) != expected {
                return Err(bad(format!("the text {text:?} is stored twice")));
            }
        }
        let mut query = conn
            .prepare(
                "SELECT report_id, incident_type, platform, report_date FROM reports ORDER BY id",
            )
            .map_err(&fail)?;
        let rows = query
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, i64>(3)?,
                ))
            })
            .map_err(&fail)?;
        for row in rows {
            let (id, incident, platform, date) = row.map_err(&fail)?;
            let (r, _) = dataset.reports.intern(&id);
            dataset.reports.incident_type[r as usize] = incident as u32;
            dataset.reports.platform[r as usize] = platform as u32;
            dataset.reports.report_date[r as usize] = date;
        }
    }
    {
        step()?;
        let column = |name: &str| -> Result<Vec<u8>, CaseError> {
            step()?;
            let mut query = conn
                .prepare("SELECT bytes FROM event_chunks WHERE name = ?1 ORDER BY chunk")
                .map_err(&fail)?;
            let mut bytes = Vec::new();
            for chunk in query
                .query_map([name], |row| row.get::<_, Vec<u8>>(0))
                .map_err(&fail)?
            {
                bytes.extend_from_slice(&chunk.map_err(&fail)?);
            }
            Ok(bytes)
        };
        let events = &mut dataset.events;
        events.addr = from_le(&column("addr")?, u128::from_le_bytes);
        events.time = from_le(&column("time")?, i64::from_le_bytes);
        events.report = from_le(&column("report")?, u32::from_le_bytes);
        events.port = from_le(&column("port")?, u16::from_le_bytes);
        events.flags = column("flags")?;
        events.name = from_le(&column("name")?, u32::from_le_bytes);
        events.file = from_le(&column("file")?, u16::from_le_bytes);
        events.line = from_le(&column("line")?, u32::from_le_bytes);
        let n = events.addr.len();
        let lengths = [
            events.time.len(),
            events.report.len(),
            events.port.len(),
            events.flags.len(),
            events.name.len(),
            events.file.len(),
            events.line.len(),
        ];
        if lengths.iter().any(|&l| l != n) {
            return Err(bad(format!(
                "the event columns differ in length: {n} and {lengths:?}"
            )));
        }
        let reports = dataset.reports.len() as u32;
        if events.report.iter().any(|&r| r >= reports) {
            return Err(bad("an event points to a report that is not there".into()));
        }
        let mut query = conn
            .prepare("SELECT event, extra FROM event_extras ORDER BY event")
            .map_err(&fail)?;
        for row in query
            .query_map([], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(&fail)?
        {
            let (event, extra) = row.map_err(&fail)?;
            let values: Vec<String> =
                serde_json::from_str(&extra).map_err(|e| bad(e.to_string()))?;
            dataset.event_extras.push((
                event as u32,
                values.into_iter().map(String::into_boxed_str).collect(),
            ));
        }
    }
    {
        step()?;
        let mut query = conn.prepare("SELECT location_id, name, country, lat, lon, extras, file, line FROM locations ORDER BY id").map_err(&fail)?;
        let rows = query
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<f64>>(3)?,
                    row.get::<_, Option<f64>>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, i64>(6)?,
                    row.get::<_, i64>(7)?,
                ))
            })
            .map_err(&fail)?;
        for row in rows {
            let (id, name, country, lat, lon, extras, file, line) = row.map_err(&fail)?;
            dataset.locations.push(Location {
                id,
                name,
                country,
                lat,
                lon,
                extras: serde_json::from_str(&extras).map_err(|e| bad(e.to_string()))?,
                file: file as u16,
                line: line as u32,
            });
        }
        let mut query = conn.prepare("SELECT location, first_address, last_address, port_first, port_last, first_seen, last_seen, shared, source, confidence, notes, extras, file, line FROM observations ORDER BY id").map_err(&fail)?;
        let address = |bytes: Vec<u8>| -> rusqlite::Result<u128> {
            let array: [u8; 16] = bytes.try_into().map_err(|_| {
                rusqlite::Error::InvalidColumnType(1, "address".into(), rusqlite::types::Type::Blob)
            })?;
            Ok(u128::from_le_bytes(array))
        };
        let rows = query
            .query_map([], |row| {
                let ports = match (row.get::<_, Option<i64>>(3)?, row.get::<_, Option<i64>>(4)?) {
                    (Some(first), Some(last)) => Some(PortRange {
                        first: first as u16,
                        last: last as u16,
                    }),
                    _ => None,
                };
                Ok(Observation {
                    location: row.get::<_, i64>(0)? as u32,
                    addresses: AddressSet {
                        first: address(row.get(1)?)?,
                        last: address(row.get(2)?)?,
                    },
                    ports,
                    first_seen: row.get(5)?,
                    last_seen: row.get(6)?,
                    shared: row.get(7)?,
                    source: row.get(8)?,
                    confidence: row.get(9)?,
                    notes: row.get(10)?,
                    extras: serde_json::from_str(&row.get::<_, String>(11)?).map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(
                            11,
                            rusqlite::types::Type::Text,
                            Box::new(e),
                        )
                    })?,
                    file: row.get::<_, i64>(12)? as u16,
                    line: row.get::<_, i64>(13)? as u32,
                })
            })
            .map_err(&fail)?;
        for row in rows {
            dataset.observations.push(row.map_err(&fail)?);
        }
        let mut query = conn
            .prepare(
                "SELECT file, line, column_name, value, severity, message FROM issues ORDER BY id",
            )
            .map_err(&fail)?;
        let rows = query
            .query_map([], |row| {
                Ok(Issue {
                    file: row.get::<_, i64>(0)? as u16,
                    line: row.get::<_, i64>(1)? as u64,
                    column: row.get(2)?,
                    value: row.get(3)?,
                    severity: if row.get::<_, String>(4)? == "error" {
                        Severity::Error
                    } else {
                        Severity::Warning
                    },
                    message: row.get(5)?,
                })
            })
            .map_err(&fail)?;
        for row in rows {
            dataset.issues.push(row.map_err(&fail)?);
        }
    }
    if let Some(reason) = dangling_reference(&dataset) {
        return Err(bad(reason));
    }
    dataset.rebuild_report_events();
    step()?;
    let state: Option<String> = conn
        .query_row("SELECT value FROM state WHERE key = 'case'", [], |row| {
            row.get(0)
        })
        .optional()
        .map_err(&fail)?;
    let state = match state {
        Some(json) => serde_json::from_str(&json).map_err(|e| bad(e.to_string()))?,
        None => CaseState::default(),
    };
    let audit = read_audit(&conn).map_err(&fail)?;
    Ok(Case {
        dataset,
        mappings,
        state,
        audit,
        schema_version,
    })
}

/// What in `dataset` points past the table it numbers into, if anything. Every view looks
/// these numbers up without a check, so a case whose numbers are wrong (a damaged or
/// hand-edited file) is refused when opened rather than crashing the workbench later.
fn dangling_reference(dataset: &Dataset) -> Option<String> {
    let strings = dataset.strings.len() as u32;
    let files = dataset.files.len() as u16;
    let locations = dataset.locations.len() as u32;
    if let Some(r) = (0..dataset.reports.len()).find(|&r| {
        dataset.reports.platform[r] >= strings || dataset.reports.incident_type[r] >= strings
    }) {
        return Some(format!(
            "report {} has a platform or incident type that is not among the case's texts",
            dataset.reports.id(r as u32)
        ));
    }
    if let Some(e) = dataset.events.name.iter().position(|&s| s >= strings) {
        return Some(format!(
            "event {e} has a name that is not among the case's texts"
        ));
    }
    if let Some(e) = dataset.events.file.iter().position(|&f| f >= files) {
        return Some(format!(
            "event {e} comes from a source file that is not there"
        ));
    }
    let file_of_row = dataset
        .locations
        .iter()
        .map(|l| l.file)
        .chain(dataset.observations.iter().map(|o| o.file))
        .chain(dataset.issues.iter().map(|i| i.file));
    if file_of_row.into_iter().any(|f| f >= files) {
        return Some(
            "a location, observation or import problem comes from a source file that is not there"
                .into(),
        );
    }
    if let Some(o) = dataset
        .observations
        .iter()
        .position(|o| o.location >= locations)
    {
        return Some(format!(
            "observation {o} belongs to a location that is not there"
        ));
    }
    None
}

fn read_audit(conn: &Connection) -> rusqlite::Result<Vec<AuditEntry>> {
    let mut query = conn.prepare("SELECT at, analyst, action, detail FROM audit ORDER BY id")?;
    query
        .query_map([], |row| {
            Ok(AuditEntry {
                at: row.get(0)?,
                analyst: row.get(1)?,
                action: row.get(2)?,
                detail: row.get(3)?,
            })
        })?
        .collect()
}
