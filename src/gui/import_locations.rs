//! The import preview's account of a location list in a format other than CSV: how many
//! locations, observations and outlines it yields, and its first rows as they will be read.

use super::import_preview::Cells;
use compound_atlas_core::ingest::locations::sample::LocationsSample;
use compound_atlas_core::values::text::count;
use egui::Ui;

/// Locations, observations, outlines and the fields kept.
pub fn found(ui: &mut Ui, sample: &LocationsSample) {
    ui.label(format!(
        "The whole list holds {} and {}.",
        count(sample.locations as u64, "location", "locations"),
        count(sample.observations as u64, "observation", "observations"),
    ));
    let outlines = match sample.outlines {
        0 => "No location has an outline.".to_string(),
        n => format!(
            "{} drawn with an outline (marker at its centre).",
            count(n as u64, "location is", "locations are")
        ),
    };
    ui.label(outlines);
    if sample.unplaced > 0 {
        ui.label(format!(
            "{} no coordinates: matched, but not on the map.",
            count(sample.unplaced as u64, "location has", "locations have")
        ));
    }
    super::import_sample::kept_fields(ui, &sample.kept);
}

/// The list's first rows, one each, in the preview's grid.
pub fn first_rows(sample: &LocationsSample) -> Vec<(u64, Cells)> {
    sample
        .first
        .iter()
        .map(|row| {
            let outline = match row.outline_points {
                0 => String::new(),
                n => count(n as u64, "point", "points"),
            };
            let cells = [
                ("location_id", row.location_id.clone()),
                ("name", row.name.clone()),
                ("country", row.country.clone()),
                ("lat, lon", row.coordinates.clone()),
                ("outline", outline),
                ("ip", row.ip.clone()),
                ("first_seen (UTC)", row.first_seen.clone()),
                ("last_seen (UTC)", row.last_seen.clone()),
                ("ports", row.ports.clone()),
                ("shared", if row.shared { "yes" } else { "" }.to_string()),
            ];
            let cells = cells
                .into_iter()
                .map(|(name, value)| (name.to_string(), Ok(value)));
            (u64::from(row.line), cells.collect())
        })
        .collect()
}
