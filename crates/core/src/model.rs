//! The loaded data: reports, their IP capture events, locations and observations.
//!
//! Events are stored column-wise because there can be ten million of them: one `Vec`
//! per attribute, indexed by event id. Repeated strings (platforms, event names,
//! incident types) are interned in a [`StringPool`]; report ids live in one text arena.

use crate::values::address::AddressSet;
use crate::values::scalars::PortRange;
use crate::values::time::Nanos;
use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;
use std::path::PathBuf;

/// Interned strings; id 0 is always the empty string, meaning "not given".
#[derive(Debug, Clone)]
pub struct StringPool {
    strings: Vec<Box<str>>,
    lookup: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl Default for StringPool {
    fn default() -> Self {
        let mut pool = StringPool {
            strings: Vec::new(),
            lookup: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
        };
        pool.intern("");
        pool
    }
}

impl StringPool {
    pub fn intern(&mut self, text: &str) -> u32 {
        let hash = self.hasher.hash_one(text);
        let strings = &self.strings;
        if let Some(&id) = self.lookup.find(hash, |&id| &*strings[id as usize] == text) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(text.into());
        let strings = &self.strings;
        let hasher = &self.hasher;
        self.lookup
            .insert_unique(hash, id, |&id| hasher.hash_one(&*strings[id as usize]));
        id
    }

    pub fn get(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.len() <= 1
    }
}

/// Report ids in one text arena, with a hash index for lookups while importing.
#[derive(Debug, Clone)]
pub struct ReportTable {
    text: String,
    ends: Vec<usize>,
    lookup: HashTable<u32>,
    hasher: DefaultHashBuilder,
    /// Interned in the dataset's [`StringPool`]; 0 when not given.
    pub incident_type: Vec<u32>,
    pub platform: Vec<u32>,
    /// The report's `report_date`, or [`NO_TIME`].
    pub report_date: Vec<Nanos>,
    /// Each report's position among all ids in the tables' text order, computed on first
    /// use, so that sorting ten million rows by report id sorts integers.
    id_ranks: std::sync::OnceLock<Vec<u32>>,
}

/// Marks an absent time in a time column.
pub const NO_TIME: Nanos = Nanos::MIN;

impl Default for ReportTable {
    fn default() -> Self {
        ReportTable {
            text: String::new(),
            ends: Vec::new(),
            lookup: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            incident_type: Vec::new(),
            platform: Vec::new(),
            report_date: Vec::new(),
            id_ranks: std::sync::OnceLock::new(),
        }
    }
}

impl ReportTable {
    /// Each report's rank among all report ids in the order the tables sort text
    /// (case-insensitive, then exact); equal ids cannot occur, so ranks are distinct.
    pub fn id_ranks(&self) -> &[u32] {
        self.id_ranks.get_or_init(|| {
            use rayon::prelude::*;
            let mut order: Vec<u32> = (0..self.len() as u32).collect();
            order.par_sort_unstable_by(|&a, &b| {
                crate::values::text::compare_text(self.id(a), self.id(b))
            });
            let mut ranks = vec![0u32; order.len()];
            for (rank, report) in order.into_iter().enumerate() {
                ranks[report as usize] = rank as u32;
            }
            ranks
        })
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn id(&self, report: u32) -> &str {
        let report = report as usize;
        let start = if report == 0 {
            0
        } else {
            self.ends[report - 1]
        };
        &self.text[start..self.ends[report]]
    }

    pub fn find(&self, id: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(id);
        self.lookup.find(hash, |&r| self.id(r) == id).copied()
    }

    /// Make room for `additional` more reports without rehashing.
    pub fn reserve(&mut self, additional: usize, average_id_len: usize) {
        self.text.reserve(additional * average_id_len);
        self.ends.reserve(additional);
        self.incident_type.reserve(additional);
        self.platform.reserve(additional);
        self.report_date.reserve(additional);
        let (text, ends, hasher) = (&self.text, &self.ends, &self.hasher);
        self.lookup.reserve(additional, |&r| {
            let r = r as usize;
            let start = if r == 0 { 0 } else { ends[r - 1] };
            hasher.hash_one(&text[start..ends[r]])
        });
    }

    /// The index of `id`, adding the report when it is new. Returns `(index, is_new)`.
    pub fn intern(&mut self, id: &str) -> (u32, bool) {
        let hash = self.hasher.hash_one(id);
        if let Some(&r) = self.lookup.find(hash, |&r| self.id(r) == id) {
            return (r, false);
        }
        let report = self.ends.len() as u32;
        self.text.push_str(id);
        self.ends.push(self.text.len());
        self.incident_type.push(0);
        self.platform.push(0);
        self.report_date.push(NO_TIME);
        // A new id changes the ranks.
        self.id_ranks = std::sync::OnceLock::new();
        let (text, ends, hasher) = (&self.text, &self.ends, &self.hasher);
        self.lookup.insert_unique(hash, report, |&r| {
            let r = r as usize;
            let start = if r == 0 { 0 } else { ends[r - 1] };
            hasher.hash_one(&text[start..ends[r]])
        });
        (report, true)
    }
}

mod outline;
mod party;
pub use outline::{Outline, Ring};
pub use party::{Party, event_flags};

/// IP capture events, one `Vec` per attribute.
#[derive(Debug, Clone, Default)]
pub struct Events {
    /// The address in the shared `u128` space (IPv4 is IPv4-mapped).
    pub addr: Vec<u128>,
    pub time: Vec<Nanos>,
    pub report: Vec<u32>,
    /// Meaningful only when `flags` has `HAS_PORT`.
    pub port: Vec<u16>,
    pub flags: Vec<u8>,
    /// Interned event name; 0 when not given.
    pub name: Vec<u32>,
    /// Index into [`Dataset::files`].
    pub file: Vec<u16>,
    /// 1-based line of the row in its file (saturating at `u32::MAX`).
    pub line: Vec<u32>,
}

impl Events {
    pub fn len(&self) -> usize {
        self.addr.len()
    }

    /// Append `src`'s events with their report and event-name numbers translated into
    /// this table's; the caller appends the file and line columns.
    pub fn extend_mapped(&mut self, src: &Events, report_map: &[u32], string_map: &[u32]) {
        self.addr.extend_from_slice(&src.addr);
        self.time.extend_from_slice(&src.time);
        self.report
            .extend(src.report.iter().map(|&r| report_map[r as usize]));
        self.port.extend_from_slice(&src.port);
        self.flags.extend_from_slice(&src.flags);
        self.name
            .extend(src.name.iter().map(|&n| string_map[n as usize]));
    }

    pub fn is_empty(&self) -> bool {
        self.addr.is_empty()
    }

    pub fn port_of(&self, event: usize) -> Option<u16> {
        (self.flags[event] & event_flags::HAS_PORT != 0).then(|| self.port[event])
    }

    pub fn party_of(&self, event: usize) -> Option<Party> {
        Party::from_bits(self.party_bits(event))
    }

    /// The event's party number: 0 when none is given, else `Party as u8`.
    pub fn party_bits(&self, event: usize) -> u8 {
        (self.flags[event] & event_flags::PARTY_MASK) >> event_flags::PARTY_SHIFT
    }

    pub fn proxy_of(&self, event: usize) -> Option<bool> {
        let flags = self.flags[event];
        (flags & event_flags::PROXY_KNOWN != 0).then_some(flags & event_flags::PROXY != 0)
    }

    pub fn reserve(&mut self, additional: usize) {
        self.addr.reserve_exact(additional);
        self.time.reserve_exact(additional);
        self.report.reserve_exact(additional);
        self.port.reserve_exact(additional);
        self.flags.reserve_exact(additional);
        self.name.reserve_exact(additional);
        self.file.reserve_exact(additional);
        self.line.reserve_exact(additional);
    }

    /// Remove every event, keeping the allocated memory.
    pub fn clear(&mut self) {
        self.addr.clear();
        self.time.clear();
        self.report.clear();
        self.port.clear();
        self.flags.clear();
        self.name.clear();
        self.file.clear();
        self.line.clear();
    }

    /// Keep only the events whose `keep` flag is set, preserving order.
    pub fn retain_by(&mut self, keep: &[bool]) {
        fn filter<T: Copy>(column: &mut Vec<T>, keep: &[bool]) {
            let mut write = 0;
            for read in 0..column.len() {
                if keep[read] {
                    column[write] = column[read];
                    write += 1;
                }
            }
            column.truncate(write);
            column.shrink_to_fit();
        }
        // Columns are independent, so they are compacted at the same time.
        let Events {
            addr,
            time,
            report,
            port,
            flags,
            name,
            file,
            line,
        } = self;
        rayon::scope(|s| {
            s.spawn(|_| filter(addr, keep));
            s.spawn(|_| filter(time, keep));
            s.spawn(|_| filter(report, keep));
            s.spawn(|_| filter(port, keep));
            s.spawn(|_| filter(flags, keep));
            s.spawn(|_| filter(name, keep));
            s.spawn(|_| filter(file, keep));
            filter(line, keep);
        });
    }
}

/// A compound or hub.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Location {
    pub id: String,
    pub name: String,
    pub country: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Unknown columns from the row that first defined the location.
    pub extras: Vec<(String, String)>,
    /// The area it covers, when a GeoJSON or KML polygon gave one.
    pub outline: Option<Outline>,
    pub file: u16,
    pub line: u32,
}

/// An address set seen in use at a location.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub location: u32,
    pub addresses: AddressSet,
    pub ports: Option<PortRange>,
    pub first_seen: Option<Nanos>,
    pub last_seen: Option<Nanos>,
    pub shared: bool,
    pub source: String,
    pub confidence: String,
    pub notes: String,
    pub extras: Vec<(String, String)>,
    pub file: u16,
    pub line: u32,
}

impl Observation {
    /// An observation has a time window when either end is given (open-ended windows count).
    pub fn has_window(&self) -> bool {
        self.first_seen.is_some() || self.last_seen.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Reports,
    Locations,
}

impl SourceFile {
    /// The file's name without its folders (which may name the analyst), or the whole
    /// path when it has no name.
    pub fn name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Reports => "reports",
            FileKind::Locations => "locations",
        }
    }
}

/// One input file and what became of its rows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceFile {
    pub path: PathBuf,
    pub kind: FileKind,
    pub size: u64,
    pub sha256: String,
    pub rows_accepted: u64,
    pub rows_rejected: u64,
    pub rows_with_warnings: u64,
    pub duplicate_events: u64,
    /// Header text of the columns kept as extra attributes.
    pub extra_columns: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The row was rejected.
    Error,
    /// The row was kept; a value was dropped or adjusted.
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A rejected row or a warning: file, line, column, value and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub file: u16,
    pub line: u64,
    pub column: String,
    pub value: String,
    pub severity: Severity,
    pub message: String,
}

/// Everything loaded: the input of matching.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub files: Vec<SourceFile>,
    pub strings: StringPool,
    pub reports: ReportTable,
    pub events: Events,
    /// Extra attributes of events, sorted by event id: the values of the file's extra columns.
    pub event_extras: Vec<(u32, Box<[Box<str>]>)>,
    pub locations: Vec<Location>,
    pub observations: Vec<Observation>,
    pub issues: Vec<Issue>,
    /// Events of each report in input order: `report_events[report_event_start[r]..report_event_start[r + 1]]`.
    pub report_event_start: Vec<u32>,
    pub report_events: Vec<u32>,
    /// Per-event tables derived on first use; reset when the events are regrouped.
    pub(crate) event_tables: EventTables,
    /// The IP data the events are enriched with: the built-in tables and the user's
    /// own databases.
    pub ip_data: crate::ipdata::IpData,
    /// Each event's network, by [`Dataset::enrich`] once the events or the databases change.
    pub networks: crate::ipdata::EventNetworks,
}

/// Per-event lookups that tables and exports need for millions of rows, computed once.
#[derive(Debug, Clone, Default)]
pub(crate) struct EventTables {
    indexes: std::sync::OnceLock<Vec<u32>>,
    address_ranks: std::sync::OnceLock<Vec<u32>>,
}

impl Dataset {
    /// Look every event's address up again (after reading events or adding a database).
    pub fn enrich(&mut self) {
        self.networks = self.ip_data.enrich(&self.events.addr);
    }

    /// What the IP data says of an event's address (unknown until [`Dataset::enrich`],
    /// which `pipeline::add_inputs` and `case::open` call once everything is read).
    pub fn network(&self, event: u32) -> &crate::ipdata::Network {
        self.networks.of(event)
    }

    pub fn events_of(&self, report: u32) -> &[u32] {
        let r = report as usize;
        &self.report_events
            [self.report_event_start[r] as usize..self.report_event_start[r + 1] as usize]
    }

    /// The 1-based position of an event among its report's accepted, distinct events.
    pub fn event_index(&self, event: u32) -> u32 {
        let indexes = self.event_tables.indexes.get_or_init(|| {
            let mut indexes = vec![0u32; self.events.len()];
            for report in 0..self.reports.len() as u32 {
                for (i, &e) in self.events_of(report).iter().enumerate() {
                    indexes[e as usize] = i as u32 + 1;
                }
            }
            indexes
        });
        indexes[event as usize]
    }

    /// Each event's rank by address, IPv4 before IPv6 and each by value (equal addresses
    /// share a rank), so that a table sorts ten million rows by address on integers.
    pub fn address_ranks(&self) -> &[u32] {
        self.event_tables.address_ranks.get_or_init(|| {
            use rayon::prelude::*;
            let addr = &self.events.addr;
            let mut order: Vec<(bool, u128, u32)> = (0..addr.len() as u32)
                .into_par_iter()
                .map(|e| {
                    let a = addr[e as usize];
                    (!crate::values::address::is_v4(a), a, e)
                })
                .collect();
            order.par_sort_unstable();
            let mut ranks = vec![0u32; addr.len()];
            let mut rank = 0u32;
            for i in 0..order.len() {
                if i > 0 && order[i - 1].1 != order[i].1 {
                    rank += 1;
                }
                ranks[order[i].2 as usize] = rank;
            }
            ranks
        })
    }

    pub fn location_index(&self, id: &str) -> Option<u32> {
        self.locations
            .iter()
            .position(|l| l.id == id)
            .map(|i| i as u32)
    }

    pub fn duplicate_events(&self) -> u64 {
        self.files.iter().map(|f| f.duplicate_events).sum()
    }

    pub fn rejected_rows(&self) -> u64 {
        self.files.iter().map(|f| f.rows_rejected).sum()
    }

    /// An event's extra attributes that have a value, with their column names.
    pub fn named_extras(&self, event: u32) -> Vec<(&str, &str)> {
        let file = &self.files[self.events.file[event as usize] as usize];
        self.extras_of(event)
            .map(|values| {
                file.extra_columns
                    .iter()
                    .zip(values.iter())
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(c, v)| (c.as_str(), &**v))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn extras_of(&self, event: u32) -> Option<&[Box<str>]> {
        self.event_extras
            .binary_search_by_key(&event, |(e, _)| *e)
            .ok()
            .map(|i| &*self.event_extras[i].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_table_interns_and_finds() {
        let mut table = ReportTable::default();
        assert_eq!(table.intern("CT-1"), (0, true));
        assert_eq!(table.intern("CT-22"), (1, true));
        assert_eq!(table.intern("CT-1"), (0, false));
        assert_eq!(table.id(1), "CT-22");
        assert_eq!(table.find("CT-22"), Some(1));
        assert_eq!(table.find("CT-3"), None);
        for i in 0..10_000 {
            table.intern(&format!("R{i}"));
        }
        assert_eq!(table.find("R9999"), Some(10_001));
        assert_eq!(table.len(), 10_002);
    }

    #[test]
    fn report_id_ranks_follow_the_tables_text_order_and_reset_on_new_ids() {
        let mut table = ReportTable::default();
        for id in ["b-2", "A-10", "a-1", "B-1", "a-10"] {
            table.intern(id);
        }
        let mut by_rank: Vec<u32> = (0..5).collect();
        by_rank.sort_by_key(|&r| table.id_ranks()[r as usize]);
        let ids: Vec<&str> = by_rank.iter().map(|&r| table.id(r)).collect();
        assert_eq!(ids, ["a-1", "A-10", "a-10", "B-1", "b-2"]);
        table.intern("0-first");
        assert_eq!(table.id_ranks()[5], 0);
        assert_eq!(table.id_ranks().len(), 6);
    }

    #[test]
    fn string_pool_reserves_zero_for_empty() {
        let mut pool = StringPool::default();
        assert_eq!(pool.intern(""), 0);
        let login = pool.intern("Login");
        assert_eq!(pool.intern("Login"), login);
        assert_eq!(pool.get(login), "Login");
        assert_ne!(pool.intern("Upload"), login);
    }

    #[test]
    fn retain_by_keeps_order_in_every_column() {
        let mut events = Events::default();
        for i in 0..5u32 {
            events.addr.push(u128::from(i));
            events.time.push(i64::from(i));
            events.report.push(i);
            events.port.push(i as u16);
            events.flags.push(0);
            events.name.push(i);
            events.file.push(0);
            events.line.push(i + 2);
        }
        events.retain_by(&[true, false, true, false, true]);
        assert_eq!(events.report, vec![0, 2, 4]);
        assert_eq!(events.line, vec![2, 4, 6]);
        assert_eq!(events.addr, vec![0, 2, 4]);
    }
}
