//! What a file in a format other than CSV yields (the first events of a report file, the
//! whole of a location list), read off the UI thread for the import preview, again
//! whenever its kind, sheet or time choices change.

use super::{PendingImport, Workspace};
use compound_atlas_core::ingest::Input;
use compound_atlas_core::ingest::formats::Format;
use compound_atlas_core::ingest::locations::sample::{LocationsSample, sample_locations};
use compound_atlas_core::ingest::preview::{ReportsSample, sample_reports};
use compound_atlas_core::model::FileKind;
use compound_atlas_core::values::progress::Progress;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};

/// What a sample was read with: a change reads it again.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SampleKey {
    path: PathBuf,
    kind: FileKind,
    sheet: Option<String>,
    zone: String,
    date_order: String,
}

/// What a sampled file yields, by the kind it is read as.
#[derive(Debug, Clone, PartialEq)]
pub enum Sample {
    Reports(ReportsSample),
    Locations(LocationsSample),
}

/// A sample being read, or read.
pub struct SampleJob {
    key: SampleKey,
    pub progress: Arc<Progress>,
    receiver: Option<Receiver<Result<Sample, String>>>,
    /// The sample, or why the file cannot be read; `None` while reading.
    pub result: Option<Result<Sample, String>>,
}

impl Drop for SampleJob {
    fn drop(&mut self) {
        // A sample nobody will look at stops reading.
        self.progress
            .cancel
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Whether the preview reads a sample of this file instead of showing its columns.
pub fn is_sampled(pending: &PendingImport) -> bool {
    pending.format != Format::Csv
}

impl Workspace {
    /// Start, restart or collect the sample of the first file in the preview. Returns
    /// true when a sample arrived.
    pub fn refresh_sample(&mut self) -> bool {
        let Some(key) = self.sample_key() else {
            self.sample = None;
            return false;
        };
        if self.sample.as_ref().is_none_or(|s| s.key != key) {
            self.sample = Some(self.start_sample(key));
        }
        let Some(job) = self.sample.as_mut() else {
            return false;
        };
        let received = match job.receiver.as_ref().map(Receiver::try_recv) {
            Some(Ok(result)) => result,
            Some(Err(TryRecvError::Disconnected)) => {
                Err("reading the sample stopped unexpectedly".into())
            }
            Some(Err(TryRecvError::Empty)) | None => return false,
        };
        job.receiver = None;
        job.result = Some(received);
        true
    }

    /// Whether a sample is being read (the GUI keeps drawing to show it when it comes).
    pub fn reading_sample(&self) -> bool {
        self.sample.as_ref().is_some_and(|s| s.result.is_none())
    }

    fn sample_key(&self) -> Option<SampleKey> {
        let first = self.pending.first().filter(|p| is_sampled(p))?;
        Some(SampleKey {
            path: first.path.clone(),
            kind: first.kind,
            sheet: first.sheet.clone(),
            zone: self.params.zone.clone(),
            date_order: self.params.date_order.clone(),
        })
    }

    fn start_sample(&self, key: SampleKey) -> SampleJob {
        let progress = Arc::new(Progress::default());
        let mut job = SampleJob {
            key: key.clone(),
            progress: Arc::clone(&progress),
            receiver: None,
            result: None,
        };
        let options = match self.params.resolve() {
            Ok((options, _)) => options,
            Err(problem) => {
                job.result = Some(Err(problem.to_string()));
                return job;
            }
        };
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let input = Input::File(key.path);
            let sheet = key.sheet.as_deref();
            let read = match key.kind {
                FileKind::Reports => {
                    sample_reports(&input, options, sheet, &progress).map(Sample::Reports)
                }
                FileKind::Locations => {
                    sample_locations(&input, options, sheet, &progress).map(Sample::Locations)
                }
            };
            // The receiver is gone when the preview moved on.
            let _ = sender.send(read.map_err(|e| e.to_string()));
        });
        job.receiver = Some(receiver);
        job
    }
}
