//! `compound-atlas links (inputs of match) [filter] [--link-window DAYS]
//! [--max-sharers N] [--no-fold-ipv6] [--account-column NAME] --out DIR`: match, tie
//! reports through the addresses and accounts they share, and write `links.csv`,
//! `clusters.csv` and `links.graphml` of the matches under the filter.

use super::CliError;
use super::args::{FilterArgs, InputArgs, LinkArgs, load_and_match};
use super::terminal::out;
use clap::Args;
use compound_atlas_core::analysis::filter;
use compound_atlas_core::analysis::{clusters, graph, links};
use compound_atlas_core::pipeline::write_link_files;
use compound_atlas_core::values::text::{count, thousands};
use std::collections::BTreeSet;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct LinksArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub links: LinkArgs,
    /// Folder for links.csv, clusters.csv and links.graphml.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(args: &LinksArgs) -> Result<(), CliError> {
    let (analysis, _, _) = load_and_match(&args.input)?;
    let dataset = &analysis.dataset;
    let view = filter::apply(dataset, &analysis.matches, &args.filter.filter());
    let links = links::find_links(dataset, &analysis.matches, &args.links.params());
    let graph = graph::graph(dataset, &view.matches, &links);
    let shown: BTreeSet<u32> = view
        .matches
        .iter()
        .map(|m| dataset.events.report[m.event as usize])
        .collect();
    let clusters: Vec<_> = clusters::clusters(dataset, &links)
        .into_iter()
        .filter(|c| c.reports.iter().any(|r| shown.contains(r)))
        .collect();
    write_link_files(&args.out, dataset, &links, &graph, &clusters)?;
    let leads = links
        .second_degree()
        .filter(|(_, ties)| ties.iter().any(|t| shown.contains(&t.anchor)))
        .count() as u64;
    out!(
        "Link graph of {} under the filter: {} and {}.",
        count(shown.len() as u64, "matched report", "matched reports"),
        count(graph.nodes.len() as u64, "node", "nodes"),
        count(graph.edges.len() as u64, "edge", "edges"),
    );
    out!(
        "Second-degree leads (no match, a shared address or account): {}.",
        thousands(leads)
    );
    out!(
        "Clusters: {}, the largest of {}; {} crowded (more than {} reports).",
        thousands(clusters.len() as u64),
        count(
            clusters.first().map_or(0, |c| c.reports.len() as u64),
            "report",
            "reports"
        ),
        count(
            links.crowded_count() as u64,
            "address or account",
            "addresses and accounts"
        ),
        links.params.max_sharers,
    );
    out!(
        "Wrote links.csv, clusters.csv and links.graphml to {}.",
        args.out.display()
    );
    Ok(())
}
