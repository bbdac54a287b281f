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
    /// Also draw the link chart, laid out, as links.svg and links.png (1600 × 1200).
    #[arg(long)]
    pub picture: bool,
    /// With --picture: mask report ids, addresses and accounts in the drawing.
    #[arg(long, requires = "picture")]
    pub mask: bool,
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
    if args.picture {
        draw(args, dataset, &links, &graph)?;
    }
    out!(
        "Wrote links.csv, clusters.csv and links.graphml to {}.",
        args.out.display()
    );
    Ok(())
}

/// links.svg and links.png: the whole chart, laid out until it settles.
fn draw(
    args: &LinksArgs,
    dataset: &compound_atlas_core::model::Dataset,
    links: &links::Links,
    graph: &graph::LinkGraph,
) -> Result<(), CliError> {
    use compound_atlas_core::map::{image::save_png, link_picture};
    let started = std::time::Instant::now();
    let masking = compound_atlas_core::analysis::mask::Masking(args.mask);
    let scene = link_picture::whole_scene(dataset, links, graph, (1600.0, 1200.0), masking, false);
    let laid_out = started.elapsed();
    let svg = link_picture::svg(&scene);
    let svg_path = args.out.join("links.svg");
    compound_atlas_core::values::atomic::write_atomically(&svg_path, |out| {
        std::io::Write::write_all(out, svg.as_bytes())
    })
    .map_err(|e| format!("{}: {e}", svg_path.display()))?;
    let png_path = args.out.join("links.png");
    save_png(&link_picture::png(&scene), &png_path)
        .map_err(|e| format!("{}: {e}", png_path.display()))?;
    out!(
        "Drew {} in {:.2} s (layout and labels): links.svg, links.png.",
        count(scene.nodes.len() as u64, "item", "items"),
        laid_out.as_secs_f64()
    );
    Ok(())
}
