//! The link files: `links.csv` (one row per edge of the link graph), `clusters.csv`
//! (one row per cluster) and `links.graphml` (the graph for Gephi, yEd and i2).

use crate::analysis::clusters::Cluster;
use crate::analysis::graph::{LinkGraph, Node, masked_label};
use crate::analysis::links::Links;
use crate::analysis::mask::Masking;
use crate::model::Dataset;
use crate::values::safe_csv::SafeCsv;
use crate::values::text::xml_safe;
use crate::values::time::format_time;
use quick_xml::escape::escape;
use std::fmt::Write as _;
use std::io::{self, Write};

pub const LINKS_HEADER: [&str; 9] = [
    "from_kind",
    "from",
    "to_kind",
    "to",
    "relation",
    "events",
    "first_time",
    "last_time",
    "strength",
];

pub const CLUSTERS_HEADER: [&str; 10] = [
    "cluster",
    "reports",
    "ip_time_reports",
    "ip_only_reports",
    "lead_reports",
    "shared",
    "location_ids",
    "first_time",
    "last_time",
    "report_ids",
];

/// A node as the files name it; masked, reports and addresses are masked.
pub fn node_name(dataset: &Dataset, links: &Links, node: Node, mask: bool) -> String {
    match node {
        Node::Location(l) => dataset.locations[l as usize].id.clone(),
        Node::Collection(_) if mask => "collection (masked)".to_string(),
        _ => masked_label(dataset, links, node, Masking(mask)),
    }
}

/// Write `links.csv`.
pub fn write_links<W: Write>(
    csv: &mut SafeCsv<W>,
    dataset: &Dataset,
    links: &Links,
    graph: &LinkGraph,
    mask: bool,
) -> io::Result<()> {
    csv.row(LINKS_HEADER)?;
    for edge in &graph.edges {
        let (from, to) = (
            graph.nodes[edge.from as usize],
            graph.nodes[edge.to as usize],
        );
        csv.row([
            from.kind(),
            &node_name(dataset, links, from, mask),
            to.kind(),
            &node_name(dataset, links, to, mask),
            edge.relation.as_str(),
            &edge.events.to_string(),
            &format_time(edge.first),
            &format_time(edge.last),
            edge.strength.map_or("", |s| s.as_str()),
        ])?;
    }
    Ok(())
}

/// Write `clusters.csv`.
pub fn write_clusters<W: Write>(
    csv: &mut SafeCsv<W>,
    dataset: &Dataset,
    clusters: &[Cluster],
    mask: bool,
) -> io::Result<()> {
    csv.row(CLUSTERS_HEADER)?;
    let masking = Masking(mask);
    for c in clusters {
        let locations: Vec<&str> = c
            .locations
            .iter()
            .map(|&l| dataset.locations[l as usize].id.as_str())
            .collect();
        let reports: Vec<String> = c
            .reports
            .iter()
            .map(|&r| masking.report_id(dataset.reports.id(r)))
            .collect();
        let record = [
            c.number.to_string(),
            c.reports.len().to_string(),
            c.ip_time_reports.to_string(),
            c.ip_only_reports.to_string(),
            c.lead_reports.to_string(),
            c.shared.to_string(),
            locations.join(" "),
            format_time(c.first),
            format_time(c.last),
            reports.join(" "),
        ];
        csv.row(record.iter().map(String::as_str))?;
    }
    Ok(())
}

/// `links.graphml`: GraphML 1.0 with a kind and label per node and the relation, events,
/// times and strength per edge, as attributes the importers of Gephi, yEd and i2 read.
pub fn graphml(dataset: &Dataset, links: &Links, graph: &LinkGraph, mask: bool) -> String {
    let mut out = String::from(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" ",
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ",
        "xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns ",
        "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
        "  <key id=\"kind\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n",
        "  <key id=\"label\" for=\"node\" attr.name=\"label\" attr.type=\"string\"/>\n",
        "  <key id=\"relation\" for=\"edge\" attr.name=\"relation\" attr.type=\"string\"/>\n",
        "  <key id=\"events\" for=\"edge\" attr.name=\"events\" attr.type=\"int\"/>\n",
        "  <key id=\"first_time\" for=\"edge\" attr.name=\"first_time\" attr.type=\"string\"/>\n",
        "  <key id=\"last_time\" for=\"edge\" attr.name=\"last_time\" attr.type=\"string\"/>\n",
        "  <key id=\"strength\" for=\"edge\" attr.name=\"strength\" attr.type=\"string\"/>\n",
        "  <graph id=\"links\" edgedefault=\"undirected\">\n",
    ));
    for (i, &node) in graph.nodes.iter().enumerate() {
        let name = node_name(dataset, links, node, mask);
        let _ = writeln!(
            out,
            "    <node id=\"n{i}\"><data key=\"kind\">{}</data><data key=\"label\">{}</data></node>",
            node.kind(),
            escape(xml_safe(&name).as_ref())
        );
    }
    for (i, edge) in graph.edges.iter().enumerate() {
        let _ = write!(
            out,
            "    <edge id=\"e{i}\" source=\"n{}\" target=\"n{}\"><data key=\"relation\">{}</data>\
             <data key=\"events\">{}</data><data key=\"first_time\">{}</data>\
             <data key=\"last_time\">{}</data>",
            edge.from,
            edge.to,
            edge.relation.as_str(),
            edge.events,
            format_time(edge.first),
            format_time(edge.last),
        );
        if let Some(strength) = edge.strength {
            let _ = write!(out, "<data key=\"strength\">{}</data>", strength.as_str());
        }
        out.push_str("</edge>\n");
    }
    out.push_str("  </graph>\n</graphml>\n");
    out
}
