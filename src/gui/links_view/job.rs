//! The chart's graph, items and force layout, computed on a worker thread: the chart is
//! handed over as soon as it is built and the positions every few dozen milliseconds
//! while the layout settles, so that the view draws it moving and the frame never waits.

use compound_atlas_core::analysis::graph::{Node, graph_expanded};
use compound_atlas_core::analysis::layout::Previous;
use compound_atlas_core::analysis::link_chart::{Chart, ChartSpec, chart};
use compound_atlas_core::analysis::ranking::AllLeads;
use compound_atlas_core::matching::Match;
use compound_atlas_core::model::Dataset;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the worker hands over positions while the layout runs.
const PUBLISH_EVERY: Duration = Duration::from_millis(40);

/// What the chart is built from; a new key starts a new job.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildKey {
    pub view_generation: u64,
    pub leads_generation: u64,
    pub spec: ChartSpec,
    pub expanded: Vec<Node>,
}

/// What the worker has handed over so far.
#[derive(Default)]
pub struct Handed {
    pub built: Option<Arc<Chart>>,
    pub positions: Vec<[f32; 2]>,
    /// Bumped with every hand-over, so that the view copies only what is new.
    pub version: u64,
    pub progress: f32,
    pub done: bool,
    /// How long the layout took to settle (or ran until stopped).
    pub layout_time: Duration,
}

/// A job under way, or finished.
pub struct LayoutJob {
    pub key: BuildKey,
    stop: Arc<AtomicBool>,
    pub handed: Arc<Mutex<Handed>>,
}

/// What the job needs from the workspace.
pub struct Sources {
    pub dataset: Arc<Dataset>,
    pub matches: Vec<Match>,
    /// Its `links` are the ties drawn.
    pub leads: Arc<AllLeads>,
}

impl LayoutJob {
    /// Build and lay out on a worker thread; `previous` keeps items where they were.
    pub fn start(
        key: BuildKey,
        sources: Sources,
        previous: Previous,
        ctx: &egui::Context,
    ) -> LayoutJob {
        let stop = Arc::new(AtomicBool::new(false));
        let handed = Arc::new(Mutex::new(Handed::default()));
        let (job_key, job_stop, job_handed) = (key.clone(), stop.clone(), handed.clone());
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            run(job_key, sources, previous, &job_stop, &job_handed, &ctx);
            ctx.request_repaint();
        });
        LayoutJob { key, stop, handed }
    }

    /// Stop the layout where it is (the positions so far stay).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Drop for LayoutJob {
    fn drop(&mut self) {
        // A replaced job has nothing more to do.
        self.stop();
    }
}

fn run(
    key: BuildKey,
    sources: Sources,
    previous: Previous,
    stop: &AtomicBool,
    handed: &Mutex<Handed>,
    ctx: &egui::Context,
) {
    let graph = graph_expanded(
        &sources.dataset,
        &sources.matches,
        &sources.leads.links,
        &key.expanded,
    );
    let chart = Arc::new(chart(&graph, &key.spec));
    let mut layout = chart.layout(&previous);
    let started = Instant::now();
    let publish = |positions: &[[f32; 2]], progress: f32, done: bool| {
        let mut h = handed.lock().unwrap_or_else(|p| p.into_inner());
        h.positions = positions.to_vec();
        h.progress = progress;
        h.done = done;
        h.layout_time = started.elapsed();
        h.version += 1;
        drop(h);
        ctx.request_repaint();
    };
    {
        // The chart and its first positions in one hand-over: the view never sees a
        // chart without a place for each item.
        let mut h = handed.lock().unwrap_or_else(|p| p.into_inner());
        h.built = Some(chart.clone());
        h.positions = layout.positions().to_vec();
        h.version += 1;
    }
    ctx.request_repaint();
    let mut last = Instant::now();
    layout.run(|l| {
        if last.elapsed() >= PUBLISH_EVERY {
            publish(l.positions(), l.progress(), false);
            last = Instant::now();
        }
        stop.load(Ordering::Relaxed)
    });
    publish(layout.positions(), 1.0, true);
}

#[cfg(test)]
impl LayoutJob {
    /// A job that has handed over `handed` and does nothing more.
    pub(super) fn handed_over(key: BuildKey, handed: Handed) -> LayoutJob {
        LayoutJob {
            key,
            stop: Arc::new(AtomicBool::new(false)),
            handed: Arc::new(Mutex::new(handed)),
        }
    }
}
