//! Reading a case back: every table into a dataset, checked so that no stored number
//! points past the table it numbers into or lies outside its range (a negative count, an
//! index that would wrap, a reversed range, an infinite coordinate), then the state and
//! the audit log. A case file may come from anyone: it is refused as damaged, never
//! trusted to be what this program wrote.
//!
//! About 600 lines: one reader per table (the IP databases the case keeps included), each
//! beside the checks it shares with the others.

use super::schema::{check_version, open_read_only, read_audit};
use super::{Case, CaseError, CaseState, damaged, damaged_because, steps_of};
use crate::model::{Dataset, FileKind, Issue, Location, Observation, Severity, SourceFile};
use crate::values::address::{AddressSet, is_v4};
use crate::values::progress::Progress;
use crate::values::scalars::PortRange;
use rusqlite::{Connection, OptionalExtension};
use std::path::Path;

fn from_le<T, const N: usize>(bytes: &[u8], from_bytes: impl Fn([u8; N]) -> T) -> Vec<T> {
    bytes
        .chunks_exact(N)
        .map(|c| from_bytes(c.try_into().expect("chunks of N")))
        .collect()
}

/// A row error of `table` in words, with the column named instead of numbered.
fn in_table<'a>(
    path: &'a Path,
    table: &'a str,
    columns: &'a [&'a str],
) -> impl Fn(rusqlite::Error) -> CaseError + 'a {
    move |e| {
        let column = |i: usize| columns.get(i).copied().unwrap_or("?");
        let reason = match &e {
            rusqlite::Error::IntegralValueOutOfRange(i, value) => {
                format!(
                    "{table}.{} holds {value}, which is out of range",
                    column(*i)
                )
            }
            rusqlite::Error::InvalidColumnType(i, _, found) => {
                format!("{table}.{} holds a value of type {found}", column(*i))
            }
            rusqlite::Error::FromSqlConversionFailure(i, _, reason) => {
                format!("{table}.{}: {reason}", column(*i))
            }
            other => format!("{table}: {other}"),
        };
        CaseError::Damaged {
            path: path.to_path_buf(),
            reason,
        }
    }
}

/// A conversion failure for column `i`, for checks inside a row mapping.
fn invalid(i: usize, reason: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Null, reason.into())
}

/// A count or line number as stored: never negative.
fn unsigned(row: &rusqlite::Row, i: usize) -> rusqlite::Result<u64> {
    let value: i64 = row.get(i)?;
    u64::try_from(value).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(i, value))
}

/// A latitude or longitude as stored: absent, or finite and within ±`limit`.
fn degrees(row: &rusqlite::Row, i: usize, limit: f64) -> rusqlite::Result<Option<f64>> {
    match row.get::<_, Option<f64>>(i)? {
        Some(v) if !(v.is_finite() && v.abs() <= limit) => Err(invalid(
            i,
            format!("{v} is not a coordinate within ±{limit}°"),
        )),
        v => Ok(v),
    }
}

/// Read the case at `path`. Progress counts the steps (11); Cancel is checked between them.
pub fn open(path: &Path, progress: &Progress) -> Result<Case, CaseError> {
    if !path.is_file() {
        let reason = match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => "it is a folder; give the case file inside it".into(),
            Ok(_) => "it is not a regular file".into(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "there is no such file".into(),
            Err(e) => format!("it cannot be read: {e}"),
        };
        return Err(CaseError::NotACase {
            path: path.to_path_buf(),
            reason,
        });
    }
    let conn = open_read_only(path)?;
    let schema_version = check_version(&conn, path)?;
    let step = steps_of(progress, 11);
    let mut dataset = Dataset::default();
    let mappings = read_sources(&conn, path, schema_version, &mut dataset)?;
    read_strings(&conn, path, &mut dataset)?;
    read_reports(&conn, path, &mut dataset)?;
    step()?;
    read_events(&conn, path, &mut dataset, &step)?;
    step()?;
    read_locations(&conn, path, schema_version, &mut dataset)?;
    read_observations(&conn, path, &mut dataset)?;
    read_issues(&conn, path, &mut dataset)?;
    if let Some(reason) = dangling_reference(&dataset) {
        return Err(CaseError::Damaged {
            path: path.to_path_buf(),
            reason,
        });
    }
    dataset.rebuild_report_events();
    if schema_version >= 3 {
        read_ip_databases(&conn, path, &mut dataset)?;
    }
    dataset.enrich();
    step()?;
    let state = read_state(&conn, path)?;
    let audit = read_audit(&conn).map_err(damaged(path))?;
    Ok(Case {
        dataset,
        mappings,
        state,
        audit,
        schema_version,
    })
}

/// The user's IP databases the case keeps; one that no longer opens is damage.
fn read_ip_databases(
    conn: &Connection,
    path: &Path,
    dataset: &mut Dataset,
) -> Result<(), CaseError> {
    let mut query = conn
        .prepare("SELECT path, bytes FROM ip_databases ORDER BY id")
        .map_err(damaged(path))?;
    let rows = query
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?))
        })
        .map_err(damaged(path))?;
    for row in rows {
        let (name, bytes) = row.map_err(damaged(path))?;
        let database =
            crate::ipdata::mmdb::UserDatabase::from_bytes(name.into(), bytes).map_err(|e| {
                CaseError::Damaged {
                    path: path.to_path_buf(),
                    reason: format!("a kept IP database: {e}"),
                }
            })?;
        dataset.ip_data.add(database);
    }
    Ok(())
}

/// The case's state (parameters, filter, views, triage); a case without one has the default.
fn read_state(conn: &Connection, path: &Path) -> Result<CaseState, CaseError> {
    let state: Option<String> = conn
        .query_row("SELECT value FROM state WHERE key = 'case'", [], |row| {
            row.get(0)
        })
        .optional()
        .map_err(damaged(path))?;
    match state {
        Some(json) => serde_json::from_str(&json).map_err(|e| CaseError::Damaged {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }),
        None => Ok(CaseState::default()),
    }
}

/// The sources table: each input file and the column mapping it was read with.
fn read_sources(
    conn: &Connection,
    path: &Path,
    schema_version: i64,
    dataset: &mut Dataset,
) -> Result<Vec<Option<String>>, CaseError> {
    let fail = damaged(path);
    let bad = damaged_because(path);
    let mut mappings = Vec::new();
    // Layout 1 has no column mappings: its files were read with the detected ones.
    let columns = if schema_version >= 2 {
        "columns"
    } else {
        "NULL"
    };
    const COLUMNS: [&str; 10] = [
        "path",
        "kind",
        "size",
        "sha256",
        "rows_accepted",
        "rows_rejected",
        "rows_with_warnings",
        "duplicate_events",
        "extra_columns",
        "columns",
    ];
    let row_error = in_table(path, "sources", &COLUMNS);
    let mut query = conn.prepare(&format!("SELECT path, kind, size, sha256, rows_accepted, rows_rejected, rows_with_warnings, duplicate_events, extra_columns, {columns} FROM sources ORDER BY id")).map_err(&fail)?;
    let rows = query
        .query_map([], |row| {
            let kind = match row.get::<_, String>(1)?.as_str() {
                "locations" => FileKind::Locations,
                "reports" => FileKind::Reports,
                other => return Err(invalid(1, format!("{other:?} is not a kind of file"))),
            };
            Ok((
                row.get::<_, String>(0)?,
                kind,
                [
                    unsigned(row, 2)?,
                    unsigned(row, 4)?,
                    unsigned(row, 5)?,
                    unsigned(row, 6)?,
                    unsigned(row, 7)?,
                ],
                row.get::<_, String>(3)?,
                row.get::<_, String>(8)?,
                row.get::<_, Option<String>>(9)?,
            ))
        })
        .map_err(&fail)?;
    for row in rows {
        let (file_path, kind, n, sha256, extra, mapping) = row.map_err(&row_error)?;
        mappings.push(mapping);
        if dataset.files.len() >= u16::MAX as usize {
            return Err(bad("it lists more source files than a case can hold".into()));
        }
        dataset.files.push(SourceFile {
            path: file_path.into(),
            kind,
            size: n[0],
            sha256,
            rows_accepted: n[1],
            rows_rejected: n[2],
            rows_with_warnings: n[3],
            duplicate_events: n[4],
            extra_columns: serde_json::from_str(&extra).map_err(|e| bad(e.to_string()))?,
        });
    }
    Ok(mappings)
}

/// The interned texts, each stored once in the order of its number.
fn read_strings(conn: &Connection, path: &Path, dataset: &mut Dataset) -> Result<(), CaseError> {
    let fail = damaged(path);
    let bad = damaged_because(path);
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
    Ok(())
}

/// The reports: ids, incident types, platforms and dates.
fn read_reports(conn: &Connection, path: &Path, dataset: &mut Dataset) -> Result<(), CaseError> {
    let fail = damaged(path);
    let mut query = conn
        .prepare("SELECT report_id, incident_type, platform, report_date FROM reports ORDER BY id")
        .map_err(&fail)?;
    let rows = query
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, u32>(1)?,
                row.get::<_, u32>(2)?,
                row.get::<_, i64>(3)?,
            ))
        })
        .map_err(&fail)?;
    let row_error = in_table(
        path,
        "reports",
        &["report_id", "incident_type", "platform", "report_date"],
    );
    for row in rows {
        let (id, incident, platform, date) = row.map_err(&row_error)?;
        let (r, new) = dataset.reports.intern(&id);
        if !new {
            return Err(damaged_because(path)(format!(
                "the report {id:?} is stored twice"
            )));
        }
        dataset.reports.incident_type[r as usize] = incident;
        dataset.reports.platform[r as usize] = platform;
        dataset.reports.report_date[r as usize] = date;
    }
    Ok(())
}

/// The events, column by column from their chunks (a progress step each), and their extras.
fn read_events(
    conn: &Connection,
    path: &Path,
    dataset: &mut Dataset,
    step: &dyn Fn() -> Result<(), CaseError>,
) -> Result<(), CaseError> {
    let fail = damaged(path);
    let bad = damaged_because(path);
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
    let row_error = in_table(path, "event_extras", &["event", "extra"]);
    for row in query
        .query_map([], |row| {
            Ok((row.get::<_, u32>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(&fail)?
    {
        let (event, extra) = row.map_err(&row_error)?;
        if event as usize >= n {
            return Err(bad(format!(
                "extra values belong to event {event}, which is not there"
            )));
        }
        let values: Vec<String> = serde_json::from_str(&extra).map_err(|e| bad(e.to_string()))?;
        dataset.event_extras.push((
            event,
            values.into_iter().map(String::into_boxed_str).collect(),
        ));
    }
    Ok(())
}

/// The locations.
fn read_locations(
    conn: &Connection,
    path: &Path,
    schema_version: i64,
    dataset: &mut Dataset,
) -> Result<(), CaseError> {
    let fail = damaged(path);
    let bad = damaged_because(path);
    // Layouts before 4 have no outlines.
    let outline = if schema_version >= 4 {
        "outline"
    } else {
        "NULL"
    };
    let sql = format!(
        "SELECT location_id, name, country, lat, lon, extras, file, line, {outline} FROM locations ORDER BY id"
    );
    let mut query = conn.prepare(&sql).map_err(&fail)?;
    let rows = query
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                degrees(row, 3, 90.0)?,
                degrees(row, 4, 180.0)?,
                row.get::<_, String>(5)?,
                row.get::<_, u16>(6)?,
                row.get::<_, u32>(7)?,
                row.get::<_, Option<String>>(8)?,
            ))
        })
        .map_err(&fail)?;
    let row_error = in_table(
        path,
        "locations",
        &[
            "location_id",
            "name",
            "country",
            "lat",
            "lon",
            "extras",
            "file",
            "line",
            "outline",
        ],
    );
    for row in rows {
        let (id, name, country, lat, lon, extras, file, line, outline) = row.map_err(&row_error)?;
        let outline = outline
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| bad(format!("a location's outline: {e}")))?;
        dataset.locations.push(Location {
            id,
            name,
            country,
            lat,
            lon,
            extras: serde_json::from_str(&extras).map_err(|e| bad(e.to_string()))?,
            outline,
            file,
            line,
        });
    }
    Ok(())
}

/// One observation row, each number checked against its range.
fn observation(row: &rusqlite::Row) -> rusqlite::Result<Observation> {
    let address = |i: usize| -> rusqlite::Result<u128> {
        let bytes: Vec<u8> = row.get(i)?;
        let array: [u8; 16] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| invalid(i, format!("{} bytes, not 16", b.len())))?;
        Ok(u128::from_le_bytes(array))
    };
    let addresses = AddressSet {
        first: address(1)?,
        last: address(2)?,
    };
    if addresses.first > addresses.last || is_v4(addresses.first) != is_v4(addresses.last) {
        return Err(invalid(
            2,
            "the address range is reversed or mixes IPv4 and IPv6".into(),
        ));
    }
    let ports = match (row.get::<_, Option<u16>>(3)?, row.get::<_, Option<u16>>(4)?) {
        (Some(first), Some(last)) if first <= last => Some(PortRange { first, last }),
        (None, None) => None,
        _ => {
            return Err(invalid(
                4,
                "the port range is reversed or has one end".into(),
            ));
        }
    };
    let (first_seen, last_seen) = (row.get::<_, Option<i64>>(5)?, row.get(6)?);
    if let (Some(first), Some(last)) = (first_seen, last_seen)
        && first > last
    {
        return Err(invalid(
            6,
            "the observation period ends before it starts".into(),
        ));
    }
    Ok(Observation {
        location: row.get(0)?,
        addresses,
        ports,
        first_seen,
        last_seen,
        shared: row.get(7)?,
        source: row.get(8)?,
        confidence: row.get(9)?,
        notes: row.get(10)?,
        extras: serde_json::from_str(&row.get::<_, String>(11)?)
            .map_err(|e| invalid(11, e.to_string()))?,
        file: row.get(12)?,
        line: row.get(13)?,
    })
}

/// The observations: address sets, windows, ports and attributes.
fn read_observations(
    conn: &Connection,
    path: &Path,
    dataset: &mut Dataset,
) -> Result<(), CaseError> {
    const COLUMNS: [&str; 14] = [
        "location",
        "first_address",
        "last_address",
        "port_first",
        "port_last",
        "first_seen",
        "last_seen",
        "shared",
        "source",
        "confidence",
        "notes",
        "extras",
        "file",
        "line",
    ];
    let mut query = conn
        .prepare(&format!(
            "SELECT {} FROM observations ORDER BY id",
            COLUMNS.join(", ")
        ))
        .map_err(damaged(path))?;
    let rows = query.query_map([], observation).map_err(damaged(path))?;
    let row_error = in_table(path, "observations", &COLUMNS);
    for row in rows {
        dataset.observations.push(row.map_err(&row_error)?);
    }
    Ok(())
}

/// The rejected rows and warnings of the import.
fn read_issues(conn: &Connection, path: &Path, dataset: &mut Dataset) -> Result<(), CaseError> {
    const COLUMNS: [&str; 6] = [
        "file",
        "line",
        "column_name",
        "value",
        "severity",
        "message",
    ];
    let mut query = conn
        .prepare(&format!(
            "SELECT {} FROM issues ORDER BY id",
            COLUMNS.join(", ")
        ))
        .map_err(damaged(path))?;
    let rows = query
        .query_map([], |row| {
            Ok(Issue {
                file: row.get(0)?,
                line: unsigned(row, 1)?,
                column: row.get(2)?,
                value: row.get(3)?,
                severity: match row.get::<_, String>(4)?.as_str() {
                    "error" => Severity::Error,
                    "warning" => Severity::Warning,
                    other => return Err(invalid(4, format!("{other:?} is not a severity"))),
                },
                message: row.get(5)?,
            })
        })
        .map_err(damaged(path))?;
    let row_error = in_table(path, "issues", &COLUMNS);
    for row in rows {
        dataset.issues.push(row.map_err(&row_error)?);
    }
    Ok(())
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
