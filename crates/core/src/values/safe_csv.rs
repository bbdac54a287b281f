//! CSV cells that are safe to open in a spreadsheet (OWASP "CSV injection"): a cell that
//! starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a formula,
//! so it gets a leading apostrophe. A plain number (such as `-12.5`) stays a number. A
//! cell that itself starts with an apostrophe gets one more, so that the rule is
//! reversible.
//!
//! To recover the original value, drop the first character of any cell that starts with
//! `'`; no other cell is changed.

use std::borrow::Cow;
use std::io::{self, Write};

const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `cell` is a plain decimal number, which spreadsheets read as a number anyway.
fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    !digits.is_empty()
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        && digits.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && cell.parse::<f64>().is_ok_and(f64::is_finite)
}

/// The cell as written to an evidence CSV.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with('\'') || (cell.starts_with(TRIGGERS) && !is_plain_number(cell)) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The original value of a neutralised cell.
pub fn recover(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

/// A CSV writer whose every cell goes through [`neutralise`].
pub struct SafeCsv<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> SafeCsv<W> {
    pub fn new(out: W) -> Self {
        SafeCsv {
            inner: csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(out),
        }
    }

    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> io::Result<()> {
        self.inner
            .write_record(cells.into_iter().map(|c| Cell(neutralise(c))))
            .map_err(io::Error::other)
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A cell as written: borrowed unless neutralising changed it, so that a row of plain
/// cells allocates nothing.
struct Cell<'a>(Cow<'a, str>);

impl AsRef<[u8]> for Cell<'_> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_payloads_are_neutralised_and_recoverable() {
        let payloads = [
            "=HYPERLINK(\"http://example.invalid\",\"x\")",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1:A9)",
            "\t=1+1",
            "\r=1+1",
            "=1",
            "-",
        ];
        for payload in payloads {
            let safe = neutralise(payload);
            assert!(safe.starts_with('\''), "{payload:?} left as {safe:?}");
            assert_eq!(recover(&safe), payload);
        }
    }

    #[test]
    fn numbers_and_plain_text_stay_as_they_are() {
        for cell in [
            "-12.5",
            "-3",
            "+7",
            "-1e5",
            "42",
            "KK Park",
            "2023-01-05T10:00:00Z",
            "",
        ] {
            assert_eq!(neutralise(cell), cell);
            assert_eq!(recover(cell), cell);
        }
        // A leading apostrophe is doubled, so recovering stays a single rule.
        assert_eq!(neutralise("'=x"), "''=x");
        assert_eq!(recover(&neutralise("'=x")), "'=x");
        // Not finite or not plain: treated as text.
        assert_eq!(neutralise("-inf"), "'-inf");
        assert_eq!(neutralise("-1-1"), "'-1-1");
    }
}
