//! Location lists that are not CSV (spreadsheets, GeoJSON, KML, STIX, MISP): each
//! feature, placemark or indicator is laid out as one row of the CSV contract and read
//! by the CSV row rules, so every format accepts and rejects exactly what a CSV would.

use super::super::headers::{ColumnMap, LocationField, normalize_header};
use super::super::{ImportOptions, Input};
use super::{Context, LocationsFile, PieceOut, parse_row};
use crate::model::{FileKind, Issue, Outline, Severity, SourceFile};
use std::collections::HashMap;

/// One row as a format found it: cells by column, each with its place for messages.
pub(crate) struct Draft {
    /// The row's own place ("features[3]", "Sheet1!A7", "line 12:5 Placemark").
    place: String,
    line: u64,
    cells: Vec<(usize, String, String)>,
    outline: Option<Outline>,
    /// The location's own extra attributes, where the format tells them apart from the
    /// observation's (STIX, MISP); else the row's extras are both, as in a CSV.
    location_extras: Option<Vec<(String, String)>>,
    issues: Vec<Issue>,
}

impl Draft {
    /// A value given under the column name `name` (matched to a field by the CSV's
    /// aliases; kept as an extra attribute when it names none). A second value for the
    /// same field is kept as an extra attribute, with a warning, as in a CSV header.
    pub(crate) fn set(&mut self, table: &mut Table, name: &str, value: String, place: String) {
        let key = normalize_header(name);
        let field = LocationField::ALL
            .iter()
            .position(|f| f.names().iter().any(|alias| normalize_header(alias) == key));
        let column = match field {
            Some(i) if !self.has(i) => i,
            Some(i) => {
                self.warn(
                    &place,
                    &value,
                    format!(
                        "'{}' is given twice; this value is kept as the extra attribute '{name}'",
                        LocationField::ALL[i].name()
                    ),
                );
                table.extra_column(name)
            }
            None => table.extra_column(name),
        };
        self.cells.push((column, value, place));
    }

    /// A value kept as an extra attribute under `name`.
    pub(crate) fn set_extra(
        &mut self,
        table: &mut Table,
        name: &str,
        value: String,
        place: String,
    ) {
        let column = table.extra_column(name);
        self.cells.push((column, value, place));
    }

    /// A value for a field, replacing any given before (a geometry's coordinates).
    pub(crate) fn set_field(&mut self, field: LocationField, value: String, place: String) {
        let column = LocationField::ALL
            .iter()
            .position(|f| *f == field)
            .expect("a field");
        self.cells.retain(|(c, _, _)| *c != column);
        self.cells.push((column, value, place));
    }

    /// Whether the row has a value for the field.
    pub(crate) fn has_field(&self, field: LocationField) -> bool {
        self.has(
            LocationField::ALL
                .iter()
                .position(|f| *f == field)
                .expect("a field"),
        )
    }

    fn has(&self, column: usize) -> bool {
        self.cells
            .iter()
            .any(|(c, v, _)| *c == column && !v.is_empty())
    }

    /// The row's own place.
    pub(crate) fn place(&self) -> &str {
        &self.place
    }

    pub(crate) fn set_location_extras(&mut self, extras: Vec<(String, String)>) {
        self.location_extras = Some(extras);
    }

    pub(crate) fn set_outline(&mut self, outline: Outline) {
        self.outline = Some(outline);
    }

    /// A warning about this row's values that does not reject it.
    pub(crate) fn warn(&mut self, place: &str, value: &str, message: String) {
        self.issues
            .push(issue(Severity::Warning, self.line, place, value, message));
    }
}

/// The rows of a file, and the problems with its structure.
pub(crate) struct Table {
    header: Vec<String>,
    extra_columns: HashMap<String, usize>,
    rows: Vec<Draft>,
    issues: Vec<Issue>,
    rejected: u64,
}

impl Default for Table {
    fn default() -> Self {
        Table {
            header: LocationField::ALL
                .iter()
                .map(|f| f.name().to_string())
                .collect(),
            extra_columns: HashMap::new(),
            rows: Vec::new(),
            issues: Vec::new(),
            rejected: 0,
        }
    }
}

impl Table {
    /// A new row at `place` (starting on `line`, 0 where the format has no lines).
    pub(crate) fn draft(&self, line: u64, place: String) -> Draft {
        Draft {
            place,
            line,
            cells: Vec::new(),
            outline: None,
            location_extras: None,
            issues: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, draft: Draft) {
        self.rows.push(draft);
    }

    /// Something the format holds that is not read (a geometry of another type, a STIX
    /// pattern outside the subset), with where and why.
    pub(crate) fn warning(&mut self, line: u64, place: &str, value: &str, message: String) {
        self.issues
            .push(issue(Severity::Warning, line, place, value, message));
    }

    /// Something the format holds that cannot be a row, rejected with where and why.
    pub(crate) fn reject(&mut self, line: u64, place: &str, value: &str, message: String) {
        self.issues
            .push(issue(Severity::Error, line, place, value, message));
        self.rejected += 1;
    }

    fn extra_column(&mut self, name: &str) -> usize {
        if let Some(&column) = self.extra_columns.get(name) {
            return column;
        }
        self.header.push(name.to_string());
        let column = self.header.len() - 1;
        self.extra_columns.insert(name.to_string(), column);
        column
    }

    /// The rows read by the CSV row rules, recorded with the file's size and SHA-256.
    pub(crate) fn finish(
        self,
        input: &Input,
        options: ImportOptions,
        size: u64,
        sha256: String,
    ) -> LocationsFile {
        let columns = ColumnMap {
            fields: LocationField::ALL.iter().copied().zip(0..).collect(),
            header: self.header.clone(),
            duplicates: Vec::new(),
        };
        let ctx = Context {
            extras: columns.extras(),
            width: self.header.len(),
            columns,
            options,
        };
        let mut out = PieceOut::default();
        for row in self.rows {
            read_row(&ctx, row, &mut out);
        }
        let mut issues = self.issues;
        issues.extend(out.issues);
        let rows_rejected = self.rejected + out.rows_rejected;
        LocationsFile {
            source: Some(SourceFile {
                path: input.label(),
                kind: FileKind::Locations,
                size,
                sha256,
                rows_accepted: out.rows.len() as u64,
                rows_rejected,
                rows_with_warnings: out.rows_with_warnings,
                duplicate_events: 0,
                extra_columns: ctx.columns.header[LocationField::ALL.len()..].to_vec(),
            }),
            rows: out.rows,
            issues,
        }
    }
}

fn issue(severity: Severity, line: u64, place: &str, value: &str, message: String) -> Issue {
    Issue {
        file: 0,
        line,
        column: place.to_string(),
        value: super::super::shown_value(value.as_bytes()),
        severity,
        message,
    }
}

/// Read one row by the CSV rules; its issues name the places the format gave.
fn read_row(ctx: &Context, row: Draft, out: &mut PieceOut) {
    let mut fields: Vec<&[u8]> = vec![b""; ctx.width];
    for (column, value, _) in &row.cells {
        fields[*column] = value.as_bytes();
    }
    if fields.iter().all(|f| f.trim_ascii().is_empty()) {
        out.issues.push(issue(
            Severity::Error,
            row.line,
            &row.place,
            "",
            "nothing in it can be read as a location (no name, coordinates or address)".into(),
        ));
        out.rows_rejected += 1;
        return;
    }
    let (rows_before, issues_before) = (out.rows.len(), out.issues.len());
    let warned_before = out.rows_with_warnings;
    parse_row(ctx, row.line, &fields, out);
    for issue in &mut out.issues[issues_before..] {
        let column = ctx.columns.header.iter().position(|h| *h == issue.column);
        issue.column = column
            .and_then(|c| row.cells.iter().find(|(i, _, _)| *i == c))
            .map_or_else(|| row.place.clone(), |(_, _, place)| place.clone());
    }
    let kept = out.rows.len() > rows_before;
    if !row.issues.is_empty() {
        if kept && out.rows_with_warnings == warned_before {
            out.rows_with_warnings += 1;
        }
        out.issues.extend(row.issues);
    }
    if let (true, Some(extras)) = (kept, row.location_extras) {
        out.rows.last_mut().expect("a row").location.extras = extras;
    }
    if let (true, Some(outline)) = (kept, row.outline) {
        let location = &mut out.rows.last_mut().expect("a row").location;
        if location.lat.is_none() || location.lon.is_none() {
            let (lat, lon) = outline.centroid();
            (location.lat, location.lon) = (Some(lat), Some(lon));
        }
        location.outline = Some(outline);
    }
}
