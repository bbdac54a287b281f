//! Values derived from the workspace that take long to compute at full scale: a table's
//! filtered and sorted rows, the timeline's bins. Each is rebuilt when its key changes,
//! small inputs at once and large ones on a worker thread, while the previous value stays
//! on screen so that scrolling and panning never wait for it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};

/// Inputs with fewer items than this are derived at once; a frame is not worth a thread.
pub const INLINE_ITEMS: usize = 50_000;

/// A derived value with the key it was built for, and perhaps a newer one on its way.
pub struct Derived<K, T> {
    current: Option<(K, T)>,
    pending: Option<Pending<K, T>>,
}

struct Pending<K, T> {
    key: K,
    items: usize,
    cancel: Arc<AtomicBool>,
    done: mpsc::Receiver<Option<T>>,
}

impl<K, T> Default for Derived<K, T> {
    fn default() -> Self {
        Derived {
            current: None,
            pending: None,
        }
    }
}

impl<K: PartialEq, T: Send + 'static> Derived<K, T> {
    /// The newest value that is ready (possibly built for an older key).
    pub fn value(&self) -> Option<&T> {
        self.current.as_ref().map(|(_, value)| value)
    }

    /// How many items the build under way works through, if one is.
    pub fn building(&self) -> Option<usize> {
        self.pending.as_ref().map(|p| p.items)
    }

    /// Make sure the value for `key` is ready or on its way. `build` runs at once when
    /// `items` is small (or `in_background` is false), otherwise on a worker thread that
    /// repaints `ctx` when done; it should return `None` soon after its flag is set,
    /// which happens when a newer key replaces it.
    pub fn request(
        &mut self,
        key: K,
        items: usize,
        in_background: bool,
        ctx: &egui::Context,
        build: impl FnOnce(&AtomicBool) -> Option<T> + Send + 'static,
    ) {
        self.collect();
        if self.current.as_ref().is_some_and(|(k, _)| *k == key)
            || self.pending.as_ref().is_some_and(|p| p.key == key)
        {
            return;
        }
        if let Some(stale) = self.pending.take() {
            stale.cancel.store(true, Ordering::Relaxed);
        }
        if !in_background {
            if let Some(value) = build(&AtomicBool::new(false)) {
                self.current = Some((key, value));
            }
            return;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        let (sender, done) = mpsc::channel();
        let flag = cancel.clone();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            // The receiver is gone when a newer build replaced this one; nothing to do then.
            let _ = sender.send(build(&flag));
            ctx.request_repaint();
        });
        self.pending = Some(Pending {
            key,
            items,
            cancel,
            done,
        });
    }

    /// Take a finished build, if there is one.
    fn collect(&mut self) {
        let Some(pending) = &self.pending else { return };
        match pending.done.try_recv() {
            Ok(Some(value)) => {
                let pending = self.pending.take().expect("checked above");
                self.current = Some((pending.key, value));
            }
            Ok(None) | Err(mpsc::TryRecvError::Disconnected) => self.pending = None,
            Err(mpsc::TryRecvError::Empty) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_inputs_are_built_at_once_and_large_ones_arrive_later() {
        let ctx = egui::Context::default();
        let mut derived: Derived<u32, String> = Derived::default();
        derived.request(1, 10, false, &ctx, |_| Some("one".into()));
        assert_eq!(derived.value().map(String::as_str), Some("one"));

        let (release, wait) = mpsc::channel::<()>();
        derived.request(2, 1_000_000, true, &ctx, move |_| {
            wait.recv().unwrap();
            Some("two".into())
        });
        // The old value stays while the new one is built.
        assert_eq!(derived.building(), Some(1_000_000));
        assert_eq!(derived.value().map(String::as_str), Some("one"));
        release.send(()).unwrap();
        let started = std::time::Instant::now();
        while derived.building().is_some() {
            assert!(started.elapsed().as_secs() < 10);
            std::thread::sleep(std::time::Duration::from_millis(1));
            derived.request(2, 1_000_000, true, &ctx, |_| {
                unreachable!("already under way")
            });
        }
        assert_eq!(derived.value().map(String::as_str), Some("two"));
    }

    #[test]
    fn a_newer_key_cancels_the_build_under_way() {
        let ctx = egui::Context::default();
        let mut derived: Derived<u32, u32> = Derived::default();
        let (seen_tx, seen_rx) = mpsc::channel::<bool>();
        let (release, wait) = mpsc::channel::<()>();
        derived.request(1, 1_000_000, true, &ctx, move |cancel| {
            wait.recv().unwrap();
            seen_tx.send(cancel.load(Ordering::Relaxed)).unwrap();
            (!cancel.load(Ordering::Relaxed)).then_some(1)
        });
        derived.request(2, 5, false, &ctx, |_| Some(2));
        release.send(()).unwrap();
        assert!(
            seen_rx.recv().unwrap(),
            "the first build was not told to stop"
        );
        assert_eq!(derived.value(), Some(&2));
        assert_eq!(derived.building(), None);
    }
}
