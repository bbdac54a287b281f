//! The rows of `reports.csv`: background events in address space no observation covers,
//! the planted events, a few duplicates and malformed rows, and the ground-truth lines.

use super::*;

pub(super) const EVENT_NAMES: [(&str, u32); 6] = [
    ("Login", 55),
    ("Upload", 15),
    ("Registration", 10),
    ("Unknown", 10),
    ("Purchase", 5),
    ("Other", 5),
];

pub(super) const PLATFORMS: [&str; 8] = [
    "Platform A",
    "Platform B",
    "Platform C",
    "Platform D",
    "Platform E",
    "Platform F",
    "Platform G",
    "Platform H",
];

pub(super) fn weighted<'a>(rng: &mut ChaCha8Rng, table: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random_range(0..total);
    for &(value, weight) in table {
        if pick < weight {
            return value;
        }
        pick -= weight;
    }
    table[0].0
}

pub(super) fn background_address(rng: &mut ChaCha8Rng) -> u128 {
    match rng.random_range(0..100) {
        0..80 => v4(198, 19, rng.random(), rng.random()),
        80..84 => v4(192, 0, 2, rng.random()),
        84..88 => v4(198, 51, 100, rng.random()),
        _ => unlisted_v6(rng),
    }
}

/// An address in 2001:db8:8000::/33, each in a /64 of its own as a subscriber's is
/// (the /33 holds two billion of them), so that folding IPv6 to /64 ties nothing by
/// chance.
pub(super) fn unlisted_v6(rng: &mut ChaCha8Rng) -> u128 {
    (0x2001_0db8_u128 << 96)
        | (1u128 << 95)
        | u128::from(rng.random::<u32>() >> 1) << 64
        | u128::from(rng.random::<u64>())
}

/// Events of a report: a log-normal count with a long tail, mean about 7.6.
pub(super) fn event_count(rng: &mut ChaCha8Rng) -> usize {
    let normal: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
    (1.0 + (1.45 + normal).exp()).floor().min(400.0) as usize
}

pub(super) struct Row {
    pub(super) addr: u128,
    pub(super) port: Option<u16>,
    pub(super) time: i64,
    pub(super) name: &'static str,
    pub(super) proxy: &'static str,
}

/// Write the rows of reports `first..last` into `out`, returning the ground truth lines.
pub(super) fn write_chunk(
    seed: u64,
    chunk: u64,
    first: u64,
    last: u64,
    planned: &[(u64, Vec<Plant>)],
    locations: &[SynthLocation],
    out: &mut Vec<u8>,
) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (chunk.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    let mut truth = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let start = planned.partition_point(|(r, _)| *r < first);
    let mut plans = planned[start..]
        .iter()
        .take_while(|(r, _)| *r < last)
        .peekable();
    for report in first..last {
        let report_id = format!("SYN-{report:08}");
        rows.clear();
        let base = rng.random_range(PERIOD_START..PERIOD_END - 30 * DAY);
        for _ in 0..event_count(&mut rng) {
            rows.push(Row {
                addr: background_address(&mut rng),
                port: rng.random_bool(0.7).then(|| rng.random_range(1024..=65535)),
                time: base + rng.random_range(0..30 * DAY),
                name: weighted(&mut rng, &EVENT_NAMES),
                proxy: ["", "false", "false", "true"][rng.random_range(0..4)],
            });
        }
        let mut planted_here: Vec<&Plant> = Vec::new();
        if let Some((_, plants)) = plans.next_if(|(r, _)| *r == report) {
            for p in plants {
                rows.push(Row {
                    addr: p.addr,
                    port: p.port,
                    time: p.time,
                    name: "Login",
                    proxy: "false",
                });
                planted_here.push(p);
            }
        }
        rows.sort_by_key(|r| r.time);
        let last_time = rows.iter().map(|r| r.time).max().unwrap_or(base);
        let report_date =
            format_time((last_time / DAY + rng.random_range(1..20)) * DAY * NANOS_PER_SECOND);
        let report_date = &report_date[..10];
        let platform = PLATFORMS[rng.random_range(0..PLATFORMS.len())];
        let report = ReportLine {
            id: &report_id,
            platform,
            date: report_date,
        };
        for row in &rows {
            report.write(out, row);
        }
        // A few exact duplicates, as exports often have.
        if rng.random_bool(0.002) {
            report.write(out, &rows[0]);
        }
        // And, rarely, a malformed row of the kinds real files contain.
        if rng.random_bool(0.0005) {
            let _ = writeln!(out, "{}", malformed_row(&mut rng, &report_id, platform));
        }
        for p in planted_here
            .into_iter()
            .filter(|p| p.planted != Planted::Tie)
        {
            truth.push(truth_line(&report_id, p, locations));
        }
    }
    truth
}

/// What every row of one report repeats.
pub(super) struct ReportLine<'a> {
    pub(super) id: &'a str,
    pub(super) platform: &'a str,
    pub(super) date: &'a str,
}

impl ReportLine<'_> {
    pub(super) fn write(&self, out: &mut Vec<u8>, row: &Row) {
        let ReportLine { id, platform, date } = self;
        let _ = writeln!(
            out,
            "{id},{},{},{},{},Online Enticement,{platform},{date},{}",
            format_address(row.addr),
            row.port.map(|p| p.to_string()).unwrap_or_default(),
            format_time(row.time * NANOS_PER_SECOND),
            row.name,
            row.proxy
        );
    }
}

/// A row of one of the kinds real files contain and the importer rejects.
pub(super) fn malformed_row(rng: &mut ChaCha8Rng, report_id: &str, platform: &str) -> String {
    match rng.random_range(0..4) {
        0 => format!(
            "{report_id},198.019.4.7,,2023-05-01T10:00:00Z,Login,Online Enticement,{platform},,"
        ),
        1 => {
            format!("{report_id},198.19.4.7,,03/04/2023 10:00,Login,Online Enticement,{platform},,")
        }
        2 => format!("{report_id},198.19.4.7,,,Login,Online Enticement,{platform},,"),
        _ => format!(
            "{report_id},fe80::1%eth0,,2023-05-01T10:00:00Z,Login,Online Enticement,{platform},,"
        ),
    }
}

/// A planted link as `ground_truth.csv` lists it.
pub(super) fn truth_line(report_id: &str, p: &Plant, locations: &[SynthLocation]) -> String {
    format!(
        "{report_id},{},{},{},{},{},{}",
        format_address(p.addr),
        p.port.map(|p| p.to_string()).unwrap_or_default(),
        format_time(p.time * NANOS_PER_SECOND),
        locations[p.location].id,
        if p.ip_time { "ip_time" } else { "ip_only" },
        p.planted.as_str()
    )
}
