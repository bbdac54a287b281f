//! What the link chart draws of a link graph. A graph of up to [`NODE_LIMIT`] nodes is
//! drawn whole; a larger one by cluster (one item per connected group of reports, the
//! lone reports of each location as one item) until the user drills into one. Within
//! what is drawn, a hub with more than [`HUB_LIMIT`] neighbours that hang on it alone is
//! drawn with them folded into one collection until it is opened (Maltego's answer to
//! hairballs). [`find_path`] is the chart's shortest path between two items.

use super::graph::{LinkGraph, Node, Relation};
use super::layout::{ForceLayout, Previous};
use crate::matching::Strength;
use crate::values::time::Nanos;
use hashbrown::HashMap;
use petgraph::unionfind::UnionFind;
use std::collections::{BTreeMap, BTreeSet};

/// Graphs with more nodes than this are drawn by cluster.
pub const NODE_LIMIT: usize = 5_000;

/// A hub with more leaves than this draws them as one collection until opened.
pub const HUB_LIMIT: usize = 30;

/// At most this many clusters are drawn one by one in the overview; smaller ones join
/// their location's lone reports.
const GROUP_LIMIT: usize = 1_500;

/// What an item of the chart stands for; stable across rebuilds, so that a selection,
/// an opened hub and a node's place survive a change of filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemKey {
    /// One node of the graph.
    Node(Node),
    /// The leaves of this hub, folded.
    Leaves(Node),
    /// A connected group of two or more reports, by its number (1 the largest).
    Cluster(u32),
    /// The groups of one report whose matches are at this location.
    Singles(u32),
    /// What a drilled-in chart had no room for.
    Rest,
}

impl ItemKey {
    /// A number for the layout's start and to find an item's earlier place.
    pub fn layout_key(self) -> u64 {
        use super::layout::mix;
        let node = |n: Node| -> (u64, u128) {
            match n {
                Node::Report(r) => (1, u128::from(r)),
                Node::Address(a) => (2, a),
                Node::Location(l) => (3, u128::from(l)),
                Node::Account(a) => (4, u128::from(a)),
                Node::Collection(super::links::Via::Address(a)) => (5, a),
                Node::Collection(super::links::Via::Account(a)) => (6, u128::from(a)),
            }
        };
        let (tag, value) = match self {
            ItemKey::Node(n) => node(n),
            ItemKey::Leaves(n) => {
                let (tag, value) = node(n);
                (tag + 16, value)
            }
            ItemKey::Cluster(n) => (32, u128::from(n)),
            ItemKey::Singles(l) => (33, u128::from(l)),
            ItemKey::Rest => (34, 0),
        };
        // Written out rather than through `Hash`, whose output Rust does not promise to
        // keep: the layout, and the pictures made of it, are the same on every build.
        mix(mix(mix(tag) ^ (value as u64)) ^ ((value >> 64) as u64))
    }
}

/// One thing drawn: a node, or a group of nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub key: ItemKey,
    /// The graph's nodes it stands for (indices into [`LinkGraph::nodes`]).
    pub members: Vec<u32>,
    /// How many of them are reports.
    pub reports: u32,
}

/// A line between two items, with what the graph's edges behind it add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartEdge {
    pub a: u32,
    pub b: u32,
    pub relation: Relation,
    pub events: u32,
    pub first: Nanos,
    pub last: Nanos,
    pub strength: Option<Strength>,
}

/// What is drawn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chart {
    pub items: Vec<Item>,
    pub edges: Vec<ChartEdge>,
    /// Whether the graph was too large and is shown by cluster.
    pub by_cluster: bool,
    /// Nodes of the graph, in all.
    pub graph_nodes: usize,
}

impl Chart {
    /// A layout of the chart's items, each starting where `previous` had it (by
    /// [`ItemKey::layout_key`]); groups push harder the more they hold.
    pub fn layout(&self, previous: &Previous) -> ForceLayout {
        let keys: Vec<u64> = self.items.iter().map(|i| i.key.layout_key()).collect();
        let weights = self
            .items
            .iter()
            .map(|i| super::layout::weight_of(i.members.len()))
            .collect();
        let edges = self.edges.iter().map(|e| (e.a, e.b)).collect();
        ForceLayout::new(&keys, weights, edges, previous)
    }

    pub fn position_of(&self, key: ItemKey) -> Option<usize> {
        self.items.iter().position(|item| item.key == key)
    }

    /// The items joined to `item`.
    pub fn neighbours(&self, item: u32) -> impl Iterator<Item = u32> + '_ {
        self.edges.iter().filter_map(move |e| {
            (e.a == item)
                .then_some(e.b)
                .or_else(|| (e.b == item).then_some(e.a))
        })
    }
}

/// What a chart is narrowed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drill {
    /// An item of the overview: a cluster, or a location's lone reports.
    Item(ItemKey),
    /// These reports with what they used and where it matched (a row of the clusters
    /// table).
    Reports(Vec<u32>),
}

/// What the user chose to see.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChartSpec {
    pub drill: Option<Drill>,
    /// Hubs whose leaves are drawn one by one.
    pub opened: BTreeSet<Node>,
}

/// The chart of `graph` as `spec` asks, with the limits of this module.
pub fn chart(graph: &LinkGraph, spec: &ChartSpec) -> Chart {
    chart_with_limits(graph, spec, NODE_LIMIT, HUB_LIMIT)
}

/// [`chart`] with other limits (tests, benchmarks).
pub fn chart_with_limits(
    graph: &LinkGraph,
    spec: &ChartSpec,
    node_limit: usize,
    hub_limit: usize,
) -> Chart {
    let groups = Groups::of(graph);
    let mut chart = match &spec.drill {
        None if graph.nodes.len() <= node_limit => whole(
            graph,
            (0..graph.nodes.len() as u32).collect(),
            spec,
            hub_limit,
        ),
        None => overview(graph, &groups),
        Some(Drill::Item(key)) => {
            let wanted: Vec<u32> = groups.numbers_in(*key);
            drilled(graph, &groups, &wanted, spec, node_limit, hub_limit)
        }
        Some(Drill::Reports(reports)) => {
            let members = around_reports(graph, reports);
            let (near, far) = if members.len() > node_limit {
                nearest(graph, &members, node_limit)
            } else {
                (members, Vec::new())
            };
            with_locations(graph, near, far, spec, hub_limit)
        }
    };
    chart.graph_nodes = graph.nodes.len();
    chart
}

/// The connected groups of the graph, without the locations (which would join every
/// report matched at one place into one group).
struct Groups {
    /// Each node's group number (1 the largest), 0 for a location.
    of_node: Vec<u32>,
    /// Each group's nodes, by number − 1.
    members: Vec<Vec<u32>>,
    reports: Vec<u32>,
    /// The location most of each group's matches are at (`u32::MAX`: none).
    home: Vec<u32>,
}

impl Groups {
    fn of(graph: &LinkGraph) -> Groups {
        let n = graph.nodes.len();
        let is_location = |i: u32| matches!(graph.nodes[i as usize], Node::Location(_));
        let mut sets = UnionFind::<u32>::new(n);
        for e in &graph.edges {
            if !is_location(e.from) && !is_location(e.to) {
                sets.union(e.from, e.to);
            }
        }
        let mut by_root: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for i in (0..n as u32).filter(|&i| !is_location(i)) {
            by_root.entry(sets.find(i)).or_default().push(i);
        }
        let count_reports = |m: &[u32]| {
            m.iter()
                .filter(|&&i| matches!(graph.nodes[i as usize], Node::Report(_)))
                .count() as u32
        };
        let mut members: Vec<Vec<u32>> = by_root.into_values().collect();
        // Largest first by reports, then nodes; then by first node, so numbers are stable.
        members.sort_by_key(|m| {
            (
                std::cmp::Reverse(count_reports(m)),
                std::cmp::Reverse(m.len()),
                m[0],
            )
        });
        let mut of_node = vec![0; n];
        for (g, m) in members.iter().enumerate() {
            for &i in m {
                of_node[i as usize] = g as u32 + 1;
            }
        }
        let reports = members.iter().map(|m| count_reports(m)).collect();
        let home = homes(graph, &of_node, members.len());
        Groups {
            of_node,
            members,
            reports,
            home,
        }
    }

    /// Whether group `number` is drawn as its own cluster in the overview.
    fn own_cluster(&self, number: u32) -> bool {
        number as usize <= GROUP_LIMIT && self.reports[number as usize - 1] >= 2
    }

    /// The group numbers an overview item stands for.
    fn numbers_in(&self, key: ItemKey) -> Vec<u32> {
        let all = 1..=self.members.len() as u32;
        match key {
            ItemKey::Cluster(n) => all.filter(|&g| g == n).collect(),
            ItemKey::Singles(l) => all
                .filter(|&g| !self.own_cluster(g) && self.home[g as usize - 1] == l)
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// For each group, the location with the most matched events of its addresses.
fn homes(graph: &LinkGraph, of_node: &[u32], groups: usize) -> Vec<u32> {
    let mut counts: HashMap<(u32, u32), u32> = HashMap::new();
    for e in graph
        .edges
        .iter()
        .filter(|e| e.relation == Relation::MatchedAt)
    {
        if let Node::Location(l) = graph.nodes[e.to as usize] {
            *counts.entry((of_node[e.from as usize], l)).or_default() += e.events;
        }
    }
    let mut home = vec![(0u32, u32::MAX); groups];
    for ((g, l), events) in counts {
        let best = &mut home[g as usize - 1];
        if (events, std::cmp::Reverse(l)) > (best.0, std::cmp::Reverse(best.1)) {
            *best = (events, l);
        }
    }
    home.into_iter().map(|(_, l)| l).collect()
}

/// These reports and what they used (the locations come with them when drawn).
fn around_reports(graph: &LinkGraph, reports: &[u32]) -> Vec<u32> {
    let wanted: BTreeSet<u32> = reports
        .iter()
        .filter_map(|&r| graph.index_of(Node::Report(r)))
        .collect();
    let mut shown = wanted.clone();
    for e in &graph.edges {
        if e.relation == Relation::Used && wanted.contains(&e.from) {
            shown.insert(e.to);
        }
    }
    shown.into_iter().collect()
}

/// Every node of `shown`, with the leaves of crowded hubs folded.
fn whole(graph: &LinkGraph, shown: Vec<u32>, spec: &ChartSpec, hub_limit: usize) -> Chart {
    let in_view: BTreeSet<u32> = shown.iter().copied().collect();
    let edges: Vec<_> = graph
        .edges
        .iter()
        .filter(|e| in_view.contains(&e.from) && in_view.contains(&e.to))
        .collect();
    let mut neighbours: HashMap<u32, Vec<u32>> = HashMap::new();
    for e in &edges {
        neighbours.entry(e.from).or_default().push(e.to);
        neighbours.entry(e.to).or_default().push(e.from);
    }
    let degree = |i: u32| neighbours.get(&i).map_or(0, Vec::len);
    // Each folded leaf's hub.
    let mut folded_into: HashMap<u32, u32> = HashMap::new();
    for &hub in &shown {
        let node = graph.nodes[hub as usize];
        if spec.opened.contains(&node) || degree(hub) <= hub_limit {
            continue;
        }
        let leaves: Vec<u32> = neighbours[&hub]
            .iter()
            .copied()
            .filter(|&l| degree(l) == 1 && !matches!(graph.nodes[l as usize], Node::Location(_)))
            .collect();
        if leaves.len() > hub_limit {
            folded_into.extend(leaves.into_iter().map(|l| (l, hub)));
        }
    }
    let mut assign = Assign::new(graph);
    for &i in &shown {
        let key = match folded_into.get(&i) {
            Some(&hub) => ItemKey::Leaves(graph.nodes[hub as usize]),
            None => ItemKey::Node(graph.nodes[i as usize]),
        };
        assign.put(i, key);
    }
    assign.finish(graph, false)
}

/// One item per cluster, one per location's lone reports, and the locations.
fn overview(graph: &LinkGraph, groups: &Groups) -> Chart {
    let mut assign = Assign::new(graph);
    for (i, node) in graph.nodes.iter().enumerate() {
        let key = match *node {
            Node::Location(_) => ItemKey::Node(*node),
            _ => {
                let g = groups.of_node[i];
                if groups.own_cluster(g) {
                    ItemKey::Cluster(g)
                } else {
                    match groups.home[g as usize - 1] {
                        u32::MAX => ItemKey::Rest,
                        l => ItemKey::Singles(l),
                    }
                }
            }
        };
        assign.put(i as u32, key);
    }
    assign.finish(graph, true)
}

/// The groups `wanted`, with their locations, as far as `node_limit` goes; the rest as
/// one item.
fn drilled(
    graph: &LinkGraph,
    groups: &Groups,
    wanted: &[u32],
    spec: &ChartSpec,
    node_limit: usize,
    hub_limit: usize,
) -> Chart {
    let mut shown = Vec::new();
    let mut rest = Vec::new();
    for &g in wanted {
        let members = &groups.members[g as usize - 1];
        if shown.len() + members.len() <= node_limit {
            shown.extend_from_slice(members);
        } else if shown.is_empty() {
            // One group larger than the chart holds: what is nearest its busiest node.
            let (near, far) = nearest(graph, members, node_limit);
            shown.extend(near);
            rest.extend(far);
        } else {
            rest.extend_from_slice(members);
        }
    }
    with_locations(graph, shown, rest, spec, hub_limit)
}

/// `shown` with the locations they matched at, drawn whole, and `rest` as one item.
fn with_locations(
    graph: &LinkGraph,
    mut shown: Vec<u32>,
    rest: Vec<u32>,
    spec: &ChartSpec,
    hub_limit: usize,
) -> Chart {
    let shown_set: BTreeSet<u32> = shown.iter().copied().collect();
    for e in &graph.edges {
        if shown_set.contains(&e.from) && matches!(graph.nodes[e.to as usize], Node::Location(_)) {
            shown.push(e.to);
        }
    }
    shown.sort_unstable();
    shown.dedup();
    let mut chart = whole(graph, shown, spec, hub_limit);
    if !rest.is_empty() {
        let reports = rest
            .iter()
            .filter(|&&i| matches!(graph.nodes[i as usize], Node::Report(_)))
            .count() as u32;
        chart.items.push(Item {
            key: ItemKey::Rest,
            members: rest,
            reports,
        });
    }
    chart
}

/// At most `limit` of a group's nodes, breadth first from the one with the most lines
/// (so what is drawn hangs together), and the others.
fn nearest(graph: &LinkGraph, members: &[u32], limit: usize) -> (Vec<u32>, Vec<u32>) {
    let inside: BTreeSet<u32> = members.iter().copied().collect();
    let mut neighbours: HashMap<u32, Vec<u32>> = HashMap::new();
    for e in &graph.edges {
        if inside.contains(&e.from) && inside.contains(&e.to) {
            neighbours.entry(e.from).or_default().push(e.to);
            neighbours.entry(e.to).or_default().push(e.from);
        }
    }
    let degree = |i: &u32| neighbours.get(i).map_or(0, Vec::len);
    let start = *members
        .iter()
        .max_by_key(|&i| (degree(i), std::cmp::Reverse(*i)))
        .expect("a group has members");
    let mut seen = BTreeSet::from([start]);
    let mut near = vec![start];
    let mut at = 0;
    while at < near.len() && near.len() < limit {
        for &next in neighbours.get(&near[at]).map_or(&[][..], Vec::as_slice) {
            if near.len() < limit && seen.insert(next) {
                near.push(next);
            }
        }
        at += 1;
    }
    let far = members
        .iter()
        .copied()
        .filter(|i| !seen.contains(i))
        .collect();
    (near, far)
}

/// Nodes put into items, and the graph's edges added up between items.
struct Assign {
    item_of: Vec<u32>,
    items: Vec<Item>,
    index: HashMap<ItemKey, u32>,
}

impl Assign {
    fn new(graph: &LinkGraph) -> Assign {
        Assign {
            item_of: vec![u32::MAX; graph.nodes.len()],
            items: Vec::new(),
            index: HashMap::new(),
        }
    }

    fn put(&mut self, node: u32, key: ItemKey) {
        let next = self.items.len() as u32;
        let at = *self.index.entry(key).or_insert(next);
        if at == next {
            self.items.push(Item {
                key,
                members: Vec::new(),
                reports: 0,
            });
        }
        self.item_of[node as usize] = at;
        self.items[at as usize].members.push(node);
    }

    fn finish(mut self, graph: &LinkGraph, by_cluster: bool) -> Chart {
        for item in &mut self.items {
            item.reports = item
                .members
                .iter()
                .filter(|&&i| matches!(graph.nodes[i as usize], Node::Report(_)))
                .count() as u32;
        }
        let mut edges: BTreeMap<(u32, u32, Relation), ChartEdge> = BTreeMap::new();
        for e in &graph.edges {
            let (a, b) = (self.item_of[e.from as usize], self.item_of[e.to as usize]);
            if a == u32::MAX || b == u32::MAX || a == b {
                continue;
            }
            let (a, b) = (a.min(b), a.max(b));
            let line = edges.entry((a, b, e.relation)).or_insert(ChartEdge {
                a,
                b,
                relation: e.relation,
                events: 0,
                first: e.first,
                last: e.last,
                strength: None,
            });
            line.events += e.events;
            line.first = line.first.min(e.first);
            line.last = line.last.max(e.last);
            line.strength = line.strength.max(e.strength);
        }
        Chart {
            items: self.items,
            edges: edges.into_values().collect(),
            by_cluster,
            graph_nodes: 0,
        }
    }
}

/// The shortest chain of items from `from` to `to` over the chart's lines, both ends
/// included; `None` when they are not joined.
pub fn find_path(chart: &Chart, from: u32, to: u32) -> Option<Vec<u32>> {
    let mut graph =
        petgraph::graph::UnGraph::<(), ()>::with_capacity(chart.items.len(), chart.edges.len());
    for _ in &chart.items {
        graph.add_node(());
    }
    for e in &chart.edges {
        graph.add_edge(e.a.into(), e.b.into(), ());
    }
    let (_, path) = petgraph::algo::astar(
        &graph,
        from.into(),
        |n| n.index() == to as usize,
        |_| 1u32,
        |_| 0,
    )?;
    Some(path.into_iter().map(|n| n.index() as u32).collect())
}

/// An item in words: the node's label (masked when asked), or what a group holds.
pub fn item_label(
    item: &Item,
    dataset: &crate::model::Dataset,
    links: &super::links::Links,
    masking: super::mask::Masking,
) -> String {
    use crate::values::text::count as counted;
    match item.key {
        ItemKey::Node(node) => super::graph::masked_label(dataset, links, node, masking),
        ItemKey::Leaves(_) => {
            let others = item.members.len() as u64 - u64::from(item.reports);
            match (item.reports, others) {
                (_, 0) => counted(u64::from(item.reports), "report", "reports"),
                (0, _) => format!("{} shared", counted(others, "node", "nodes")),
                (r, o) => format!(
                    "{} and {}",
                    counted(u64::from(r), "report", "reports"),
                    counted(o, "node", "nodes")
                ),
            }
        }
        ItemKey::Cluster(n) => format!(
            "cluster {n}: {}",
            counted(u64::from(item.reports), "report", "reports")
        ),
        ItemKey::Singles(l) => format!(
            "{} on {} own at {}",
            counted(u64::from(item.reports), "report", "reports"),
            if item.reports == 1 { "its" } else { "their" },
            dataset.locations[l as usize].name
        ),
        ItemKey::Rest => format!(
            "{} more, not drawn",
            counted(u64::from(item.reports), "report", "reports")
        ),
    }
}
