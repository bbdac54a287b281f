//! Excel and OpenDocument spreadsheets (`.xlsx`, `.xlsm`, `.xls`, `.ods`) with calamine:
//! the first sheet whose header row names the required fields (or the sheet asked for),
//! each row one event by the CSV's column names and aliases.

use super::super::headers::{ColumnMap, Field, ReportField};
use super::super::records::{Record, RecordPiece, RecordRules};
use calamine::{Data, Reader, Sheets};
use rayon::prelude::*;
use std::io::{Read, Seek};

/// Rows read as one piece.
const ROWS_PER_PIECE: usize = 16_384;

/// "C" for the third column, "AA" for the 27th.
pub(crate) fn column_letters(mut column: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (column % 26) as u8);
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII")
}

/// Whether an Excel number format shows a time of day (hours, minutes or seconds).
fn format_shows_time(code: &str) -> bool {
    let mut quoted = false;
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' => {
                chars.next();
            }
            'h' | 'H' | 's' | 'S' if !quoted => return true,
            _ => {}
        }
    }
    false
}

/// How date cells are read: whether a cell's format shows a time.
struct DateFormats {
    /// The sheet's cell styles (xlsx), read when first needed.
    styles: Option<calamine::StyleRange>,
}

impl DateFormats {
    /// Whether a date cell at `position` is a date without a time of day: by its number
    /// format where the file gives it (xlsx), else when it falls exactly on midnight.
    fn is_date_only(&self, position: (u32, u32), serial: f64) -> bool {
        match self.styles.as_ref().and_then(|s| s.get(position)) {
            Some(style) => style
                .number_format
                .as_ref()
                .is_some_and(|f| !format_shows_time(&f.format_code)),
            None => serial.fract() == 0.0,
        }
    }
}

/// A cell as the CSV would have held it. Date-time cells are serials without a zone:
/// written as `YYYY-MM-DD HH:MM:SS.mmm`, read in the import time zone; date cells as
/// `YYYY-MM-DD`; whole numbers without `.0`.
fn cell_text(cell: &Data, position: (u32, u32), dates: &DateFormats) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_datetime() && (0.0..2_958_466.0).contains(&dt.as_f64()) => {
            let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            if dates.is_date_only(position, dt.as_f64()) {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{ms:03}")
            }
        }
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The sheets of a workbook and the one to read.
pub(crate) struct Chosen<F> {
    pub name: String,
    pub range: calamine::Range<Data>,
    pub columns: ColumnMap<F>,
    /// Index of the header row within the range.
    pub header_row: usize,
}

/// The header of a sheet: its first row with any value.
fn header_of(range: &calamine::Range<Data>) -> Option<(usize, Vec<String>)> {
    let none = DateFormats { styles: None };
    range.rows().enumerate().find_map(|(i, row)| {
        let names: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| cell_text(cell, (0, c as u32), &none).trim().to_string())
            .collect();
        names.iter().any(|n| !n.is_empty()).then_some((i, names))
    })
}

/// The sheets of the workbook at `path` in workbook order; none when it cannot be read.
pub(crate) fn sheet_names(path: &std::path::Path) -> Vec<String> {
    calamine::open_workbook_auto(path).map_or_else(|_| Vec::new(), |w| w.sheet_names())
}

/// Open a workbook and pick its sheet: `wanted` by name, else the first whose header
/// names the required fields (report_id, ip and event_time; a location's name). The
/// error says what the workbook holds.
pub(crate) fn choose_sheet<RS: Read + Seek, F: Field>(
    workbook: &mut Sheets<RS>,
    wanted: Option<&str>,
    chosen_columns: Option<ColumnMap<F>>,
) -> Result<Chosen<F>, String> {
    let names = workbook.sheet_names();
    if let Some(wanted) = wanted
        && !names.iter().any(|n| n == wanted)
    {
        return Err(format!(
            "there is no sheet '{wanted}'; the workbook has: {}",
            names.join(", ")
        ));
    }
    let mut looked = Vec::new();
    for name in names.iter().filter(|n| wanted.is_none_or(|w| w == *n)) {
        let range = workbook
            .worksheet_range(name)
            .map_err(|e| format!("sheet '{name}' cannot be read: {e}"))?;
        let Some((header_row, header)) = header_of(&range) else {
            looked.push(format!("{name} (empty)"));
            continue;
        };
        let columns = chosen_columns
            .clone()
            .filter(|c| c.header == header)
            .unwrap_or_else(|| ColumnMap::from_header(&header, F::ALL, F::names));
        let missing: Vec<&str> = F::REQUIRED
            .iter()
            .filter(|&&f| columns.column(f).is_none())
            .map(|f| f.names()[0])
            .collect();
        if missing.is_empty() {
            return Ok(Chosen {
                name: name.clone(),
                range,
                columns,
                header_row,
            });
        }
        looked.push(format!("{name} (no {})", missing.join(", ")));
    }
    let required: Vec<&str> = F::REQUIRED.iter().map(|f| f.names()[0]).collect();
    Err(format!(
        "no sheet has a header row with {} (or their aliases): {}",
        and_list(&required),
        looked.join("; ")
    ))
}

/// "a", "a and b", "a, b and c".
fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// How date cells of the chosen sheet are read: a style lookup only where a midnight
/// date-time cell could be either a date or a time.
fn date_formats<RS: Read + Seek, F>(workbook: &mut Sheets<RS>, chosen: &Chosen<F>) -> DateFormats {
    let has_midnight_dates = chosen
        .range
        .used_cells()
        .any(|(_, _, c)| matches!(c, Data::DateTime(d) if d.as_f64().fract() == 0.0));
    let styles = match workbook {
        Sheets::Xlsx(xlsx) if has_midnight_dates => xlsx.worksheet_style(&chosen.name).ok(),
        _ => None,
    };
    DateFormats { styles }
}

/// The chosen sheet's rows after the header as the CSV would have held them: each with
/// its 0-based row index in the sheet; and the sheet's first column.
pub(crate) fn sheet_rows<RS: Read + Seek, F>(
    workbook: &mut Sheets<RS>,
    chosen: &Chosen<F>,
) -> (u32, Vec<(usize, Vec<String>)>) {
    let dates = date_formats(workbook, chosen);
    let start = chosen.range.start().unwrap_or((0, 0));
    let first_row = start.0 as usize + chosen.header_row + 1;
    let rows = chosen
        .range
        .rows()
        .skip(chosen.header_row + 1)
        .enumerate()
        .map(|(i, row)| {
            (
                first_row + i,
                row_texts(row, first_row + i, start.1, &dates),
            )
        })
        .collect();
    (start.1, rows)
}

/// Read the chosen sheet's rows as events, in parallel pieces.
pub(crate) fn read_sheet<'r, RS: Read + Seek>(
    workbook: &mut Sheets<RS>,
    chosen: &Chosen<ReportField>,
    rules: &'r RecordRules,
    sink: &mut dyn FnMut(RecordPiece<'r>),
) {
    let dates = date_formats(workbook, chosen);
    let start = chosen.range.start().unwrap_or((0, 0));
    let rows: Vec<&[Data]> = chosen.range.rows().skip(chosen.header_row + 1).collect();
    let first_row = start.0 as usize + chosen.header_row + 1;
    let pieces: Vec<RecordPiece<'r>> = rows
        .par_chunks(ROWS_PER_PIECE)
        .enumerate()
        .map(|(chunk, block)| {
            let mut piece = RecordPiece::new(rules, block.len() * 64);
            for (i, row) in block.iter().enumerate() {
                let row_index = first_row + chunk * ROWS_PER_PIECE + i;
                read_row(&mut piece, chosen, row, row_index, start.1, &dates);
            }
            piece
        })
        .collect();
    pieces.into_iter().for_each(sink);
}

/// A row's cells as text, trimmed.
fn row_texts(
    row: &[Data],
    row_index: usize,
    first_column: u32,
    dates: &DateFormats,
) -> Vec<String> {
    row.iter()
        .enumerate()
        .map(|(c, cell)| {
            cell_text(cell, (row_index as u32, first_column + c as u32), dates)
                .trim()
                .to_string()
        })
        .collect()
}

fn read_row(
    piece: &mut RecordPiece<'_>,
    chosen: &Chosen<ReportField>,
    row: &[Data],
    row_index: usize,
    first_column: u32,
    dates: &DateFormats,
) {
    let texts = row_texts(row, row_index, first_column, dates);
    if texts.iter().all(String::is_empty) {
        return;
    }
    let columns = &chosen.columns;
    let values = std::array::from_fn(|i| {
        columns
            .column(ReportField::ALL[i])
            .and_then(|c| texts.get(c))
            .map_or(&b""[..], |t| t.as_bytes())
    });
    let extras = columns
        .extras()
        .into_iter()
        .filter_map(|(c, name)| {
            let text = texts.get(c).filter(|t| !t.is_empty())?;
            Some((name, text.clone()))
        })
        .collect();
    let line = row_index as u64 + 1;
    let record = Record {
        line,
        values,
        extras,
    };
    let place = |field: ReportField| {
        let column = columns.column(field).unwrap_or(0) + first_column as usize;
        format!("{}!{}{line}", chosen.name, column_letters(column))
    };
    piece.push(record, &place);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(2), "C");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn a_format_shows_a_time_only_with_hours_or_seconds() {
        assert!(format_shows_time("yyyy-mm-dd hh:mm:ss"));
        assert!(format_shows_time("m/d/yy h:mm"));
        assert!(!format_shows_time("yyyy-mm-dd"));
        assert!(!format_shows_time("d-mmm-yy"));
        assert!(!format_shows_time("yyyy\\hmm\"h\""));
    }
}
