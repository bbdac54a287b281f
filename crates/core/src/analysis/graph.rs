//! The link graph of a set of matches: the matched reports, the addresses and locations
//! they matched, the reports tied to them and the addresses and accounts those ties run
//! through, and one collection node per crowded address or account.

use super::links::{Links, Via, address_key};
use crate::matching::{Match, Strength};
use crate::model::Dataset;
use crate::values::time::Nanos;
use hashbrown::HashMap;
use std::collections::BTreeSet;

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    Report(u32),
    /// An address as linking reads it (IPv6 folded to /64 when asked).
    Address(u128),
    Location(u32),
    Account(u32),
    /// A crowded address or account: more reports than linking follows.
    Collection(Via),
}

impl Node {
    pub fn kind(self) -> &'static str {
        match self {
            Node::Report(_) => "report",
            Node::Address(_) => "address",
            Node::Location(_) => "location",
            Node::Account(_) => "account",
            Node::Collection(_) => "collection",
        }
    }
}

/// How two nodes are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relation {
    /// A report's events used an address, an account or a crowded one.
    Used,
    /// An address matched a location's observations.
    MatchedAt,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Used => "used",
            Relation::MatchedAt => "matched_at",
        }
    }
}

/// One edge, with the events behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub from: u32,
    pub to: u32,
    pub relation: Relation,
    pub events: u32,
    pub first: Nanos,
    pub last: Nanos,
    /// For `matched_at`, the best strength of the matches.
    pub strength: Option<Strength>,
}

/// Nodes in a stable order (by kind, then value) and edges between them.
#[derive(Debug, Clone, Default)]
pub struct LinkGraph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

impl LinkGraph {
    pub fn index_of(&self, node: Node) -> Option<u32> {
        self.nodes.binary_search(&node).ok().map(|i| i as u32)
    }
}

/// The graph of `matches` (already filtered) with the ties of their reports.
pub fn graph(dataset: &Dataset, matches: &[Match], links: &Links) -> LinkGraph {
    let fold = links.params.fold_ipv6;
    let anchors: BTreeSet<u32> = matches
        .iter()
        .map(|m| dataset.events.report[m.event as usize])
        .collect();
    let mut nodes: BTreeSet<Node> = anchors.iter().map(|&r| Node::Report(r)).collect();
    let mut matched_at: HashMap<(Node, Node), Edge> = HashMap::new();
    for m in matches {
        let address = Node::Address(address_key(dataset.events.addr[m.event as usize], fold));
        let location = Node::Location(dataset.observations[m.observation as usize].location);
        nodes.insert(address);
        nodes.insert(location);
        let time = dataset.events.time[m.event as usize];
        let edge = matched_at.entry((address, location)).or_insert(Edge {
            from: 0,
            to: 0,
            relation: Relation::MatchedAt,
            events: 0,
            first: time,
            last: time,
            strength: Some(m.strength),
        });
        widen(edge, time);
        edge.strength = edge.strength.max(Some(m.strength));
    }
    for tie in links.ties.iter().filter(|t| anchors.contains(&t.anchor)) {
        nodes.insert(Node::Report(tie.report));
        nodes.insert(via_node(tie.via));
    }
    let mut used: HashMap<(Node, Node), Edge> = HashMap::new();
    let reports: Vec<u32> = nodes
        .iter()
        .filter_map(|n| match n {
            Node::Report(r) => Some(*r),
            _ => None,
        })
        .collect();
    for report in reports {
        for &event in dataset.events_of(report) {
            let addr = Via::Address(address_key(dataset.events.addr[event as usize], fold));
            let accounts = links.accounts.of_event(event).map(Via::Account);
            for via in std::iter::once(addr).chain(accounts) {
                let target = if nodes.contains(&via_node(via)) {
                    via_node(via)
                } else if links.is_crowded(via) && anchors.contains(&report) {
                    Node::Collection(via)
                } else {
                    continue;
                };
                let time = dataset.events.time[event as usize];
                let edge = used.entry((Node::Report(report), target)).or_insert(Edge {
                    from: 0,
                    to: 0,
                    relation: Relation::Used,
                    events: 0,
                    first: time,
                    last: time,
                    strength: None,
                });
                widen(edge, time);
            }
        }
    }
    nodes.extend(used.keys().map(|(_, target)| *target));
    let nodes: Vec<Node> = nodes.into_iter().collect();
    let mut graph = LinkGraph {
        nodes,
        edges: Vec::new(),
    };
    for ((from, to), mut edge) in used.into_iter().chain(matched_at) {
        edge.from = graph.index_of(from).expect("a node");
        edge.to = graph.index_of(to).expect("a node");
        graph.edges.push(edge);
    }
    graph.edges.sort_by_key(|e| (e.from, e.to, e.relation));
    graph
}

fn via_node(via: Via) -> Node {
    match via {
        Via::Address(addr) => Node::Address(addr),
        Via::Account(a) => Node::Account(a),
    }
}

fn widen(edge: &mut Edge, time: Nanos) {
    edge.events += 1;
    edge.first = edge.first.min(time);
    edge.last = edge.last.max(time);
}

/// A node's label: the report id, the address, the location's name, the account, or
/// the crowded value with its number of reports.
pub fn label(dataset: &Dataset, links: &Links, node: Node) -> String {
    match node {
        Node::Report(r) => dataset.reports.id(r).to_string(),
        Node::Address(addr) => links.via_label(Via::Address(addr)),
        Node::Location(l) => dataset.locations[l as usize].name.clone(),
        Node::Account(a) => links.via_label(Via::Account(a)),
        Node::Collection(via) => {
            let reports = links.sharers.get(&via).copied().unwrap_or(0);
            format!("{} ({} reports)", links.via_label(via), reports)
        }
    }
}
