//! The rules every drill-down table follows: typed cells that sort as numbers, times or
//! text (empty cells last in either direction, ties kept in their order), selection by
//! click, shift-click and ctrl-click on stable row ids, and copying rows as TSV.

use crate::values::safe_csv::neutralise;
use crate::values::text::compare_text;
use crate::values::time::Nanos;
use rayon::prelude::*;
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// One cell, typed so that it sorts the way a reader expects.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Number(f64),
    Time(Nanos),
    Text(String),
    /// A position in some order worked out beforehand (a text's rank, half of an
    /// address): a sort key only, never shown.
    Ordinal(u64),
}

impl Cell {
    /// Compare two cells of one column in ascending order; empty cells sort after all others.
    fn compare(&self, other: &Cell) -> Ordering {
        match (self, other) {
            (Cell::Empty, Cell::Empty) => Ordering::Equal,
            (Cell::Empty, _) => Ordering::Greater,
            (_, Cell::Empty) => Ordering::Less,
            (Cell::Number(a), Cell::Number(b)) => a.total_cmp(b),
            (Cell::Time(a), Cell::Time(b)) => a.cmp(b),
            (Cell::Text(a), Cell::Text(b)) => compare_text(a, b),
            (Cell::Ordinal(a), Cell::Ordinal(b)) => a.cmp(b),
            // Mixed kinds in one column: numbers, then times, then text.
            (a, b) => a.rank().cmp(&b.rank()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Cell::Number(_) => 0,
            Cell::Ordinal(_) => 1,
            Cell::Time(_) => 2,
            Cell::Text(_) => 3,
            Cell::Empty => 4,
        }
    }
}

/// Each text's rank in the order tables sort text (equal texts share a rank), or `None`
/// for an empty text. For a column whose values come from a few distinct texts
/// (locations, interned names, enum labels): rank them once, then sort rows on integers.
pub fn text_ranks<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<Option<u32>> {
    let texts: Vec<&str> = texts.into_iter().collect();
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by(|&a, &b| compare_text(texts[a], texts[b]));
    let mut ranks = vec![None; texts.len()];
    let mut previous: Option<(&str, u32)> = None;
    for index in order {
        let text = texts[index];
        if text.is_empty() {
            continue;
        }
        let rank = match previous {
            Some((last, rank)) if last == text => rank,
            Some((_, rank)) => rank + 1,
            None => 0,
        };
        ranks[index] = Some(rank);
        previous = Some((text, rank));
    }
    ranks
}

/// Sort `rows` by `key`, stably: equal keys keep their current order. Empty cells stay
/// last when `descending`. Columns of times or numbers are keyed straight to an
/// order-preserving `u64` in one parallel pass, with no cell kept; text is ranked first.
/// Either way ten million rows sort in well under a second on two cores.
pub fn sort_rows(rows: &mut Vec<u32>, key: impl Fn(u32) -> Cell + Sync, descending: bool) {
    let keyed =
        integer_keys(rows, &key, descending).or_else(|| ranked_keys(rows, &key, descending));
    let positions: Vec<u32> = match keyed {
        Some(mut keyed) => {
            // The position breaks ties, so the unstable sort keeps equal rows in order.
            keyed.par_sort_unstable();
            keyed
                .into_par_iter()
                .map(|(_, position)| position)
                .collect()
        }
        None => general_order(rows, &key, descending),
    };
    *rows = positions.par_iter().map(|&p| rows[p as usize]).collect();
}

/// How many rows `integer_keys` looks at before deciding that a column is text.
const TEXT_PROBE: usize = 1_000;

/// Keys for a column of numbers or of times (with empty cells), paired with each row's
/// position; `None` when the column holds text or mixes numbers with times. The keys are
/// written in place, chunk by chunk, so that no per-row cell is ever stored.
fn integer_keys(
    rows: &[u32],
    key: &(impl Fn(u32) -> Cell + Sync),
    descending: bool,
) -> Option<Vec<(u64, u32)>> {
    // Text columns are homogeneous, so a look at the first rows spares building (and
    // allocating) ten million strings only to throw them away.
    if rows
        .iter()
        .take(TEXT_PROBE)
        .any(|&row| matches!(key(row), Cell::Text(_)))
    {
        return None;
    }
    const CHUNK: usize = 1 << 16;
    const NUMBER: u8 = 1;
    const TIME: u8 = 2;
    const ORDINAL: u8 = 4;
    const TEXT: u8 = 8;
    let mut keyed = vec![(0u64, 0u32); rows.len()];
    let kinds = keyed
        .par_chunks_mut(CHUNK)
        .zip(rows.par_chunks(CHUNK))
        .enumerate()
        .map(|(chunk, (out, rows))| {
            let mut kinds = 0;
            for (offset, (slot, &row)) in out.iter_mut().zip(rows).enumerate() {
                let cell = key(row);
                kinds |= match cell {
                    Cell::Number(_) => NUMBER,
                    Cell::Time(_) => TIME,
                    Cell::Ordinal(_) => ORDINAL,
                    Cell::Text(_) => TEXT,
                    Cell::Empty => 0,
                };
                let position = (chunk * CHUNK + offset) as u32;
                *slot = (ordered_key(&cell, descending).unwrap_or(0), position);
            }
            kinds
        })
        .reduce(|| 0, |a, b| a | b);
    // One kind of key (besides empty cells): two kinds would need the general order.
    (kinds.count_ones() <= 1 && kinds != TEXT).then_some(keyed)
}

/// Keys for a column of text (with empty cells): each text's rank among the column's
/// distinct texts. Few columns have many distinct values, and comparing each distinct
/// text once is far cheaper than comparing cells. `None` if the column is not text.
fn ranked_keys(
    rows: &[u32],
    key: &(impl Fn(u32) -> Cell + Sync),
    descending: bool,
) -> Option<Vec<(u64, u32)>> {
    let cells: Vec<Cell> = rows.par_iter().map(|&row| key(row)).collect();
    let mut distinct: hashbrown::HashMap<&str, u32> = hashbrown::HashMap::new();
    for cell in &cells {
        match cell {
            Cell::Text(text) => {
                distinct.entry(text.as_str()).or_insert(0);
            }
            Cell::Empty => {}
            _ => return None,
        }
    }
    let mut texts: Vec<&str> = distinct.keys().copied().collect();
    texts.par_sort_unstable_by(|a, b| compare_text(a, b));
    for (rank, text) in texts.into_iter().enumerate() {
        distinct.insert(text, rank as u32);
    }
    Some(
        cells
            .par_iter()
            .enumerate()
            .map(|(position, cell)| {
                let rank = match cell {
                    Cell::Text(text) => Cell::Number(f64::from(distinct[text.as_str()])),
                    _ => Cell::Empty,
                };
                (ordered_key(&rank, descending).unwrap_or(0), position as u32)
            })
            .collect(),
    )
}

/// The positions of `rows` in order, by comparing cells: for a column mixing kinds.
fn general_order(rows: &[u32], key: &(impl Fn(u32) -> Cell + Sync), descending: bool) -> Vec<u32> {
    let cells: Vec<Cell> = rows.par_iter().map(|&row| key(row)).collect();
    let mut keyed: Vec<(&Cell, u32)> = cells.iter().zip(0..).collect();
    keyed.par_sort_by(|(a, _), (b, _)| {
        let ascending = a.compare(b);
        match (a, b) {
            (Cell::Empty, _) | (_, Cell::Empty) => ascending,
            _ if descending => ascending.reverse(),
            _ => ascending,
        }
    });
    keyed.into_iter().map(|(_, position)| position).collect()
}

/// A `u64` that orders like the cell (reversed when `descending`, empty always last), for
/// times, numbers and ordinals; `None` for text, which needs ranking first.
fn ordered_key(cell: &Cell, descending: bool) -> Option<u64> {
    let ascending = match cell {
        Cell::Empty => return Some(u64::MAX),
        Cell::Time(t) => (*t as u64) ^ (1 << 63),
        Cell::Number(n) => {
            // IEEE 754 total order as an unsigned integer.
            let bits = n.to_bits();
            if bits >> 63 == 1 {
                !bits
            } else {
                bits | (1 << 63)
            }
        }
        Cell::Ordinal(n) => *n,
        Cell::Text(_) => return None,
    };
    // Keep u64::MAX for empty cells: a real key never reaches it, in either direction
    // (reversing within 0..=MAX-1, since `!0` would be MAX).
    let ascending = ascending.min(u64::MAX - 1);
    Some(if descending {
        u64::MAX - 1 - ascending
    } else {
        ascending
    })
}

/// Which rows are selected, by id, plus the anchor of shift-click ranges and the
/// keyboard cursor, both as positions in the order shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub ids: BTreeSet<u32>,
    pub anchor: Option<usize>,
    pub cursor: Option<usize>,
}

impl Selection {
    /// A plain click selects only that row.
    pub fn click(&mut self, order: &[u32], position: usize) {
        if let Some(&id) = order.get(position) {
            self.ids = [id].into();
            self.anchor = Some(position);
            self.cursor = Some(position);
        }
    }

    /// Ctrl-click (Cmd on macOS) adds or removes one row.
    pub fn toggle(&mut self, order: &[u32], position: usize) {
        if let Some(&id) = order.get(position) {
            if !self.ids.remove(&id) {
                self.ids.insert(id);
            }
            self.anchor = Some(position);
            self.cursor = Some(position);
        }
    }

    /// Shift-click selects the range from the anchor to this row, as shown.
    pub fn extend(&mut self, order: &[u32], position: usize) {
        if position >= order.len() {
            return;
        }
        let anchor = self.anchor.unwrap_or(position).min(order.len() - 1);
        let (low, high) = (anchor.min(position), anchor.max(position));
        self.ids = order[low..=high].iter().copied().collect();
        self.anchor = Some(anchor);
        self.cursor = Some(position);
    }

    /// Arrow keys: move the cursor and select that row (with Shift, extend the range).
    pub fn move_cursor(&mut self, order: &[u32], delta: isize, extend: bool) {
        if order.is_empty() {
            return;
        }
        let from = self.cursor.unwrap_or(0) as isize;
        let to = (from + delta).clamp(0, order.len() as isize - 1) as usize;
        if extend {
            self.extend(order, to)
        } else {
            self.click(order, to)
        }
    }

    /// Space: toggle the row under the cursor.
    pub fn toggle_cursor(&mut self, order: &[u32]) {
        if let Some(position) = self.cursor {
            self.toggle(order, position);
        }
    }

    /// The selected ids in the order shown.
    pub fn in_order(&self, order: &[u32]) -> Vec<u32> {
        order
            .iter()
            .copied()
            .filter(|id| self.ids.contains(id))
            .collect()
    }
}

/// Rows as tab-separated text, header first, to paste into a spreadsheet. Tabs and line
/// breaks inside a cell become spaces so that every row stays one line, and each cell
/// follows the spreadsheet-safety rule of every CSV written ([`neutralise`]): pasted,
/// a report id `=HYPERLINK(…)` must not become a formula.
pub fn to_tsv(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let clean = |cell: &str| neutralise(&cell.replace(['\t', '\n', '\r'], " ")).into_owned();
    let mut out = header.join("\t");
    out.push('\n');
    for row in rows {
        out.push_str(&row.iter().map(|c| clean(c)).collect::<Vec<_>>().join("\t"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(cells: &[Cell], descending: bool) -> Vec<u32> {
        let mut rows: Vec<u32> = (0..cells.len() as u32).collect();
        sort_rows(&mut rows, |r| cells[r as usize].clone(), descending);
        rows
    }

    #[test]
    fn numbers_sort_as_numbers_and_empty_cells_stay_last() {
        let cells = [
            Cell::Number(10.0),
            Cell::Empty,
            Cell::Number(9.0),
            Cell::Number(100.0),
            Cell::Empty,
        ];
        assert_eq!(sorted(&cells, false), [2, 0, 3, 1, 4]);
        assert_eq!(sorted(&cells, true), [3, 0, 2, 1, 4]);
    }

    #[test]
    fn ties_keep_their_order_in_both_directions() {
        let cells = [
            Cell::Number(1.0),
            Cell::Number(2.0),
            Cell::Number(1.0),
            Cell::Number(2.0),
            Cell::Number(1.0),
        ];
        assert_eq!(sorted(&cells, false), [0, 2, 4, 1, 3]);
        assert_eq!(sorted(&cells, true), [1, 3, 0, 2, 4]);
    }

    #[test]
    fn times_sort_chronologically_and_text_ignores_case_first() {
        let times = [Cell::Time(300), Cell::Time(-5), Cell::Empty, Cell::Time(20)];
        assert_eq!(sorted(&times, false), [1, 3, 0, 2]);
        let text = [
            Cell::Text("beta".into()),
            Cell::Text("Alpha".into()),
            Cell::Text("alpha".into()),
            Cell::Empty,
        ];
        assert_eq!(sorted(&text, false), [1, 2, 0, 3]);
        // Text of numbers is still text; the table types numeric columns as numbers.
        let as_text = [Cell::Text("10".into()), Cell::Text("9".into())];
        assert_eq!(sorted(&as_text, false), [0, 1]);
    }

    #[test]
    fn click_shift_click_ctrl_click_and_keys() {
        let order = [40, 10, 30, 20, 50];
        let mut s = Selection::default();
        s.click(&order, 1);
        assert_eq!(s.in_order(&order), [10]);
        s.extend(&order, 3);
        assert_eq!(s.in_order(&order), [10, 30, 20]);
        s.toggle(&order, 2);
        assert_eq!(s.in_order(&order), [10, 20]);
        // The anchor moved to the ctrl-clicked row; a shift-click ranges from there.
        s.extend(&order, 4);
        assert_eq!(s.in_order(&order), [30, 20, 50]);
        s.move_cursor(&order, -1, false);
        assert_eq!(s.in_order(&order), [20]);
        s.move_cursor(&order, -10, true);
        assert_eq!(s.in_order(&order), [40, 10, 30, 20]);
        s.toggle_cursor(&order);
        assert_eq!(s.in_order(&order), [10, 30, 20]);
        s.move_cursor(&order, 99, false);
        assert_eq!(s.cursor, Some(4));
        // Ids survive a re-sort: the same rows stay selected in the new order.
        s.click(&order, 0);
        assert_eq!(s.in_order(&[50, 40, 30]), [40]);
    }

    /// The fast paths of `sort_rows` (integer keys, ranked text) order `cells` exactly as
    /// a plain stable sort with `Cell::compare` does, in both directions.
    fn assert_sorts_like_the_general_comparison(cells: &[Cell]) {
        for descending in [false, true] {
            let mut fast: Vec<u32> = (0..cells.len() as u32).collect();
            sort_rows(&mut fast, |r| cells[r as usize].clone(), descending);
            let mut general: Vec<u32> = (0..cells.len() as u32).collect();
            general.sort_by(|&a, &b| {
                let (x, y) = (&cells[a as usize], &cells[b as usize]);
                match (x, y) {
                    (Cell::Empty, _) | (_, Cell::Empty) => x.compare(y),
                    _ if descending => x.compare(y).reverse(),
                    _ => x.compare(y),
                }
            });
            assert_eq!(fast, general, "descending {descending}");
        }
    }

    #[test]
    fn ranked_text_agrees_with_comparing_the_texts() {
        let words = [
            "Ærø",
            "ærø",
            "beta",
            "Alpha",
            "alpha",
            "",
            "beta",
            "Zulu",
            "ångström",
        ];
        let cells: Vec<Cell> = words
            .iter()
            .map(|w| {
                if w.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(w.to_string())
                }
            })
            .collect();
        assert_sorts_like_the_general_comparison(&cells);
        // The two "beta" rows keep their order (stable), "Alpha" precedes "alpha", and
        // letters beyond ASCII follow code points ("å" before "æ").
        assert_eq!(sorted(&cells, false), [3, 4, 2, 6, 7, 8, 0, 1, 5]);
    }

    #[test]
    fn the_fast_keys_agree_with_the_general_comparison() {
        let values = [
            -1e300,
            -2.5,
            -0.0,
            0.0,
            1.0,
            7.25,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let cells: Vec<Cell> = values
            .iter()
            .map(|&v| Cell::Number(v))
            .chain([Cell::Empty])
            .collect();
        assert_sorts_like_the_general_comparison(&cells);
        let times = [
            Cell::Time(i64::MIN),
            Cell::Time(-1),
            Cell::Time(0),
            Cell::Time(i64::MAX),
            Cell::Empty,
        ];
        assert_eq!(sorted(&times, false), [0, 1, 2, 3, 4]);
        assert_eq!(sorted(&times, true), [3, 2, 1, 0, 4]);
        // A column mixing times and numbers takes the general path: numbers first.
        assert_eq!(sorted(&[Cell::Time(1), Cell::Number(5.0)], false), [1, 0]);
    }

    #[test]
    fn text_ranks_follow_the_text_order_and_share_ties() {
        let ranks = text_ranks(["beta", "Alpha", "", "alpha", "beta"]);
        assert_eq!(ranks, [Some(2), Some(0), None, Some(1), Some(2)]);
        // Rank 0 stays distinct from rank 1 when reversed.
        let ordinals = [
            Cell::Ordinal(0),
            Cell::Ordinal(1),
            Cell::Empty,
            Cell::Ordinal(2),
        ];
        assert_eq!(sorted(&ordinals, true), [3, 1, 0, 2]);
    }

    #[test]
    fn text_after_the_probe_still_sorts_as_text() {
        // More empty cells than the probe looks at, then text: the integer path must
        // notice the text and hand over to ranking.
        let mut cells = vec![Cell::Empty; TEXT_PROBE + 5];
        cells.push(Cell::Text("b".into()));
        cells.push(Cell::Text("a".into()));
        let order = sorted(&cells, false);
        assert_eq!(&order[..2], [TEXT_PROBE as u32 + 6, TEXT_PROBE as u32 + 5]);
        assert_sorts_like_the_general_comparison(&cells);
    }

    fn column() -> impl proptest::strategy::Strategy<Value = Vec<Cell>> {
        use proptest::prelude::*;
        let number = prop_oneof![
            Just(Cell::Empty),
            (-5i32..5).prop_map(|n| Cell::Number(f64::from(n)))
        ];
        let time = prop_oneof![Just(Cell::Empty), (-5i64..5).prop_map(Cell::Time)];
        let ordinal = prop_oneof![Just(Cell::Empty), (0u64..5).prop_map(Cell::Ordinal)];
        let text = prop_oneof![
            Just(Cell::Empty),
            prop::sample::select(vec!["a", "A", "b", "ä", "B"]).prop_map(|t| Cell::Text(t.into()))
        ];
        let mixed = prop_oneof![number.clone(), time.clone(), text.clone(), ordinal.clone()];
        prop_oneof![
            prop::collection::vec(number, 0..60),
            prop::collection::vec(ordinal, 0..60),
            prop::collection::vec(time, 0..60),
            prop::collection::vec(text, 0..60),
            prop::collection::vec(mixed, 0..60),
        ]
    }

    proptest::proptest! {
        #[test]
        fn every_path_sorts_like_the_general_comparison(cells in column()) {
            assert_sorts_like_the_general_comparison(&cells);
        }
    }

    #[test]
    fn tsv_keeps_one_line_per_row() {
        let tsv = to_tsv(
            &["id", "note"],
            vec![vec!["R1".into(), "two\tcells\nand lines".into()]],
        );
        assert_eq!(tsv, "id\tnote\nR1\ttwo cells and lines\n");
    }

    #[test]
    fn tsv_cells_are_spreadsheet_safe() {
        let tsv = to_tsv(
            &["id", "lon"],
            vec![vec![
                "=HYPERLINK(\"http://203.0.113.1\")".into(),
                "-12.5".into(),
            ]],
        );
        assert_eq!(tsv, "id\tlon\n'=HYPERLINK(\"http://203.0.113.1\")\t-12.5\n");
    }
}
