//! Offline IP enrichment at the study's scale: decoding the built-in data, its memory,
//! and enriching 8.9 million event addresses; DuckDB's ASOF join over the same IPv4
//! ranges as the peer, when the Python package is installed. Run with
//! `cargo bench --bench enrich` (BENCH_EVENTS to change the count); the figures go into
//! docs/benchmarks.md.

use compound_atlas_core::ipdata::IpData;
use compound_atlas_core::ipdata::builtin::BuiltIn;
use compound_atlas_core::values::address::v4_to_u128;
use std::io::Write;
use std::time::{Duration, Instant};

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Addresses spread over the allocated space the way a large tip set's are: nine in ten
/// IPv4 (1.0.0.0–223.255.255.255), one in ten IPv6 in 2400::/12. Pseudo-random, seeded;
/// in memory only, never written beside the project.
fn addresses(count: usize) -> Vec<u128> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|i| {
            if i % 10 == 9 {
                (0x2400u128 << 112) | (u128::from(next()) << 52) | u128::from(next() >> 12)
            } else {
                let v4 = 0x0100_0000 + (next() % (0xe000_0000 - 0x0100_0000)) as u32;
                v4_to_u128(v4.into())
            }
        })
        .collect()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The same IPv4 lookups as a DuckDB ASOF join (each address to the last range starting
/// at or before it, kept when it ends at or after it), timed inside DuckDB.
fn duckdb_peer(addrs: &[u128]) -> String {
    let python_has_duckdb = std::process::Command::new("python3")
        .args(["-c", "import duckdb"])
        .status()
        .is_ok_and(|s| s.success());
    if !python_has_duckdb {
        return "not installed (pip install duckdb)".into();
    }
    let dir = tempfile::tempdir().unwrap();
    let ranges = BuiltIn::get().v4_ranges();
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.path().join("r.csv")).unwrap());
    writeln!(out, "s,e,v").unwrap();
    for (start, end, value) in ranges {
        writeln!(out, "{start},{end},{value}").unwrap();
    }
    drop(out);
    let mut ips = std::io::BufWriter::new(std::fs::File::create(dir.path().join("a.csv")).unwrap());
    writeln!(ips, "ip").unwrap();
    for &a in addrs.iter().filter(|&&a| a >> 32 == 0xffff) {
        writeln!(ips, "{}", a as u32).unwrap();
    }
    drop(ips);
    let script = format!(
        "import duckdb, time\n\
         c = duckdb.connect()\n\
         c.execute(\"CREATE TABLE r AS SELECT * FROM read_csv('{d}/r.csv', columns={{'s':'UBIGINT','e':'UBIGINT','v':'UBIGINT'}}, header=true)\")\n\
         c.execute(\"CREATE TABLE a AS SELECT * FROM read_csv('{d}/a.csv', columns={{'ip':'UBIGINT'}}, header=true)\")\n\
         t = time.perf_counter()\n\
         n = c.execute(\"CREATE TABLE j AS SELECT a.ip, CASE WHEN a.ip <= r.e THEN r.v END AS v FROM a ASOF LEFT JOIN r ON a.ip >= r.s\").fetchall()\n\
         found = c.execute('SELECT count(*), count(v) FROM j').fetchone()\n\
         print(f'{{time.perf_counter() - t:.3f}} s for {{found[0]:,}} IPv4 addresses ({{found[1]:,}} in a range), DuckDB {{duckdb.__version__}}')\n",
        d = dir.path().display()
    );
    let out = std::process::Command::new("python3")
        .args(["-c", &script])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string() + &String::from_utf8_lossy(&out.stderr)
}

fn main() {
    let count: usize = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8_900_000);
    let before = rss_mib();
    let started = Instant::now();
    let builtin = BuiltIn::get();
    let decode = started.elapsed();
    let tables = rss_mib() - before;
    let addrs = addresses(count);
    let data = IpData::default();
    let mut known = 0;
    let runs: Vec<Duration> = (0..3)
        .map(|_| {
            let t = Instant::now();
            let enriched = data.enrich(&addrs);
            let took = t.elapsed();
            known = (0..count as u32)
                .filter(|&e| enriched.of(e).asn.is_some())
                .count();
            took
        })
        .collect();
    let enrich = median(runs);
    println!("| what | figure |");
    println!("| --- | --- |");
    println!(
        "| decode the built-in data (first use) | {:.0} ms; tables {:.0} MiB resident ({} ranges) |",
        decode.as_secs_f64() * 1000.0,
        tables,
        builtin.range_counts().iter().sum::<usize>()
    );
    println!(
        "| enrich {count} addresses (AS, organisation, country, hints), median of 3 | {:.2} s ({:.0} ns per address; {:.1} % with an AS) |",
        enrich.as_secs_f64(),
        enrich.as_secs_f64() * 1e9 / count as f64,
        100.0 * known as f64 / count as f64
    );
    println!(
        "| peer: DuckDB ASOF join over the same IPv4 ranges | {} |",
        duckdb_peer(&addrs)
    );
}
