//! The case file's layout: its tables, the migrations from older layouts, connecting
//! (for writing, and read-only without leaving files beside the case),
//! and reading and checking the layout version.

use super::{AuditEntry, CaseError, SCHEMA_VERSION, damaged};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

/// What turns layout `n` into `n + 1`, in order from layout 1.
///
/// - 1 → 2: each source remembers the column mapping chosen in the import preview, so
///   that a case can read its files again (another time zone, a removed file) exactly
///   as they were first read. Layout-1 sources were read with the detected mapping.
/// - 2 → 3: the user's own IP databases, kept whole (name and bytes) so that the case
///   enriches its events the same way wherever it is opened.
/// - 3 → 4: each location's outline (a GeoJSON or KML polygon), as JSON.
pub(super) const MIGRATIONS: [&str; 3] = [
    "ALTER TABLE sources ADD COLUMN columns TEXT",
    "CREATE TABLE IF NOT EXISTS ip_databases (id INTEGER PRIMARY KEY, path TEXT NOT NULL, bytes BLOB NOT NULL)",
    "ALTER TABLE locations ADD COLUMN outline TEXT",
];

pub(super) const SCHEMA: &str = "
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
    country TEXT NOT NULL, lat REAL, lon REAL, extras TEXT NOT NULL, file INTEGER NOT NULL, line INTEGER NOT NULL,
    outline TEXT);
CREATE TABLE IF NOT EXISTS observations (id INTEGER PRIMARY KEY, location INTEGER NOT NULL,
    first_address BLOB NOT NULL, last_address BLOB NOT NULL, port_first INTEGER, port_last INTEGER,
    first_seen INTEGER, last_seen INTEGER, shared INTEGER NOT NULL, source TEXT NOT NULL,
    confidence TEXT NOT NULL, notes TEXT NOT NULL, extras TEXT NOT NULL, file INTEGER NOT NULL, line INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS issues (id INTEGER PRIMARY KEY, file INTEGER NOT NULL, line INTEGER NOT NULL,
    column_name TEXT NOT NULL, value TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ip_databases (id INTEGER PRIMARY KEY, path TEXT NOT NULL, bytes BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
    analyst TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_is_append_only_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_is_append_only_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

/// The tables a save replaces (everything but `meta` and `audit`).
pub(super) const DATA_TABLES: [&str; 10] = [
    "sources",
    "strings",
    "reports",
    "event_chunks",
    "event_extras",
    "locations",
    "observations",
    "issues",
    "state",
    "ip_databases",
];

/// Open the case at `path` for writing. A symlink there is refused, so that nothing
/// planted at a case's (or its temporary file's) name can redirect a save.
pub(super) fn connect(path: &Path) -> Result<Connection, CaseError> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_NOFOLLOW;
    let conn = Connection::open_with_flags(path, flags).map_err(damaged(path))?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(damaged(path))?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(damaged(path))?;
    Ok(conn)
}

/// A connection that never writes, nor leaves a `-wal` or `-shm` file beside the case:
/// with no journal beside it (every save ends with none), the file holds everything and
/// is opened `immutable`, which also reads from read-only media; with one (a save under
/// way, or killed), it is opened read-only so that SQLite reads the journal too.
pub(super) fn open_read_only(path: &Path) -> Result<Connection, CaseError> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let journal = ["-wal", "-journal"].iter().any(|suffix| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        Path::new(&name).exists()
    });
    if journal {
        recover_journal(path);
    }
    let conn = if journal {
        Connection::open_with_flags(path, flags)
    } else {
        let uri = format!("{}?immutable=1", file_uri(path));
        Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
    };
    conn.map_err(damaged(path))
}

/// Let SQLite finish what a killed save left beside the case (roll back its hot journal,
/// or recover its WAL): a read-only connection cannot, and would refuse the file. This
/// restores the last saved state and changes nothing else; where the folder cannot be
/// written (read-only media) it is skipped and the read-only open says what it can.
fn recover_journal(path: &Path) {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_NOFOLLOW;
    if let Ok(conn) = Connection::open_with_flags(path, flags) {
        let _ = conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
            row.get::<_, i64>(0)
        });
    }
}

/// `path` as an SQLite `file:` URI, every byte that could be read as URI syntax escaped.
fn file_uri(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let bytes = absolute.as_os_str().as_encoded_bytes();
    let mut uri = String::from("file:");
    if !bytes.starts_with(b"/") {
        uri.push('/');
    }
    for &byte in bytes {
        match byte {
            b'\\' if cfg!(windows) => uri.push('/'),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' | b':' => {
                uri.push(byte as char)
            }
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri
}

/// The schema version of an open file, or why it is not a case.
pub(super) fn schema_version(conn: &Connection, path: &Path) -> Result<i64, CaseError> {
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

pub(super) fn insert_audit(conn: &Connection, entries: &[AuditEntry]) -> rusqlite::Result<()> {
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
pub(super) fn upgrade(tx: &Connection, from: Option<i64>) -> rusqlite::Result<()> {
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

/// The layout of the case at `path`: one this version reads, whose tables are the ones
/// that layout has, so that a file claiming another layout than it has is refused when
/// opened rather than failing at its next save.
pub(super) fn check_version(conn: &Connection, path: &Path) -> Result<i64, CaseError> {
    let version = schema_version(conn, path)?;
    if version > SCHEMA_VERSION {
        return Err(CaseError::Newer {
            path: path.to_path_buf(),
            found: version,
        });
    }
    if version < 1 {
        return Err(CaseError::NotACase {
            path: path.to_path_buf(),
            reason: format!("its schema version is {version}; layouts start at 1"),
        });
    }
    if let Some(reason) = layout_mismatch(conn, version).map_err(damaged(path))? {
        return Err(CaseError::Damaged {
            path: path.to_path_buf(),
            reason,
        });
    }
    Ok(version)
}

/// How the file's tables differ from those of layout `version`, if they do.
fn layout_mismatch(conn: &Connection, version: i64) -> rusqlite::Result<Option<String>> {
    let expected = Connection::open_in_memory()?;
    expected.execute_batch(SCHEMA)?;
    let names: Vec<String> = expected
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for table in names {
        let mut wanted = columns_of(&expected, &table)?;
        if version < 2 && table == "sources" {
            wanted.retain(|c| c != "columns");
        }
        if version < 3 && table == "ip_databases" {
            wanted.clear();
        }
        if version < 4 && table == "locations" {
            wanted.retain(|c| c != "outline");
        }
        let found = columns_of(conn, &table)?;
        if found != wanted {
            return Ok(Some(format!(
                "its table {table} has the columns {found:?}, where layout {version} has {wanted:?}"
            )));
        }
    }
    Ok(None)
}

/// The column names of `table`, in order (none if it is missing).
fn columns_of(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    conn.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?
        .query_map([table], |row| row.get(0))?
        .collect()
}

pub(super) fn read_audit(conn: &Connection) -> rusqlite::Result<Vec<AuditEntry>> {
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
