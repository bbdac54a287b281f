//! The link chart at about 5,000 nodes: how long the force layout takes to settle off
//! the UI thread, what planning one frame's scene costs, and the workbench's frame times
//! on the Links tab while the layout runs. Run with `cargo bench --bench links` (uses
//! bench-data/n52000, generating it with the release binary if needed; BENCH_REPORTS
//! picks another size); its rows go into docs/benchmarks.md.

use compound_atlas::gui::workspace::{Params, Workspace};
use compound_atlas::gui::{CentralTab, WorkbenchApp};
use compound_atlas_core::analysis::graph::graph;
use compound_atlas_core::analysis::layout::Previous;
use compound_atlas_core::analysis::link_chart::{ChartSpec, chart};
use compound_atlas_core::ingest::Input;
use compound_atlas_core::map::link_picture::{Drawing, Frame, Marks, look_of, plan};
use compound_atlas_core::pipeline::Inputs;
use std::path::Path;
use std::time::{Duration, Instant};

fn generated(reports: u64) -> Inputs {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("bench-data/n{reports}"));
    if !dir.join("reports.csv").exists() {
        let status = std::process::Command::new(
            env!("CARGO_MANIFEST_DIR").to_string() + "/target/release/compound-atlas",
        )
        .args(["generate", "--reports", &reports.to_string(), "--seed", "1"])
        .args(["--out", dir.to_str().unwrap()])
        .status()
        .expect("build the release binary first: cargo build --release");
        assert!(status.success());
    }
    Inputs {
        ip_databases: Vec::new(),
        reports: vec![Input::File(dir.join("reports.csv")).into()],
        locations: vec![Input::File(dir.join("locations.csv")).into()],
    }
}

fn quantile(samples: &mut [Duration], q: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * q).round() as usize]
}

fn main() {
    let reports: u64 = std::env::var("BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(52_000);
    let mut workspace = Workspace::load_blocking(generated(reports), Params::default()).unwrap();
    while workspace.leads_generation == 0 || workspace.finding_leads() {
        workspace.refresh_leads();
        std::thread::sleep(Duration::from_millis(5));
    }
    let links = &workspace.leads.links;
    let graph = graph(&workspace.dataset, &workspace.view.matches, links);
    let chart = chart(&graph, &ChartSpec::default());
    println!(
        "| graph | {} reports: {} nodes, {} edges; {} items drawn{} |",
        workspace.dataset.reports.len(),
        graph.nodes.len(),
        graph.edges.len(),
        chart.items.len(),
        if chart.by_cluster {
            " (by cluster)"
        } else {
            ""
        }
    );
    let mut settle = Vec::new();
    let mut rounds = 0;
    for _ in 0..5 {
        let started = Instant::now();
        let mut layout = chart.layout(&Previous::new());
        rounds = 0;
        layout.run(|_| {
            rounds += 1;
            false
        });
        settle.push(started.elapsed());
    }
    println!(
        "| layout settles (median of 5) | {:.2} s, {rounds} rounds |",
        quantile(&mut settle, 0.5).as_secs_f64()
    );
    let mut layout = chart.layout(&Previous::new());
    layout.run(|_| false);
    let looks: Vec<_> = (0..chart.items.len())
        .map(|i| look_of(&chart, i, &links.strength_of))
        .collect();
    let labels: Vec<String> = (0..chart.items.len())
        .map(|i| format!("item {i}"))
        .collect();
    let drawing = Drawing {
        chart: &chart,
        positions: layout.positions(),
        looks: &looks,
        labels: &labels,
    };
    let frame = Frame::fit(layout.positions(), 1000.0, 650.0);
    let mut planning: Vec<Duration> = (0..20)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(plan(drawing, &frame, &Marks::default(), false, true));
            started.elapsed()
        })
        .collect();
    println!(
        "| one frame's scene (lines, nodes, labels), median of 20 | {:.1} ms |",
        quantile(&mut planning, 0.5).as_secs_f64() * 1000.0
    );
    frames_while_laying_out(workspace);
}

/// The Links tab in the workbench from the first frame until the layout settles.
fn frames_while_laying_out(workspace: Workspace) {
    let mut app = WorkbenchApp::new(workspace);
    app.central = CentralTab::Links;
    let mut harness = egui_kittest::Harness::builder()
        .with_size([1400.0, 900.0])
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.frame(ui), app);
    let started = Instant::now();
    let mut frames = Vec::new();
    while frames.len() < 3 || !harness.state().links.is_settled() {
        let t = Instant::now();
        harness.step();
        frames.push(t.elapsed());
        assert!(
            started.elapsed().as_secs() < 120,
            "the layout never settled"
        );
    }
    let settled = started.elapsed();
    let count = frames.len();
    let slow: Vec<String> = frames
        .iter()
        .enumerate()
        .filter(|(_, t)| t.as_secs_f64() > 0.016)
        .map(|(i, t)| format!("frame {i}: {:.1} ms", t.as_secs_f64() * 1000.0))
        .collect();
    println!(
        "frames over 16 ms: {}",
        if slow.is_empty() {
            "none".to_string()
        } else {
            slow.join(", ")
        }
    );
    println!(
        "| workbench, Links tab: first frame to settled | {:.2} s, {count} frames; frame p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms |",
        settled.as_secs_f64(),
        quantile(&mut frames, 0.5).as_secs_f64() * 1000.0,
        quantile(&mut frames, 0.95).as_secs_f64() * 1000.0,
        quantile(&mut frames, 1.0).as_secs_f64() * 1000.0,
    );
}
