//! A synthetic data set in the contract's format, for demos, tests and benchmarks.
//!
//! Only reserved address space is used. Observations live in 198.18.0.0/16,
//! 203.0.113.0/24 (shared infrastructure with port ranges) and 2001:db8:0::/33;
//! background traffic uses 198.19.0.0/16, 192.0.2.0/24, 198.51.100.0/24 and
//! 2001:db8:8000::/33, which no observation covers. So every match is a planted link
//! and `ground_truth.csv` lists them all with their strength.
//!
//! The shape follows the study: a skewed number of events per report (about 7.6 on
//! average), 493 reports linked by IP and time and 18,017 with any match per 1.18 M
//! reports (with a floor so small sets still show links), 40 locations around public
//! hub coordinates, and planted activity in each location's shift hours.

pub mod formats;
mod links;
pub mod location_formats;
mod networks;
mod places;
mod rows;

use links::*;
use networks::*;
pub use networks::{DATABASE_TYPE, SATELLITE_ASN};
use places::*;
use rows::*;

use crate::embedded::GAZETTEER_CSV;
use crate::values::address::{AddressSet, format_address, format_address_set, v4_to_u128};
use crate::values::scalars::PortRange;
use crate::values::time::{NANOS_PER_SECOND, format_time};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::io::Write;
use std::net::Ipv4Addr;
use std::path::Path;

const DAY: i64 = 86_400;
/// 2022-01-01T00:00:00Z and 2024-09-01T00:00:00Z: the study's period.
const PERIOD_START: i64 = 1_640_995_200;
const PERIOD_END: i64 = 1_725_148_800;
/// Planted `ip_only` events sit at least this far outside every window that covers them.
pub const IP_ONLY_MARGIN_SECONDS: i64 = 45 * DAY;
const REPORTS_PER_CHUNK: u64 = 4096;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// Number of reports (1,180,000 is the study's full scale).
    pub reports: u64,
    /// Seed of the pseudo-random generator; the same seed gives the same files.
    pub seed: u64,
    /// Folder for `reports.csv`, `locations.csv`, `ground_truth.csv` and `networks.mmdb`.
    pub out: std::path::PathBuf,
}

/// What was generated, for the caller to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    pub reports: u64,
    pub planted_ip_time: u64,
    pub planted_ip_only: u64,
    pub locations: usize,
    pub observations: usize,
}

/// Write `reports.csv`, `locations.csv` and `ground_truth.csv` into the output folder.
pub fn generate(spec: &Spec) -> std::io::Result<Generated> {
    std::fs::create_dir_all(&spec.out)?;
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let locations = build_locations(&mut rng);
    let observations = build_observations(&mut rng, &locations);
    let mut planned = plan_links(&mut rng, spec.reports, &observations, &locations);
    plant_compounds_and_decoys(spec.seed, &mut planned, &observations, &locations);
    write_locations(&spec.out.join("locations.csv"), &locations, &observations)?;
    write_networks(&spec.out.join("networks.mmdb"), &locations)?;
    let truth_lines = write_reports(spec, &planned, &locations)?;
    write_ground_truth(&spec.out.join("ground_truth.csv"), &truth_lines)?;
    let (planted_ip_time, planted_ip_only) = planted_counts(spec.reports);
    Ok(Generated {
        reports: spec.reports,
        planted_ip_time,
        planted_ip_only,
        locations: locations.len(),
        observations: observations.len(),
    })
}

/// Write `reports.csv`; returns the ground-truth lines of the planted links, in order.
fn write_reports(
    spec: &Spec,
    planned: &[(u64, Vec<Plant>)],
    locations: &[SynthLocation],
) -> std::io::Result<Vec<String>> {
    let chunks = spec.reports.div_ceil(REPORTS_PER_CHUNK);
    let mut truth_lines = Vec::new();
    crate::values::atomic::write_atomically(&spec.out.join("reports.csv"), |out| {
        writeln!(
            out,
            "report_id,ip,port,event_time,event_name,incident_type,platform,report_date,possible_proxy"
        )?;
        // Batches of chunks in parallel, written in order: the output depends only on the seed.
        let batch = (rayon::current_num_threads() * 4) as u64;
        for batch_start in (0..chunks).step_by(batch as usize) {
            let results: Vec<(Vec<u8>, Vec<String>)> = (batch_start
                ..(batch_start + batch).min(chunks))
                .into_par_iter()
                .map(|chunk| {
                    let first = chunk * REPORTS_PER_CHUNK;
                    let last = (first + REPORTS_PER_CHUNK).min(spec.reports);
                    let mut bytes = Vec::with_capacity((last - first) as usize * 900);
                    let truth = write_chunk(
                        spec.seed, chunk, first, last, planned, locations, &mut bytes,
                    );
                    (bytes, truth)
                })
                .collect();
            for (bytes, truth) in results {
                out.write_all(&bytes)?;
                truth_lines.extend(truth);
            }
        }
        Ok(())
    })?;
    Ok(truth_lines)
}

fn write_ground_truth(path: &std::path::Path, lines: &[String]) -> std::io::Result<()> {
    crate::values::atomic::write_atomically(path, |out| {
        writeln!(
            out,
            "report_id,ip,port,event_time,location_id,expected_strength,planted_as"
        )?;
        for line in lines {
            writeln!(out, "{line}")?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn study_rates_at_full_scale_and_a_floor_when_small() {
        assert_eq!(planted_counts(1_180_000), (493, 18_017 - 493));
        let (ip_time, ip_only) = planted_counts(10_000);
        assert_eq!(ip_time, 120);
        assert_eq!(ip_time + ip_only, 480);
        assert_eq!(planted_counts(3), (0, 0));
    }

    #[test]
    fn forty_locations_on_the_inland_side_of_their_hub() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let locations = build_locations(&mut rng);
        assert_eq!(locations.len(), LOCATION_COUNT);
        for l in locations
            .iter()
            .filter(|l| l.id.starts_with("syn-kk-park") || l.id.starts_with("syn-myawaddy"))
        {
            let hub_id = if l.id.contains("kk-park") {
                "kk-park"
            } else {
                "myawaddy"
            };
            let (_, country, _, hub_lon) = hub(hub_id);
            assert_eq!(country, "MM");
            assert!(l.lon < hub_lon, "{} moved east, towards Thailand", l.id);
        }
        assert_eq!(
            PLACEMENTS.iter().map(|p| p.sites).sum::<usize>(),
            LOCATION_COUNT
        );
    }
}
