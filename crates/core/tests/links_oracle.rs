//! Second-degree ties, clusters and the lead score against their definitions
//! (`docs/ranking.md`): every pair of reports sharing an address on the sample data,
//! with the brute force written out plainly, and a small hand-made case for accounts.

use compound_atlas_core::analysis::clusters::clusters;
use compound_atlas_core::analysis::links::{LinkParams, Links, Via, address_key, find_links};
use compound_atlas_core::analysis::ranking::{Kind, all_leads};
use compound_atlas_core::ingest::Input;
use compound_atlas_core::matching::{MatchSet, match_events};
use compound_atlas_core::model::Dataset;
use compound_atlas_core::params::{DAY, LeadParams};
use compound_atlas_core::pipeline::Inputs;
use compound_atlas_core::values::progress::Progress;
use std::collections::{BTreeMap, BTreeSet};

fn matched(dataset: &Dataset) -> MatchSet {
    match_events(dataset, Default::default(), &Progress::default()).unwrap()
}

/// (report, anchor, via, apart) of every tie, by the definition: a report's event and
/// another report's event on the same address (at most `max_sharers` reports on it),
/// the other report having a match, and one of its matched events within the window.
fn brute_force(
    dataset: &Dataset,
    matches: &MatchSet,
    params: &LinkParams,
) -> BTreeSet<(u32, u32, Via, i64)> {
    let mut matched_times: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
    for m in &matches.matches {
        let e = m.event as usize;
        matched_times
            .entry(dataset.events.report[e])
            .or_default()
            .push(dataset.events.time[e]);
    }
    let mut on_address: BTreeMap<u128, Vec<u32>> = BTreeMap::new();
    for e in 0..dataset.events.len() {
        let key = address_key(dataset.events.addr[e], params.fold_ipv6);
        on_address.entry(key).or_default().push(e as u32);
    }
    let mut best: BTreeMap<(u32, u32, Via), i64> = BTreeMap::new();
    for (&key, events) in &on_address {
        let reports: BTreeSet<u32> = events
            .iter()
            .map(|&e| dataset.events.report[e as usize])
            .collect();
        if reports.len() as u32 > params.max_sharers {
            continue;
        }
        for &e in events {
            let report = dataset.events.report[e as usize];
            let time = dataset.events.time[e as usize];
            for &anchor in &reports {
                let Some(times) = matched_times.get(&anchor) else {
                    continue;
                };
                if anchor == report {
                    continue;
                }
                let apart = times.iter().map(|t| (t - time).abs()).min().unwrap();
                if apart <= params.window {
                    let slot = best
                        .entry((report, anchor, Via::Address(key)))
                        .or_insert(apart);
                    *slot = (*slot).min(apart);
                }
            }
        }
    }
    best.into_iter()
        .map(|((r, a, v), apart)| (r, a, v, apart))
        .collect()
}

fn found(links: &Links) -> BTreeSet<(u32, u32, Via, i64)> {
    links
        .ties
        .iter()
        .map(|t| (t.report, t.anchor, t.via, t.apart))
        .collect()
}

#[test]
fn address_ties_agree_with_the_definition_on_the_sample() {
    let dataset = compound_atlas_core::pipeline::load(
        &compound_atlas_core::embedded::sample_inputs(),
        Default::default(),
        &Progress::default(),
    )
    .unwrap();
    let matches = matched(&dataset);
    for (window_days, max_sharers, fold_ipv6) in [(30, 50, true), (5, 3, true), (90, 50, false)] {
        let params = LinkParams {
            window: window_days * DAY,
            max_sharers,
            fold_ipv6,
            account_column: None,
        };
        let links = find_links(&dataset, &matches, &params);
        let expected = brute_force(&dataset, &matches, &params);
        assert!(
            !expected.is_empty(),
            "the sample has ties at {window_days} days"
        );
        assert_eq!(
            found(&links),
            expected,
            "{window_days} days, {max_sharers} sharers"
        );
        // Every tie's two reports are in one cluster, and no report is in two.
        let groups = clusters(&dataset, &links);
        let mut cluster_of = BTreeMap::new();
        for c in &groups {
            assert!(c.reports.len() >= 2);
            for &r in &c.reports {
                assert!(cluster_of.insert(r, c.number).is_none(), "report {r} twice");
            }
        }
        for tie in &links.ties {
            assert_eq!(cluster_of[&tie.report], cluster_of[&tie.anchor]);
        }
        assert!(
            groups
                .windows(2)
                .all(|w| w[0].reports.len() >= w[1].reports.len())
        );
    }
}

const LOCATIONS: &str = "location_id,name,country,lat,lon,ip,first_seen,last_seen\n\
    site-1,Test site,MM,16.6,98.5,198.51.100.0/24,2023-01-01,2023-12-31\n";

const REPORTS: &str = "report_id,ip,event_time,platform,screen_name\n\
    A1,198.51.100.5,2023-06-01T10:00:00Z,Platform A,alpha\n\
    A1,192.0.2.1,2023-06-02T10:00:00Z,Platform A,\n\
    R1,192.0.2.9,2023-06-20T10:00:00Z,Platform A,Alpha \n\
    R2,192.0.2.10,2023-09-01T10:00:00Z,Platform A,alpha\n\
    R3,192.0.2.1,2023-06-10T10:00:00Z,Platform B,\n\
    R4,192.0.2.11,2023-06-05T10:00:00Z,Platform B,alpha\n\
    O1,198.51.100.9,2024-09-01T10:00:00Z,Platform C,\n";

fn hand_made() -> Dataset {
    let embedded = |name, bytes: &'static str| Input::Embedded {
        name,
        bytes: bytes.as_bytes(),
    };
    let inputs = Inputs {
        reports: vec![embedded("reports.csv", REPORTS).into()],
        locations: vec![embedded("locations.csv", LOCATIONS).into()],
        ip_databases: Vec::new(),
    };
    compound_atlas_core::pipeline::load(&inputs, Default::default(), &Progress::default()).unwrap()
}

#[test]
fn a_screen_name_ties_reports_on_one_platform_within_the_window_whatever_its_case() {
    let dataset = hand_made();
    let matches = matched(&dataset);
    let links = find_links(&dataset, &matches, &LinkParams::default());
    let id = |r: u32| dataset.reports.id(r).to_string();
    let leads: BTreeMap<String, Vec<String>> = links
        .second_degree()
        .map(|(r, ties)| {
            (
                id(r),
                ties.iter().map(|t| links.reason(&dataset, t)).collect(),
            )
        })
        .collect();
    assert_eq!(
        leads,
        BTreeMap::from([
            (
                "R1".to_string(),
                vec!["shares screen_name alpha (Platform A) with A1 — IP + time at Test site — 19 days apart".to_string()]
            ),
            (
                "R3".to_string(),
                vec!["shares 192.0.2.1 with A1 — IP + time at Test site — 9 days apart".to_string()]
            ),
        ]),
        "R2 is 92 days away, R4 is on another platform"
    );
}

#[test]
fn every_report_below_ip_time_is_ranked_once_per_kind_and_location() {
    let dataset = hand_made();
    let matches = matched(&dataset);
    let all = all_leads(&dataset, &matches, &LeadParams::default());
    let rows: Vec<(String, Kind)> = all
        .ranked
        .iter()
        .map(|l| (dataset.reports.id(l.report).to_string(), l.kind))
        .collect();
    let as_set: BTreeSet<_> = rows.iter().cloned().collect();
    assert_eq!(
        as_set,
        BTreeSet::from([
            ("O1".to_string(), Kind::IpOnly),
            ("R1".to_string(), Kind::SharedAccount),
            ("R3".to_string(), Kind::SharedAddress),
        ])
    );
    assert_eq!(rows.len(), 3);
    for lead in &all.ranked {
        assert!((0.0..=1.0).contains(&lead.score), "{lead:?}");
        let f = lead.factors;
        for v in [
            f.proximity,
            f.evidence,
            f.activity_fit,
            f.exclusivity,
            f.ties,
        ] {
            assert!((0.0..=1.0).contains(&v), "{lead:?}");
        }
    }
    assert!(all.ranked.windows(2).all(|w| w[0].score >= w[1].score));
    let o1 = all.ranked.iter().find(|l| l.kind == Kind::IpOnly).unwrap();
    assert!(
        all.reason(&dataset, o1)
            .starts_with("IP only at Test site: 1 event, nearest 244 days outside the window"),
        "{}",
        all.reason(&dataset, o1)
    );
}
