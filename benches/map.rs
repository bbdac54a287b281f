//! The map's speed: rasterising basemap tiles (target ≤ 30 ms per 256 px tile at zoom 12
//! in the densest area) and a frame of the map tab with 2,000 markers (target ≤ 4 ms of
//! UI-thread time). Run with `cargo bench --bench map`; the rows go into
//! docs/benchmarks.md.

use compound_atlas::gui::workspace::{Params, Workspace};
use compound_atlas::gui::{CentralTab, WorkbenchApp};
use compound_atlas_core::ingest::Input;
use compound_atlas_core::map::basemap::projection::tile_of;
use compound_atlas_core::map::basemap::render::{Basemap, Style};
use compound_atlas_core::pipeline::Inputs;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn summary(mut samples: Vec<Duration>) -> String {
    samples.sort();
    format!(
        "{:.2} ms median, {:.2} ms worst of {}",
        millis(samples[samples.len() / 2]),
        millis(*samples.last().unwrap()),
        samples.len()
    )
}

fn tiles() {
    let map = Basemap::bundled();
    let started = Instant::now();
    // Warm: the bundled layers are parsed and projected once per process.
    let _ = map.render_tile(5, 24, 14, &Style::LIGHT);
    println!(
        "| prepare the bundled basemap (parse and project, once) | {:.0} ms |",
        millis(started.elapsed())
    );
    // Every z12 tile of a grid over the detailed region, to find the densest.
    let mut all = Vec::new();
    let (x0, y0) = tile_of(90.0, 30.0, 12);
    let (x1, y1) = tile_of(112.0, 0.0, 12);
    for x in (x0..=x1).step_by(7) {
        for y in (y0..=y1).step_by(7) {
            let t = Instant::now();
            std::hint::black_box(map.render_tile(12, x, y, &Style::LIGHT));
            all.push((t.elapsed(), x, y));
        }
    }
    all.sort();
    let (worst, wx, wy) = *all.last().unwrap();
    let times: Vec<Duration> = all.iter().map(|a| a.0).collect();
    println!(
        "| z12 tiles across 90–112°E, 0–30°N (every 7th) | {} |",
        summary(times)
    );
    let n = f64::from(1u32 << 12);
    let (lon, lat) = compound_atlas_core::map::basemap::projection::from_world(
        (f64::from(wx) + 0.5) / n,
        (f64::from(wy) + 0.5) / n,
    );
    println!(
        "| the slowest of those, at {lon:.2}°E {lat:.2}°N | {:.2} ms |",
        millis(worst)
    );
    for (name, lon, lat) in [
        ("Thai–Myanmar border (Myawaddy)", 98.53, 16.69),
        ("Sihanoukville", 103.53, 10.63),
        ("Bangkok", 100.5, 13.75),
    ] {
        let (cx, cy) = tile_of(lon, lat, 12);
        let mut times = Vec::new();
        for style in [Style::LIGHT, Style::DARK] {
            for x in cx - 2..=cx + 2 {
                for y in cy - 2..=cy + 2 {
                    let t = Instant::now();
                    std::hint::black_box(map.render_tile(12, x, y, &style));
                    times.push(t.elapsed());
                }
            }
        }
        println!(
            "| z12 tiles around {name}, 5×5, light and dark | {} |",
            summary(times)
        );
    }
    for zoom in [3u8, 5, 7, 9] {
        let (cx, cy) = tile_of(101.0, 15.0, zoom);
        let mut times = Vec::new();
        for x in cx.saturating_sub(1)..=cx + 1 {
            for y in cy.saturating_sub(1)..=cy + 1 {
                let t = Instant::now();
                std::hint::black_box(map.render_tile(zoom, x, y, &Style::LIGHT));
                times.push(t.elapsed());
            }
        }
        println!(
            "| z{zoom} tiles over mainland Southeast Asia, 3×3 | {} |",
            summary(times)
        );
    }
}

/// A location list of `n` synthetic locations spread over the region (reserved addresses).
fn many_locations(n: u32) -> String {
    let mut csv = String::from("location_id,name,country,lat,lon,ip,first_seen,last_seen\n");
    for i in 0..n {
        // A deterministic scatter over 92–110°E, 2–28°N.
        let lon = 92.0 + f64::from((i * 7919) % 1800) / 100.0;
        let lat = 2.0 + f64::from((i * 104_729) % 2600) / 100.0;
        let ip = format!("198.18.{}.{}", i / 250, i % 250 + 1);
        writeln!(csv, "bench-{i},Bench site {i},MM,{lat:.4},{lon:.4},{ip},2022-01-01T00:00:00Z,2024-12-31T00:00:00Z").unwrap();
    }
    csv
}

fn frames() {
    let root = env!("CARGO_MANIFEST_DIR");
    let locations: &'static [u8] = many_locations(2000).into_bytes().leak();
    let inputs = Inputs {
        ip_databases: Vec::new(),
        reports: vec![Input::File(format!("{root}/sample_data/reports.csv").into()).into()],
        locations: vec![
            Input::Embedded {
                name: "bench-locations.csv",
                bytes: locations,
            }
            .into(),
        ],
    };
    let workspace = Workspace::load_blocking(inputs, Params::default()).unwrap();
    let with_coordinates = workspace
        .dataset
        .locations
        .iter()
        .filter(|l| l.lat.is_some())
        .count();
    assert_eq!(with_coordinates, 2000);
    let mut app = WorkbenchApp::new(workspace);
    app.central = CentralTab::Map;
    let mut harness = egui_kittest::Harness::builder()
        .with_size([1400.0, 900.0])
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.frame(ui), app);
    for zoom in [5.0, 7.0, 9.0] {
        harness
            .state_mut()
            .map
            .memory
            .center_at(walkers::lon_lat(101.0, 15.0));
        let _ = harness.state_mut().map.memory.set_zoom(zoom);
        // Let the tiles of this view render first; they do so on worker threads.
        for _ in 0..400 {
            harness.step();
            if !harness.state().map.is_rendering() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let mut frame_times = Vec::new();
        let mut overlay = Vec::new();
        for step in 0..60 {
            // Pan a little every frame, as a drag would.
            let lon = 101.0 + 0.002 * f64::from(step) * 2f64.powf(9.0 - zoom);
            harness
                .state_mut()
                .map
                .memory
                .center_at(walkers::lon_lat(lon, 15.0));
            let t = Instant::now();
            harness.step();
            frame_times.push(t.elapsed());
            overlay.push(Duration::from_secs_f64(
                harness.state().map.overlay_millis / 1e3,
            ));
        }
        println!(
            "| map tab frame with 2,000 markers at zoom {zoom}, panning (UI-thread CPU time, whole app) | {} |",
            summary(frame_times)
        );
        println!(
            "| of which markers: cluster, lay out labels, paint (zoom {zoom}) | {} |",
            summary(overlay)
        );
    }
}

fn main() {
    println!("| what | figure |");
    println!("| --- | --- |");
    tiles();
    frames();
}
