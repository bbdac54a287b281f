//! Case files in the workbench at full scale: Save as (the whole data) with its progress,
//! an autosave (the state only), and reopening a case until the workbench has drawn its
//! first frame with the data (a usable UI), with the UI frames drawn meanwhile.
//! Run with `cargo bench --bench case` (uses bench-data/n1180000; `cargo bench --bench
//! workbench` generates it); its rows go into the case section of docs/benchmarks.md.

mod common;

use compound_atlas::gui::WorkbenchApp;
use compound_atlas::gui::workspace::{AUTOSAVE_EVERY, Intent, Params, Workspace};
use compound_atlas_core::pipeline::Inputs;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

fn harness(app: WorkbenchApp) -> egui_kittest::Harness<'static, WorkbenchApp> {
    egui_kittest::Harness::builder()
        .with_size([1400.0, 900.0])
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.frame(ui), app)
}

/// Step frames while a job runs: how long it took, the slowest frame, and the progress
/// steps seen (done of total) as the status bar shows them.
fn run_job(
    harness: &mut egui_kittest::Harness<'static, WorkbenchApp>,
) -> (Duration, Duration, Vec<(u64, u64)>) {
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut seen = Vec::new();
    while let Some(job) = &harness.state().workspace.job {
        let step = (
            job.progress.bytes_done.load(Ordering::Relaxed),
            job.progress.bytes_total.load(Ordering::Relaxed),
        );
        if seen.last() != Some(&step) {
            seen.push(step);
        }
        let t = Instant::now();
        harness.step();
        slowest = slowest.max(t.elapsed());
        std::thread::sleep(Duration::from_millis(10));
    }
    (started.elapsed(), slowest, seen)
}

fn main() {
    let inputs = common::full_scale_inputs();
    let params = Params {
        tolerance: "2h".into(),
        ..Params::default()
    };
    let workspace = Workspace::load_blocking(inputs, params).unwrap();
    let reports = workspace.dataset.reports.len();
    let events = workspace.dataset.events.len();
    let work = tempfile::tempdir().unwrap();
    let path = work.path().join("full.case");

    let mut first = harness(WorkbenchApp::new(workspace));
    first.step();
    first
        .state_mut()
        .workspace
        .apply(Intent::SaveCaseAs(path.clone()));
    let (save, save_frame, steps) = run_job(&mut first);
    let notice = first.state().workspace.notice.clone().unwrap();
    assert!(!notice.is_error, "{}", notice.text);
    let size = std::fs::metadata(&path).unwrap().len();

    // A tag, then the autosave: the data is in the file, so only the state is written.
    let w = &mut first.state_mut().workspace;
    w.apply(Intent::Tag {
        reports: vec![0, 1, 2],
        tag: "escalate".into(),
        on: true,
    });
    w.last_saved -= AUTOSAVE_EVERY;
    w.autosave_if_due();
    let (autosave, autosave_frame, _) = run_job(&mut first);
    let notice = first.state().workspace.notice.clone().unwrap();
    assert!(notice.text.contains("already saved"), "{}", notice.text);
    drop(first);

    // Reopen in a fresh workbench: from the request to the first frame drawn with the data.
    let empty = Workspace::load_blocking(Inputs::default(), Params::default()).unwrap();
    let mut second = harness(WorkbenchApp::new(empty));
    second.step();
    let started = Instant::now();
    second
        .state_mut()
        .workspace
        .apply(Intent::OpenCase(path.clone()));
    let (_, open_frame, open_steps) = run_job(&mut second);
    second.step();
    let usable = started.elapsed();
    let w = &second.state().workspace;
    assert_eq!(w.dataset.reports.len(), reports);
    let tagged = w.dataset.reports.id(0).to_string();
    assert_eq!(w.triage.tags_of(&tagged).collect::<Vec<_>>(), ["escalate"]);

    println!("data: {reports} reports, {events} events");
    println!(
        "| Save as: the whole case, from the workbench, with progress ({} progress steps shown) | {:.2} s; slowest UI frame meanwhile {:.1} ms |",
        steps.iter().filter(|(done, _)| *done > 0).count(),
        save.as_secs_f64(),
        save_frame.as_secs_f64() * 1e3
    );
    println!(
        "| autosave after tagging 3 reports (the state only; the data is in the file) | {:.0} ms; slowest UI frame meanwhile {:.1} ms |",
        autosave.as_secs_f64() * 1e3,
        autosave_frame.as_secs_f64() * 1e3
    );
    println!(
        "| reopen in a fresh workbench: open, regroup, match, first frame drawn with the data ({} progress steps shown) | {:.2} s; slowest UI frame meanwhile {:.1} ms |",
        open_steps.iter().filter(|(done, _)| *done > 0).count(),
        usable.as_secs_f64(),
        open_frame.as_secs_f64() * 1e3
    );
    println!("| case file size | {} MiB |", size / 1024 / 1024);
}
