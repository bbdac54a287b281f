//! The evidence set's pictures and page: `map.png`, and `summary.html` with its map,
//! timeline, activity pattern and the parameters in words.

use super::ExportOptions;
use super::geo::LocationRow;
use super::html;
use crate::analysis::filter::FilteredView;
use crate::case::AuditEntry;
use crate::model::Dataset;
use crate::values::time::Nanos;

/// The size of `map.png`, for printing and slides.
pub(super) const MAP_SIZE: (u32, u32) = (1600, 1000);
/// The map drawn into `summary.html`, at the page's own scale (its text column is about
/// 970 px wide), so that its labels read at the size they were drawn.
pub(super) const PAGE_MAP_SIZE: (u32, u32) = (960, 600);

pub(super) fn map_png(
    dataset: &Dataset,
    view: &FilteredView,
    (width, height): (u32, u32),
) -> Vec<u8> {
    let markers = crate::map::markers::markers(dataset, &view.summary.locations);
    let names: Vec<String> = dataset.locations.iter().map(|l| l.name.clone()).collect();
    let bbox = crate::map::markers::framing_bounds(&markers, &dataset.locations)
        .unwrap_or([92.0, 5.0, 110.0, 25.0]);
    let map_view = crate::map::image::view_of_bbox(bbox, width, height);
    let input = crate::map::image::SceneInput {
        markers: &markers,
        locations: &dataset.locations,
        names: &names,
        selected: &Default::default(),
        show_towns: true,
    };
    let image = crate::map::image::render(
        &map_view,
        &crate::map::basemap::render::Style::LIGHT,
        &input,
    );
    image.encode_png().unwrap_or_default()
}

fn parameters_in_words(options: &ExportOptions) -> Vec<(&'static str, String)> {
    let p = &options.parameters;
    let mut rows = vec![
        (
            "Time tolerance",
            if p.tolerance_seconds == 0 {
                "none (events must fall inside the observation period)".to_string()
            } else {
                format!(
                    "{} ({} seconds either side of an observation period)",
                    p.tolerance, p.tolerance_seconds
                )
            },
        ),
        ("Times without an offset read as", p.time_zone.clone()),
        (
            "Slash dates read as",
            p.date_order
                .clone()
                .unwrap_or_else(|| "not chosen (rejected)".into()),
        ),
        (
            "Identifiers",
            if options.mask {
                "masked"
            } else {
                "as imported"
            }
            .to_string(),
        ),
        (
            "Tool",
            format!("Compound Atlas {}", env!("CARGO_PKG_VERSION")),
        ),
    ];
    if let Some(analyst) = &options.analyst {
        rows.push(("Analyst", analyst.clone()));
    }
    if let Some(case) = &options.case_reference {
        rows.push(("Case reference", case.clone()));
    }
    rows
}

pub(super) fn summary_html(
    dataset: &Dataset,
    view: &FilteredView,
    options: &ExportOptions,
    locations: &[LocationRow],
    (map, links_svg): (&[u8], &str),
    audit: &[AuditEntry],
) -> Vec<u8> {
    let zone = crate::values::time::ImportZone::Utc;
    let days = view
        .matches
        .iter()
        .map(|m| dataset.events.time[m.event as usize])
        .fold(None, |acc: Option<(Nanos, Nanos)>, t| {
            Some(acc.map_or((t, t), |(a, b)| (a.min(t), b.max(t))))
        })
        .map_or(0, |(a, b)| {
            (b - a) / crate::values::time::NANOS_PER_SECOND / 86_400
        });
    let timeline = crate::analysis::timeline::timeline(
        dataset,
        &view.matches,
        crate::analysis::timeline::BinSize::auto(days),
        zone,
        None,
    );
    let activity = crate::analysis::timeline::activity(dataset, &view.matches, zone);
    // The locations with matches, most IP + time reports first.
    let mut shown: Vec<LocationRow> = locations
        .iter()
        .filter(|r| r.stats.reports() > 0)
        .map(|r| LocationRow {
            location: r.location,
            stats: r.stats,
        })
        .collect();
    shown.sort_by(|a, b| {
        (b.stats.reports_ip_time, b.stats.reports())
            .cmp(&(a.stats.reports_ip_time, a.stats.reports()))
            .then_with(|| a.location.id.cmp(&b.location.id))
    });
    let title = match &options.case_reference {
        Some(case) => format!("Evidence set — {case}"),
        None => "Evidence set".to_string(),
    };
    let parameters = parameters_in_words(options);
    html::page(&html::Page {
        title: &title,
        headline: view.summary.headline,
        filter: &options.filter.describe(),
        parameters: &parameters,
        map_png: map,
        links_svg,
        timeline: &timeline,
        activity: &activity,
        locations: &shown,
        audit,
        masked: options.mask,
    })
    .into_bytes()
}
