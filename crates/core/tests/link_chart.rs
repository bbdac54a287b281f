//! The link chart on the sample data: every node of the graph is drawn exactly once,
//! lines add up the graph's edges, the overview and drilling in keep every node, hubs
//! fold and open, expanding adds what the definition says, and `find_path` agrees with
//! a breadth-first search written out plainly.

use compound_atlas_core::analysis::graph::{LinkGraph, Node, graph, graph_expanded};
use compound_atlas_core::analysis::link_chart::{
    Chart, ChartSpec, Drill, ItemKey, chart, chart_with_limits, find_path,
};
use compound_atlas_core::analysis::links::{LinkParams, Links, find_links};
use compound_atlas_core::matching::{MatchSet, match_events};
use compound_atlas_core::model::Dataset;
use compound_atlas_core::values::progress::Progress;
use std::collections::{BTreeSet, VecDeque};

fn sample() -> (Dataset, MatchSet, Links) {
    let dataset = compound_atlas_core::pipeline::load(
        &compound_atlas_core::embedded::sample_inputs(),
        Default::default(),
        &Progress::default(),
    )
    .unwrap();
    let matches = match_events(&dataset, Default::default(), &Progress::default()).unwrap();
    let links = find_links(&dataset, &matches, &LinkParams::default());
    (dataset, matches, links)
}

/// Every graph node is in exactly one item, and the lines' events add up to those of
/// the graph's edges between different items.
fn assert_partition(graph: &LinkGraph, chart: &Chart) {
    let mut seen = vec![0u32; graph.nodes.len()];
    let mut item_of = vec![u32::MAX; graph.nodes.len()];
    for (i, item) in chart.items.iter().enumerate() {
        assert!(!item.members.is_empty(), "{:?} is empty", item.key);
        for &m in &item.members {
            seen[m as usize] += 1;
            item_of[m as usize] = i as u32;
        }
    }
    assert!(
        seen.iter().all(|&n| n == 1),
        "a node drawn twice or not at all"
    );
    let between: u32 = graph
        .edges
        .iter()
        .filter(|e| item_of[e.from as usize] != item_of[e.to as usize])
        .map(|e| e.events)
        .sum();
    assert_eq!(chart.edges.iter().map(|e| e.events).sum::<u32>(), between);
}

/// How many of the graph's nodes but locations the chart draws (not counting the rest).
fn drawn_but_locations(graph: &LinkGraph, chart: &Chart) -> usize {
    chart
        .items
        .iter()
        .filter(|i| i.key != ItemKey::Rest)
        .flat_map(|i| i.members.iter())
        .filter(|&&m| !matches!(graph.nodes[m as usize], Node::Location(_)))
        .count()
}

/// The length of the shortest chain of items, by breadth-first search.
fn bfs(chart: &Chart, from: u32, to: u32) -> Option<usize> {
    let mut distance = vec![usize::MAX; chart.items.len()];
    distance[from as usize] = 0;
    let mut queue = VecDeque::from([from]);
    while let Some(at) = queue.pop_front() {
        for e in &chart.edges {
            let next = if e.a == at {
                e.b
            } else if e.b == at {
                e.a
            } else {
                continue;
            };
            if distance[next as usize] == usize::MAX {
                distance[next as usize] = distance[at as usize] + 1;
                queue.push_back(next);
            }
        }
    }
    (distance[to as usize] != usize::MAX).then(|| distance[to as usize] + 1)
}

#[test]
fn the_whole_sample_graph_is_drawn_with_each_node_once() {
    let (dataset, matches, links) = sample();
    let graph = graph(&dataset, &matches.matches, &links);
    let whole = chart(&graph, &ChartSpec::default());
    assert!(!whole.by_cluster);
    assert_eq!(whole.graph_nodes, graph.nodes.len());
    assert_partition(&graph, &whole);
    // Nothing folded at the usual limit on this sample: one item per node.
    let folded = whole
        .items
        .iter()
        .filter(|i| matches!(i.key, ItemKey::Leaves(_)))
        .count();
    assert_eq!(whole.items.len() + folded, graph.nodes.len() + folded);
}

#[test]
fn a_large_graph_is_drawn_by_cluster_and_drilling_in_draws_each_members_node() {
    let (dataset, matches, links) = sample();
    let graph = graph(&dataset, &matches.matches, &links);
    let spec = ChartSpec::default();
    let overview = chart_with_limits(&graph, &spec, 100, 30);
    assert!(overview.by_cluster);
    assert!(overview.items.len() < graph.nodes.len() / 2);
    assert_partition(&graph, &overview);
    let first = overview
        .items
        .iter()
        .find(|i| i.key == ItemKey::Cluster(1))
        .expect("the largest cluster is drawn");
    assert!(first.reports >= 2);
    let drill = ChartSpec {
        drill: Some(Drill::Item(ItemKey::Cluster(1))),
        ..Default::default()
    };
    let drilled = chart_with_limits(&graph, &drill, 100, 1_000);
    let drawn: BTreeSet<u32> = drilled
        .items
        .iter()
        .flat_map(|i| i.members.clone())
        .collect();
    let members: BTreeSet<u32> = first.members.iter().copied().collect();
    assert!(members.is_subset(&drawn));
    // Only its locations come with it.
    for extra in drawn.difference(&members) {
        assert!(matches!(graph.nodes[*extra as usize], Node::Location(_)));
    }
    // Every location's lone reports, drilled into, are drawn up to the limit and the
    // rest counted, never lost.
    for item in overview
        .items
        .iter()
        .filter(|i| matches!(i.key, ItemKey::Singles(_)))
    {
        let spec = ChartSpec {
            drill: Some(Drill::Item(item.key)),
            ..Default::default()
        };
        let drilled = chart_with_limits(&graph, &spec, 100, 1_000);
        let drawn: usize = drilled
            .items
            .iter()
            .flat_map(|i| i.members.iter())
            .filter(|&&m| !matches!(graph.nodes[m as usize], Node::Location(_)))
            .count();
        assert_eq!(drawn, item.members.len(), "{:?}", item.key);
    }
}

#[test]
fn a_hubs_leaves_fold_until_it_is_opened() {
    let (dataset, matches, links) = sample();
    let graph = graph(&dataset, &matches.matches, &links);
    let folded = chart_with_limits(&graph, &ChartSpec::default(), 100_000, 3);
    assert_partition(&graph, &folded);
    let hub = folded
        .items
        .iter()
        .find_map(|i| match i.key {
            ItemKey::Leaves(hub) => Some(hub),
            _ => None,
        })
        .expect("some node of the sample has more than three leaves");
    let spec = ChartSpec {
        opened: [hub].into_iter().collect(),
        ..Default::default()
    };
    let opened = chart_with_limits(&graph, &spec, 100_000, 3);
    assert_partition(&graph, &opened);
    assert!(opened.position_of(ItemKey::Leaves(hub)).is_none());
    assert!(opened.items.len() > folded.items.len());
}

#[test]
fn expanding_a_report_adds_every_address_it_used() {
    let (dataset, matches, links) = sample();
    let base = graph(&dataset, &matches.matches, &links);
    let lead = base
        .nodes
        .iter()
        .find_map(|n| match n {
            Node::Report(r) if !links.strength_of.contains_key(r) => Some(*r),
            _ => None,
        })
        .expect("a second-degree lead in the sample graph");
    let expanded = graph_expanded(&dataset, &matches.matches, &links, &[Node::Report(lead)]);
    let at = expanded.index_of(Node::Report(lead)).unwrap();
    let used: BTreeSet<Node> = expanded
        .edges
        .iter()
        .filter(|e| e.from == at)
        .map(|e| expanded.nodes[e.to as usize])
        .collect();
    let addresses: BTreeSet<u128> = dataset
        .events_of(lead)
        .iter()
        .map(|&e| {
            compound_atlas_core::analysis::links::address_key(dataset.events.addr[e as usize], true)
        })
        .collect();
    let drawn: BTreeSet<u128> = used
        .iter()
        .filter_map(|n| match n {
            Node::Address(a) => Some(*a),
            Node::Collection(compound_atlas_core::analysis::links::Via::Address(a)) => Some(*a),
            _ => None,
        })
        .collect();
    assert_eq!(drawn, addresses);
    // Expanding one of those addresses joins every report that used it.
    let address = *addresses.iter().next().unwrap();
    let again = graph_expanded(
        &dataset,
        &matches.matches,
        &links,
        &[Node::Report(lead), Node::Address(address)],
    );
    let users: BTreeSet<u32> = (0..dataset.events.len())
        .filter(|&e| {
            compound_atlas_core::analysis::links::address_key(dataset.events.addr[e], true)
                == address
        })
        .map(|e| dataset.events.report[e])
        .collect();
    if !links.is_crowded(compound_atlas_core::analysis::links::Via::Address(address)) {
        let at = again.index_of(Node::Address(address)).unwrap();
        let joined: BTreeSet<u32> = again
            .edges
            .iter()
            .filter(|e| e.to == at)
            .filter_map(|e| match again.nodes[e.from as usize] {
                Node::Report(r) => Some(r),
                _ => None,
            })
            .collect();
        assert_eq!(joined, users);
    }
}

#[test]
fn find_path_is_a_shortest_chain_of_joined_items() {
    let (dataset, matches, links) = sample();
    let graph = graph(&dataset, &matches.matches, &links);
    let chart = chart(&graph, &ChartSpec::default());
    let n = chart.items.len() as u32;
    for k in 0..200u32 {
        let (from, to) = ((k * 7919) % n, (k * 104_729 + 13) % n);
        let path = find_path(&chart, from, to);
        assert_eq!(
            path.as_ref().map(Vec::len),
            bfs(&chart, from, to),
            "{from} → {to}"
        );
        if let Some(path) = path {
            assert_eq!((path[0], *path.last().unwrap()), (from, to));
            for pair in path.windows(2) {
                assert!(chart.neighbours(pair[0]).any(|x| x == pair[1]));
            }
        }
    }
}

#[test]
fn a_cluster_drilled_into_draws_exactly_its_reports() {
    let (dataset, matches, links) = sample();
    let graph = graph(&dataset, &matches.matches, &links);
    let largest = compound_atlas_core::analysis::clusters::clusters(&dataset, &links)
        .into_iter()
        .next()
        .expect("a cluster");
    let spec = ChartSpec {
        drill: Some(Drill::Reports(largest.reports.clone())),
        ..Default::default()
    };
    let drilled = chart(&graph, &spec);
    let mut drawn: Vec<u32> = drilled
        .items
        .iter()
        .filter_map(|i| match i.key {
            ItemKey::Node(Node::Report(r)) => Some(r),
            _ => None,
        })
        .collect();
    drawn.sort_unstable();
    let mut want = largest.reports.clone();
    want.sort_unstable();
    assert_eq!(drawn, want);
    // With less room than the cluster needs, part of it is drawn and the rest counted.
    let small = chart_with_limits(&graph, &spec, 8, 30);
    let drawn_nodes = drawn_but_locations(&graph, &small);
    assert_eq!(drawn_nodes, 8);
    let rest = &small.items[small.position_of(ItemKey::Rest).expect("the rest")];
    assert!(rest.reports > 0);
}

#[test]
fn the_picture_is_well_formed_labels_do_not_collide_and_masking_hides_identifiers() {
    use compound_atlas_core::analysis::mask::Masking;
    use compound_atlas_core::map::image::measure;
    use compound_atlas_core::map::link_picture::{LABEL_SIZE, png, svg, whole_scene};
    let (dataset, matches, links) = sample();
    let graph = graph(&dataset, &matches.matches, &links);
    for mask in [false, true] {
        let scene = whole_scene(
            &dataset,
            &links,
            &graph,
            (1200.0, 900.0),
            Masking(mask),
            mask,
        );
        assert_eq!(scene.nodes.len(), graph.nodes.len());
        assert!(!scene.labels.is_empty());
        let boxes: Vec<[f32; 4]> = scene
            .labels
            .iter()
            .map(|l| {
                let (w, h) = measure(&l.text, LABEL_SIZE);
                [l.at.0, l.at.1, l.at.0 + w, l.at.1 + h]
            })
            .collect();
        for (i, a) in boxes.iter().enumerate() {
            assert!(a[0] >= 0.0 && a[1] >= 0.0 && a[2] <= 1200.0 && a[3] <= 900.0);
            for b in &boxes[i + 1..] {
                let apart = a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1];
                assert!(apart, "{a:?} and {b:?} overlap");
            }
        }
        let drawing = svg(&scene);
        let mut reader = quick_xml::Reader::from_str(&drawing);
        let mut elements = 0;
        loop {
            match reader.read_event().expect("well-formed SVG") {
                quick_xml::events::Event::Eof => break,
                quick_xml::events::Event::Start(_) | quick_xml::events::Event::Empty(_) => {
                    elements += 1
                }
                _ => {}
            }
        }
        assert!(elements > scene.nodes.len() + scene.lines.len());
        let ids: Vec<&str> = graph
            .nodes
            .iter()
            .filter_map(|n| match n {
                Node::Report(r) => Some(dataset.reports.id(*r)),
                _ => None,
            })
            .collect();
        let shown = ids.iter().filter(|id| drawing.contains(**id)).count();
        if mask {
            assert_eq!(shown, 0, "a report id in a masked picture");
        } else {
            assert!(shown > 0, "no report labelled");
        }
        let picture = png(&scene);
        assert_eq!((picture.width(), picture.height()), (1200, 900));
    }
}

#[test]
fn a_group_larger_than_the_chart_is_drawn_in_part_and_the_rest_counted() {
    let (dataset, matches, links) = sample();
    let graph = graph(&dataset, &matches.matches, &links);
    let limit = 40;
    let overview = chart_with_limits(&graph, &ChartSpec::default(), limit, 30);
    let biggest = overview
        .items
        .iter()
        .filter(|i| matches!(i.key, ItemKey::Cluster(_)))
        .max_by_key(|i| i.members.len())
        .unwrap();
    assert!(
        biggest.members.len() > limit,
        "the sample's largest group fits in {limit}"
    );
    let spec = ChartSpec {
        drill: Some(Drill::Item(biggest.key)),
        ..Default::default()
    };
    let drilled = chart_with_limits(&graph, &spec, limit, 1_000);
    let drawn = drawn_but_locations(&graph, &drilled);
    let rest = drilled
        .position_of(ItemKey::Rest)
        .map_or(0, |i| drilled.items[i].members.len());
    assert_eq!(drawn, limit);
    assert_eq!(drawn + rest, biggest.members.len());
    // What is drawn hangs together in one piece.
    let first = drilled
        .items
        .iter()
        .position(|i| !matches!(i.key, ItemKey::Rest | ItemKey::Node(Node::Location(_))))
        .unwrap() as u32;
    for (i, item) in drilled.items.iter().enumerate() {
        if matches!(item.key, ItemKey::Rest | ItemKey::Node(Node::Location(_))) {
            continue;
        }
        assert!(
            bfs(&drilled, first, i as u32).is_some(),
            "{:?} is cut off",
            item.key
        );
    }
}
