//! The link graph of a set of matches: the matched reports, the addresses and locations
//! they matched, the reports tied to them and the addresses and accounts those ties run
//! through, and one collection node per crowded address or account.

use super::links::{Links, Via, address_key};
use super::mask::Masking;
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
    graph_expanded(dataset, matches, links, &[])
}

/// At most this many reports are added when an address or account is expanded; the
/// rest stay in the collection it is drawn with.
pub const EXPAND_LIMIT: usize = 500;

/// The graph of `matches` with the ties of their reports, and each node of `expanded`
/// opened in turn: a report gains all its addresses and accounts, an address, account
/// or collection its reports (at most [`EXPAND_LIMIT`] each, first by report number).
pub fn graph_expanded(
    dataset: &Dataset,
    matches: &[Match],
    links: &Links,
    expanded: &[Node],
) -> LinkGraph {
    let mut builder = Builder::new(dataset, links);
    builder.add_matches(matches);
    builder.add_ties();
    builder.add_uses();
    for &node in expanded {
        builder.expand(node);
    }
    builder.finish()
}

/// The graph as it grows: nodes and edges by their ends.
struct Builder<'a> {
    dataset: &'a Dataset,
    links: &'a Links,
    fold: bool,
    anchors: BTreeSet<u32>,
    nodes: BTreeSet<Node>,
    edges: HashMap<(Node, Node), Edge>,
}

impl<'a> Builder<'a> {
    fn new(dataset: &'a Dataset, links: &'a Links) -> Self {
        Builder {
            dataset,
            links,
            fold: links.params.fold_ipv6,
            anchors: BTreeSet::new(),
            nodes: BTreeSet::new(),
            edges: HashMap::new(),
        }
    }

    fn address_of(&self, event: u32) -> u128 {
        address_key(self.dataset.events.addr[event as usize], self.fold)
    }

    fn time_of(&self, event: u32) -> Nanos {
        self.dataset.events.time[event as usize]
    }

    /// One more event behind the edge `from`–`to`.
    fn join(&mut self, from: Node, to: Node, relation: Relation, event: u32) {
        let time = self.time_of(event);
        self.nodes.insert(from);
        self.nodes.insert(to);
        let edge = self.edges.entry((from, to)).or_insert(Edge {
            from: 0,
            to: 0,
            relation,
            events: 0,
            first: time,
            last: time,
            strength: None,
        });
        edge.events += 1;
        edge.first = edge.first.min(time);
        edge.last = edge.last.max(time);
    }

    /// The matched reports, their matched addresses and the locations they matched.
    fn add_matches(&mut self, matches: &[Match]) {
        for m in matches {
            let report = self.dataset.events.report[m.event as usize];
            self.anchors.insert(report);
            self.nodes.insert(Node::Report(report));
            let address = Node::Address(self.address_of(m.event));
            let location =
                Node::Location(self.dataset.observations[m.observation as usize].location);
            self.join(address, location, Relation::MatchedAt, m.event);
            let edge = self
                .edges
                .get_mut(&(address, location))
                .expect("just joined");
            edge.strength = edge.strength.max(Some(m.strength));
        }
    }

    /// The reports tied to the anchors, and what ties them.
    fn add_ties(&mut self) {
        for tie in self.links.ties.iter() {
            if self.anchors.contains(&tie.anchor) {
                self.nodes.insert(Node::Report(tie.report));
                self.nodes.insert(via_node(tie.via));
            }
        }
    }

    /// What a report's event uses: its address and accounts.
    fn uses(&self, event: u32) -> impl Iterator<Item = Via> + '_ {
        let addr = Via::Address(self.address_of(event));
        let accounts = self.links.accounts.of_event(event).map(Via::Account);
        std::iter::once(addr).chain(accounts)
    }

    /// Every report's edges to the addresses and accounts already in the graph, and each
    /// anchor's to the crowded ones it uses, as collections.
    fn add_uses(&mut self) {
        let reports: Vec<u32> = self.reports().collect();
        for report in reports {
            for &event in self.dataset.events_of(report) {
                let vias: Vec<Via> = self.uses(event).collect();
                for via in vias {
                    let target = if self.nodes.contains(&via_node(via)) {
                        via_node(via)
                    } else if self.links.is_crowded(via) && self.anchors.contains(&report) {
                        Node::Collection(via)
                    } else {
                        continue;
                    };
                    self.join(Node::Report(report), target, Relation::Used, event);
                }
            }
        }
    }

    fn reports(&self) -> impl Iterator<Item = u32> + '_ {
        self.nodes.iter().filter_map(|n| match n {
            Node::Report(r) => Some(*r),
            _ => None,
        })
    }

    /// Open one node: see [`graph_expanded`]. Locations have nothing more to show.
    fn expand(&mut self, node: Node) {
        match node {
            Node::Report(report) => {
                for &event in self.dataset.events_of(report) {
                    let vias: Vec<Via> = self.uses(event).collect();
                    for via in vias {
                        let target = if self.links.is_crowded(via) {
                            Node::Collection(via)
                        } else {
                            via_node(via)
                        };
                        self.join(node, target, Relation::Used, event);
                    }
                }
            }
            Node::Address(_) | Node::Account(_) => self.add_users(node, via_of(node)),
            Node::Collection(via) => self.add_users(node, Some(via)),
            Node::Location(_) => {}
        }
    }

    /// The reports whose events use `via`, joined to `node`.
    fn add_users(&mut self, node: Node, via: Option<Via>) {
        let Some(via) = via else { return };
        let events: Vec<u32> = match via {
            Via::Address(addr) => (0..self.dataset.events.len() as u32)
                .filter(|&e| self.address_of(e) == addr)
                .collect(),
            Via::Account(account) => self
                .links
                .accounts
                .of_events
                .iter()
                .filter(|(_, a)| *a == account)
                .map(|(e, _)| *e)
                .collect(),
        };
        let mut added = BTreeSet::new();
        for event in events {
            let report = self.dataset.events.report[event as usize];
            if added.len() >= EXPAND_LIMIT && !added.contains(&report) {
                continue;
            }
            added.insert(report);
            self.join(Node::Report(report), node, Relation::Used, event);
        }
    }

    fn finish(self) -> LinkGraph {
        let mut graph = LinkGraph {
            nodes: self.nodes.into_iter().collect(),
            edges: Vec::new(),
        };
        for ((from, to), mut edge) in self.edges {
            edge.from = graph.index_of(from).expect("a node");
            edge.to = graph.index_of(to).expect("a node");
            graph.edges.push(edge);
        }
        graph.edges.sort_by_key(|e| (e.from, e.to, e.relation));
        graph
    }
}

fn via_of(node: Node) -> Option<Via> {
    match node {
        Node::Address(addr) => Some(Via::Address(addr)),
        Node::Account(a) => Some(Via::Account(a)),
        Node::Collection(via) => Some(via),
        Node::Report(_) | Node::Location(_) => None,
    }
}

fn via_node(via: Via) -> Node {
    match via {
        Via::Address(addr) => Node::Address(addr),
        Via::Account(a) => Node::Account(a),
    }
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

/// [`label`], with reports, addresses and accounts masked when `masking` says so (the
/// location's name stays: it is what a masked picture is about).
pub fn masked_label(dataset: &Dataset, links: &Links, node: Node, masking: Masking) -> String {
    if !masking.0 {
        return label(dataset, links, node);
    }
    match node {
        Node::Report(r) => masking.report_id(dataset.reports.id(r)),
        Node::Address(addr) => masking.address(addr),
        Node::Location(_) => label(dataset, links, node),
        Node::Account(_) => "account (masked)".to_string(),
        Node::Collection(via) => {
            let reports = links.sharers.get(&via).copied().unwrap_or(0);
            format!("shared by {reports} reports (masked)")
        }
    }
}
