//! Workbench at full scale: idle frame CPU time, filter recomputation and memory.
//! Run with `cargo bench --bench workbench` (uses bench-data/n1180000, generating it if
//! needed); its table rows are pasted into the workbench section of docs/benchmarks.md.

use compound_atlas::gui::workspace::{Params, Workspace};
use compound_atlas::gui::{CentralTab, WorkbenchApp};
use compound_atlas_core::analysis::filter::{Filter, apply};
use compound_atlas_core::analysis::tables::{Cell, sort_rows};
use compound_atlas_core::analysis::timeline::{BinSize, activity, spans, timeline};
use compound_atlas_core::ingest::Input;
use compound_atlas_core::matching::Strength;
use compound_atlas_core::pipeline::Inputs;
use compound_atlas_core::values::time::ImportZone;
use std::path::Path;
use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

/// Step frames until the Matches table and the timeline have their new figures: how long
/// that took, and each frame's time.
fn frames_until_built(
    harness: &mut egui_kittest::Harness<'_, WorkbenchApp>,
) -> (Duration, Vec<Duration>) {
    let started = Instant::now();
    let mut frames = Vec::new();
    loop {
        let t = Instant::now();
        harness.step();
        frames.push(t.elapsed());
        let app = harness.state();
        if frames.len() > 1 && !app.matches_table.is_building() && !app.timeline.is_building() {
            return (started.elapsed(), frames);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn main() {
    let reports: u64 = std::env::var("BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_180_000);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("bench-data/n{reports}"));
    if !dir.join("reports.csv").exists() {
        let status = std::process::Command::new(
            env!("CARGO_MANIFEST_DIR").to_string() + "/target/release/compound-atlas",
        )
        .args([
            "generate",
            "--reports",
            &reports.to_string(),
            "--seed",
            "1",
            "--out",
            dir.to_str().unwrap(),
        ])
        .status()
        .expect("build the release binary first: cargo build --release");
        assert!(status.success());
    }
    let inputs = Inputs {
        ip_databases: Vec::new(),
        reports: vec![Input::File(dir.join("reports.csv")).into()],
        locations: vec![Input::File(dir.join("locations.csv")).into()],
    };
    let started = Instant::now();
    let workspace = Workspace::load_blocking(inputs, Params::default()).unwrap();
    let load = started.elapsed();
    println!(
        "| load and match, as the import job does | {:.2} s |",
        load.as_secs_f64()
    );
    println!(
        "| data | {} reports, {} events, {} matches |",
        workspace.dataset.reports.len(),
        workspace.dataset.events.len(),
        workspace.matches.matches.len()
    );

    let filters: Vec<(&str, Filter)> = vec![
        ("no filter", Filter::default()),
        (
            "strength IP + time",
            Filter {
                strength: Some(Strength::IpTime),
                ..Default::default()
            },
        ),
        (
            "country MM",
            Filter {
                countries: ["MM".to_string()].into(),
                ..Default::default()
            },
        ),
        (
            "date range (2023)",
            Filter {
                from: chrono::NaiveDate::from_ymd_opt(2023, 1, 1),
                to: chrono::NaiveDate::from_ymd_opt(2023, 12, 31),
                ..Default::default()
            },
        ),
        (
            "event name Login",
            Filter {
                event_names: ["Login".to_string()].into(),
                ..Default::default()
            },
        ),
        (
            "search 198.18.",
            Filter {
                search: "198.18.".into(),
                ..Default::default()
            },
        ),
        (
            "search report id SYN-0012",
            Filter {
                search: "SYN-0012".into(),
                ..Default::default()
            },
        ),
    ];
    for (name, filter) in filters {
        let samples: Vec<Duration> = (0..7)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(apply(&workspace.dataset, &workspace.matches, &filter));
                t.elapsed()
            })
            .collect();
        println!(
            "| filter recompute: {name} | {:.1} ms (median of 7) |",
            median(samples).as_secs_f64() * 1e3
        );
    }

    // What the timeline panel recomputes after a filter change: the matches without the
    // date condition, the bins, the activity pattern and the location spans.
    let samples: Vec<Duration> = (0..7)
        .map(|_| {
            let t = Instant::now();
            let context = apply(&workspace.dataset, &workspace.matches, &Filter::default());
            let bins = timeline(
                &workspace.dataset,
                &context.matches,
                BinSize::Week,
                ImportZone::Utc,
                Some(5),
            );
            let grid = activity(
                &workspace.dataset,
                &context.matches,
                ImportZone::Named(chrono_tz::Asia::Yangon),
            );
            let active = spans(&workspace.dataset, &context.matches);
            std::hint::black_box((bins, grid, active));
            t.elapsed()
        })
        .collect();
    println!(
        "| timeline panel recompute (bins split by top 5, activity, spans; {} matches) | {:.1} ms (median of 7) |",
        workspace.matches.matches.len(),
        median(samples).as_secs_f64() * 1e3
    );

    println!(
        "| peak RSS of the workbench process (data loaded, views computed) | {} MiB |",
        peak_rss_mib()
    );

    // Sorting a drill-down table at the study's scale: ten million rows by a time and by a number.
    let rows: u32 = 10_000_000;
    let scramble = |r: u32| (u64::from(r).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20) as i64;
    for (name, numeric) in [("times", false), ("numbers", true)] {
        let mut order: Vec<u32> = (0..rows).collect();
        let t = Instant::now();
        sort_rows(
            &mut order,
            |r| {
                if numeric {
                    Cell::Number(scramble(r) as f64)
                } else {
                    Cell::Time(scramble(r))
                }
            },
            true,
        );
        println!(
            "| sort 10,000,000 table rows by {name} (stable, descending) | {:.2} s |",
            t.elapsed().as_secs_f64()
        );
        std::hint::black_box(order);
    }

    let mut harness = egui_kittest::Harness::builder()
        .with_size([1400.0, 900.0])
        .build_ui_state(
            |ui, app: &mut WorkbenchApp| app.frame(ui),
            WorkbenchApp::new(workspace),
        );
    let frames: Vec<Duration> = (0..60)
        .map(|_| {
            let t = Instant::now();
            harness.step();
            t.elapsed()
        })
        .collect();
    println!(
        "| idle frame, CPU time of the UI code (no rendering) | {:.2} ms median, {:.2} ms worst of 60 |",
        median(frames.clone()).as_secs_f64() * 1e3,
        frames.iter().max().unwrap().as_secs_f64() * 1e3
    );
    // Scrolling a Matches table of ten million rows: the study's matches repeated.
    {
        let app = harness.state_mut();
        app.central = CentralTab::Matches;
        let base = app.workspace.view.matches.clone();
        let mut big = Vec::with_capacity(10_000_000);
        while big.len() < 10_000_000 {
            big.extend_from_slice(&base);
        }
        big.truncate(10_000_000);
        std::sync::Arc::make_mut(&mut app.workspace.view).matches = big;
        app.workspace.view_generation += 1;
    }
    // The rows and the timeline are built in the background; frames go on meanwhile.
    let (ready, frames) = frames_until_built(&mut harness);
    println!(
        "| 10 M-row Matches table and timeline built in the background: rows ready after | {:.2} s |",
        ready.as_secs_f64()
    );
    println!(
        "| frames while they build, CPU time of the UI code | {} frames, {:.2} ms median, {:.2} ms worst |",
        frames.len(),
        median(frames.clone()).as_secs_f64() * 1e3,
        frames.iter().max().unwrap().as_secs_f64() * 1e3
    );
    // Every column, so that no kind of key (time, number, ranked text, address) hides.
    for (column, name) in compound_atlas_core::output::MATCHES_HEADER
        .iter()
        .enumerate()
    {
        harness.state_mut().matches_table.sort = Some((column, true));
        let (ready, frames) = frames_until_built(&mut harness);
        println!(
            "| sort the 10 M-row Matches table by `{name}`, descending, in the background | {:.2} s; frames meanwhile {:.2} ms worst |",
            ready.as_secs_f64(),
            frames.iter().max().unwrap().as_secs_f64() * 1e3
        );
    }
    let centre = egui::pos2(900.0, 300.0);
    harness.event(egui::Event::PointerMoved(centre));
    let scrolling: Vec<Duration> = (0..60)
        .map(|_| {
            harness.event(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Point,
                delta: egui::vec2(0.0, -4000.0),
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Unknown,
                modifiers: egui::Modifiers::NONE,
            });
            let t = Instant::now();
            harness.step();
            t.elapsed()
        })
        .collect();
    println!(
        "| scrolling frame, 10 M-row Matches table (CPU time of the UI code) | {:.2} ms median, {:.2} ms worst of 60 |",
        median(scrolling.clone()).as_secs_f64() * 1e3,
        scrolling.iter().max().unwrap().as_secs_f64() * 1e3
    );
    println!(
        "| peak RSS including the synthetic 10 M-row sort above | {} MiB |",
        peak_rss_mib()
    );
}
