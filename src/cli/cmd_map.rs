//! `compound-atlas map (inputs of match) [filter] [--width W --height H] [--bbox … |
//! --centre LON,LAT --zoom Z] [--dark] [--no-towns] --out map.png`: match, then draw the
//! locations over the offline basemap into a PNG, headlessly.

use super::CliError;
use super::args::{FilterArgs, InputArgs, bbox_arg, centre_arg, load_and_match, zoom_arg};
use super::terminal::out;
use clap::Args;
use compound_atlas_core::analysis::filter;
use compound_atlas_core::map::basemap::render::{Style, View};
use compound_atlas_core::map::{image, markers};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct MapArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// The PNG file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[arg(long, default_value_t = 1600, value_parser = clap::value_parser!(u32).range(64..=8192))]
    pub width: u32,
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(64..=8192))]
    pub height: u32,
    /// The area to show: west,south,east,north in degrees. Default: all matched locations
    /// (or all locations when none matched).
    #[arg(long, value_name = "LON1,LAT1,LON2,LAT2", value_parser = bbox_arg, allow_hyphen_values = true)]
    pub bbox: Option<[f64; 4]>,
    /// Centre the map here instead (with --zoom): lon,lat in degrees.
    #[arg(long, value_name = "LON,LAT", value_parser = centre_arg, allow_hyphen_values = true,
          conflicts_with = "bbox", requires = "zoom")]
    pub centre: Option<(f64, f64)>,
    /// The zoom to draw at with --centre: 3 (continents) to 16 (streets).
    #[arg(long, value_name = "Z", requires = "centre", value_parser = zoom_arg)]
    pub zoom: Option<f64>,
    /// Draw the dark style.
    #[arg(long)]
    pub dark: bool,
    /// Leave out the town names.
    #[arg(long)]
    pub no_towns: bool,
}

pub fn run(args: &MapArgs) -> Result<(), CliError> {
    let (analysis, _, _) = load_and_match(&args.input)?;
    let filter = args.filter.filter();
    let view = filter::apply(&analysis.dataset, &analysis.matches, &filter);
    let markers = markers::markers(&analysis.dataset, &view.summary.locations);
    let names: Vec<String> = analysis
        .dataset
        .locations
        .iter()
        .map(|l| l.name.clone())
        .collect();
    let map_view = match (args.centre, args.zoom) {
        (Some((lon, lat)), Some(zoom)) => View::centred(lon, lat, zoom, args.width, args.height),
        _ => {
            let bbox = args
                .bbox
                .or_else(|| markers::framing_bounds(&markers, &analysis.dataset.locations))
                .ok_or("no location has coordinates, and no --bbox was given")?;
            image::view_of_bbox(bbox, args.width, args.height)
        }
    };
    let style = Style::for_theme(args.dark);
    let input = image::SceneInput {
        markers: &markers,
        locations: &analysis.dataset.locations,
        names: &names,
        selected: &Default::default(),
        show_towns: !args.no_towns,
    };
    let image = image::render(&map_view, &style, &input);
    let inputs = analysis.dataset.files.iter().map(|f| f.path.as_path());
    compound_atlas_core::values::atomic::refuse_to_replace(&args.out, inputs)
        .map_err(|e| format!("{}: {e}", args.out.display()))?;
    image::save_png(&image, &args.out)
        .map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    out!(
        "Wrote {} ({}×{} px, zoom {:.1}): {} locations drawn, {} with reports. {}",
        args.out.display(),
        args.width,
        args.height,
        map_view.zoom,
        markers.len(),
        markers.iter().filter(|m| m.reports() > 0).count(),
        filter.describe()
    );
    Ok(())
}
