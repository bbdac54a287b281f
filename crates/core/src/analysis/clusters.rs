//! Clusters: the connected groups of reports that ties join (matched reports and the
//! second-degree leads tied to them), with their size, locations, strengths and span.

use super::links::Links;
use crate::matching::Strength;
use crate::model::Dataset;
use crate::values::time::Nanos;
use hashbrown::HashMap;
use std::collections::BTreeSet;

/// One cluster of two or more reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// 1 for the largest; ties in size by the first report id.
    pub number: u32,
    /// In report id order.
    pub reports: Vec<u32>,
    /// The locations where the ties' anchors matched.
    pub locations: BTreeSet<u32>,
    pub ip_time_reports: u32,
    pub ip_only_reports: u32,
    /// Members with no match of their own.
    pub lead_reports: u32,
    /// The distinct addresses and accounts its ties run through.
    pub shared: u32,
    /// The earliest and latest time of the events that tie its members.
    pub first: Nanos,
    pub last: Nanos,
}

/// A union-find over report numbers, with path halving.
struct Groups {
    parent: HashMap<u32, u32>,
}

impl Groups {
    fn root(&mut self, mut r: u32) -> u32 {
        loop {
            let parent = *self.parent.entry(r).or_insert(r);
            if parent == r {
                return r;
            }
            let grand = *self.parent.entry(parent).or_insert(parent);
            self.parent.insert(r, grand);
            r = grand;
        }
    }

    fn join(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra != rb {
            self.parent.insert(ra.max(rb), ra.min(rb));
        }
    }
}

/// Every cluster, largest first.
pub fn clusters(dataset: &Dataset, links: &Links) -> Vec<Cluster> {
    let mut groups = Groups {
        parent: HashMap::new(),
    };
    for tie in &links.ties {
        groups.join(tie.report, tie.anchor);
    }
    let members: Vec<u32> = groups.parent.keys().copied().collect();
    let mut by_root: HashMap<u32, Vec<u32>> = HashMap::new();
    for r in members {
        let root = groups.root(r);
        by_root.entry(root).or_default().push(r);
    }
    let ranks = dataset.reports.id_ranks();
    let mut clusters: Vec<Cluster> = by_root
        .into_values()
        .map(|mut reports| {
            reports.sort_by_key(|&r| ranks[r as usize]);
            describe(dataset, links, reports)
        })
        .collect();
    clusters.sort_by(|a, b| {
        b.reports
            .len()
            .cmp(&a.reports.len())
            .then_with(|| ranks[a.reports[0] as usize].cmp(&ranks[b.reports[0] as usize]))
    });
    for (i, cluster) in clusters.iter_mut().enumerate() {
        cluster.number = i as u32 + 1;
    }
    clusters
}

/// A cluster's figures from its members and their ties.
fn describe(dataset: &Dataset, links: &Links, reports: Vec<u32>) -> Cluster {
    let mut cluster = Cluster {
        number: 0,
        reports: Vec::new(),
        locations: BTreeSet::new(),
        ip_time_reports: 0,
        ip_only_reports: 0,
        lead_reports: 0,
        shared: 0,
        first: Nanos::MAX,
        last: Nanos::MIN,
    };
    let mut shared = BTreeSet::new();
    for &report in &reports {
        match links.strength_of.get(&report) {
            Some(Strength::IpTime) => cluster.ip_time_reports += 1,
            Some(Strength::IpOnly) => cluster.ip_only_reports += 1,
            None => cluster.lead_reports += 1,
        }
        for tie in links.ties_of(report) {
            cluster.locations.insert(tie.anchor_location);
            shared.insert(tie.via);
            for event in [tie.event, tie.anchor_event] {
                let time = dataset.events.time[event as usize];
                cluster.first = cluster.first.min(time);
                cluster.last = cluster.last.max(time);
            }
        }
    }
    cluster.shared = shared.len() as u32;
    cluster.reports = reports;
    cluster
}
