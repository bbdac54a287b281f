//! The tile rasteriser against small golden PNGs in `tests/golden/`, with a tolerance
//! for anti-aliasing differences. After an intended change of style or data, look at the
//! new tiles and rewrite them with `UPDATE_GOLDEN=1 cargo test --test basemap_golden`.

use compound_atlas_core::map::basemap::projection::tile_of;
use compound_atlas_core::map::basemap::render::{Basemap, Style};
use std::path::PathBuf;
use tiny_skia::Pixmap;

/// A pixel counts as different when a channel is off by more than this.
const CHANNEL_TOLERANCE: u8 = 24;
/// At most this share of pixels may differ.
const DIFFERENT_SHARE: f64 = 0.01;

fn check(name: &str, rendered: &Pixmap) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        rendered.save_png(&path).unwrap();
        return;
    }
    let golden = Pixmap::load_png(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    assert_eq!(
        (golden.width(), golden.height()),
        (rendered.width(), rendered.height())
    );
    let different = golden
        .pixels()
        .iter()
        .zip(rendered.pixels())
        .filter(|(a, b)| {
            a.red().abs_diff(b.red()) > CHANNEL_TOLERANCE
                || a.green().abs_diff(b.green()) > CHANNEL_TOLERANCE
                || a.blue().abs_diff(b.blue()) > CHANNEL_TOLERANCE
        })
        .count();
    let share = different as f64 / golden.pixels().len() as f64;
    if share > DIFFERENT_SHARE {
        let failed = std::env::temp_dir().join(format!("rendered-{name}"));
        rendered.save_png(&failed).unwrap();
        panic!(
            "{name}: {:.2}% of pixels differ from the golden image (rendered: {})",
            share * 100.0,
            failed.display()
        );
    }
}

fn tile(lon: f64, lat: f64, zoom: u8, style: &Style) -> Pixmap {
    let (x, y) = tile_of(lon, lat, zoom);
    Basemap::bundled().render_tile(zoom, x, y, style)
}

#[test]
fn mainland_southeast_asia_at_zoom_5() {
    check("z5_mekong.png", &tile(101.0, 15.0, 5, &Style::LIGHT));
}

#[test]
fn the_moei_border_at_zoom_12_in_both_styles() {
    check(
        "z12_myawaddy_light.png",
        &tile(98.575, 16.62, 12, &Style::LIGHT),
    );
    check(
        "z12_myawaddy_dark.png",
        &tile(98.575, 16.62, 12, &Style::DARK),
    );
}

#[test]
fn sihanoukville_coast_at_zoom_9() {
    check(
        "z9_sihanoukville.png",
        &tile(103.53, 10.63, 9, &Style::LIGHT),
    );
}

#[test]
fn a_changed_tile_is_caught() {
    // The check must fail on a different tile: Sihanoukville is not the Moei.
    let wrong = tile(103.53, 10.63, 12, &Style::LIGHT);
    let caught = std::panic::catch_unwind(|| check("z12_myawaddy_light.png", &wrong));
    assert!(caught.is_err());
}
