//! Reading a case back: every table into a dataset, checked so that no stored number
//! points past the table it numbers into, then the state and the audit log.

use super::schema::{check_version, read_audit};
use super::{Case, CaseError, CaseState, damaged, damaged_because, steps_of};
use crate::model::{Dataset, FileKind, Issue, Location, Observation, Severity, SourceFile};
use crate::values::address::AddressSet;
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
    let mut dataset = Dataset::default();
    let mappings = read_sources(&conn, path, schema_version, &mut dataset)?;
    read_strings(&conn, path, &mut dataset)?;
    read_reports(&conn, path, &mut dataset)?;
    step()?;
    read_events(&conn, path, &mut dataset, &step)?;
    step()?;
    read_locations(&conn, path, &mut dataset)?;
    read_observations(&conn, path, &mut dataset)?;
    read_issues(&conn, path, &mut dataset)?;
    if let Some(reason) = dangling_reference(&dataset) {
        return Err(CaseError::Damaged {
            path: path.to_path_buf(),
            reason,
        });
    }
    dataset.rebuild_report_events();
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
    for row in query
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(&fail)?
    {
        let (event, extra) = row.map_err(&fail)?;
        let values: Vec<String> = serde_json::from_str(&extra).map_err(|e| bad(e.to_string()))?;
        dataset.event_extras.push((
            event as u32,
            values.into_iter().map(String::into_boxed_str).collect(),
        ));
    }
    Ok(())
}

/// The locations.
fn read_locations(conn: &Connection, path: &Path, dataset: &mut Dataset) -> Result<(), CaseError> {
    let fail = damaged(path);
    let bad = damaged_because(path);
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
    Ok(())
}

/// The observations: address sets, windows, ports and attributes.
fn read_observations(
    conn: &Connection,
    path: &Path,
    dataset: &mut Dataset,
) -> Result<(), CaseError> {
    let fail = damaged(path);
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
    Ok(())
}

/// The rejected rows and warnings of the import.
fn read_issues(conn: &Connection, path: &Path, dataset: &mut Dataset) -> Result<(), CaseError> {
    let fail = damaged(path);
    let mut query = conn
        .prepare("SELECT file, line, column_name, value, severity, message FROM issues ORDER BY id")
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
