//! Progress of a long job and the way to cancel it, shared between the thread that works
//! and the one that shows it; one [`Cancelled`] for every job that stops on request.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Shared progress of a long read, and the way to cancel it from another thread.
#[derive(Debug, Default)]
pub struct Progress {
    pub bytes_done: AtomicU64,
    pub bytes_total: AtomicU64,
    pub rows_done: AtomicU64,
    pub cancel: AtomicBool,
}

impl Progress {
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// `Err(Cancelled)` once cancelling was asked for: for `?` between steps of a job.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }
}

/// The job stopped because [`Progress::cancel`] was set; nothing it would have made exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;
