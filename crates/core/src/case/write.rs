//! Writing a whole case in one transaction: the sources and texts, reports, events (column
//! by column in chunks of raw bytes), locations, observations, import problems, state and
//! new audit entries.

use super::schema::{DATA_TABLES, insert_audit, upgrade};
use super::{AuditEntry, CaseContents, CaseError, damaged, now, steps_of};
use crate::model::Dataset;
use crate::values::progress::Progress;
use rusqlite::{Connection, params};
use std::path::Path;

/// Events per stored chunk of a column.
const CHUNK: usize = 1 << 20;

fn le_bytes<T: Copy, const N: usize>(values: &[T], to_bytes: impl Fn(T) -> [u8; N]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(values.len() * N);
    for &value in values {
        bytes.extend_from_slice(&to_bytes(value));
    }
    bytes
}

/// One event column's bytes for a range of events.
type ColumnBytes<'a> = Box<dyn Fn(std::ops::Range<usize>) -> Vec<u8> + 'a>;

pub(super) fn write(
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
    write_meta(&tx).map_err(&fail)?;
    step()?;
    write_sources(&tx, dataset, mappings).map_err(&fail)?;
    step()?;
    write_reports(&tx, dataset).map_err(&fail)?;
    step()?;
    write_events(&tx, path, dataset, &step)?;
    write_locations(&tx, dataset).map_err(&fail)?;
    tx.execute(
        "INSERT INTO state VALUES ('case', ?1)",
        params![serde_json::to_string(state).expect("JSON")],
    )
    .map_err(&fail)?;
    insert_audit(&tx, new_audit).map_err(&fail)?;
    step()?;
    tx.commit().map_err(&fail)?;
    Ok(())
}

/// The app version and save times.
fn write_meta(tx: &Connection) -> rusqlite::Result<()> {
    let meta = [
        ("app_version", env!("CARGO_PKG_VERSION").to_string()),
        ("saved_at", now()),
    ];
    for (key, value) in meta {
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![key, value],
        )?;
    }
    tx.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('created_at', ?1)",
        params![now()],
    )?;
    Ok(())
}

/// Each input file with its column mapping, and the interned texts.
fn write_sources(
    tx: &Connection,
    dataset: &Dataset,
    mappings: &[Option<String>],
) -> rusqlite::Result<()> {
    let mut insert =
        tx.prepare("INSERT INTO sources VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")?;
    for (i, f) in dataset.files.iter().enumerate() {
        insert.execute(params![
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
        ])?;
    }
    let mut insert = tx.prepare("INSERT INTO ip_databases VALUES (?1, ?2, ?3)")?;
    for (i, db) in dataset.ip_data.user.iter().enumerate() {
        insert.execute(params![
            i as i64,
            db.info.path.to_string_lossy(),
            &*db.bytes
        ])?;
    }
    let mut insert = tx.prepare("INSERT INTO strings VALUES (?1, ?2)")?;
    for i in 0..dataset.strings.len() as u32 {
        insert.execute(params![i64::from(i), dataset.strings.get(i)])?;
    }
    Ok(())
}

/// The reports: ids, incident types, platforms and dates.
fn write_reports(tx: &Connection, dataset: &Dataset) -> rusqlite::Result<()> {
    let reports = &dataset.reports;
    let mut insert = tx.prepare("INSERT INTO reports VALUES (?1, ?2, ?3, ?4, ?5)")?;
    for r in 0..reports.len() {
        insert.execute(params![
            r as i64,
            reports.id(r as u32),
            i64::from(reports.incident_type[r]),
            i64::from(reports.platform[r]),
            reports.report_date[r],
        ])?;
    }
    Ok(())
}

/// The events column by column in chunks of raw bytes (a progress step a column), and
/// their extra attributes.
fn write_events(
    tx: &Connection,
    path: &Path,
    dataset: &Dataset,
    step: &dyn Fn() -> Result<(), CaseError>,
) -> Result<(), CaseError> {
    let fail = damaged(path);
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
    Ok(())
}

/// The locations, their observations and the import problems.
fn write_locations(tx: &Connection, dataset: &Dataset) -> rusqlite::Result<()> {
    let mut insert =
        tx.prepare("INSERT INTO locations VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")?;
    for (i, l) in dataset.locations.iter().enumerate() {
        insert.execute(params![
            i as i64,
            l.id,
            l.name,
            l.country,
            l.lat,
            l.lon,
            serde_json::to_string(&l.extras).expect("JSON"),
            i64::from(l.file),
            i64::from(l.line),
            l.outline
                .as_ref()
                .map(|o| serde_json::to_string(o).expect("JSON")),
        ])?;
    }
    let mut insert = tx
        .prepare(
            "INSERT INTO observations VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )
        ?;
    for (i, o) in dataset.observations.iter().enumerate() {
        insert.execute(params![
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
        ])?;
    }
    let mut insert = tx.prepare("INSERT INTO issues VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
    for (i, issue) in dataset.issues.iter().enumerate() {
        insert.execute(params![
            i as i64,
            i64::from(issue.file),
            issue.line as i64,
            issue.column,
            issue.value,
            issue.severity.as_str(),
            issue.message,
        ])?;
    }
    Ok(())
}
