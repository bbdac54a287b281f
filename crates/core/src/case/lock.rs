//! One writer per case file. A workbench that has a case open, and `case create` while it
//! writes one, hold an operating-system lock on a small file beside it (`.NAME.lock`), so
//! that a second window cannot open the same case and overwrite the first one's work at
//! its next save. The operating system releases the lock when the process ends, however
//! it ends, so a crash never leaves a case locked. `case info` and `match --case` only
//! read and take no lock; nor does `export --case`, which adds one line to the audit log
//! in its own transaction (SQLite keeps that safe beside a workbench's saves, and an
//! append loses nothing of anyone's work).
//!
//! The lock is on a separate file because SQLite locks byte ranges of the case file
//! itself, and on Windows a whole-file lock there would block SQLite's own reads.

use super::CaseError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Held while a case is open for writing; dropping it releases the case.
#[derive(Debug)]
pub struct CaseLock {
    /// The case this lock is for.
    pub case: PathBuf,
    // Kept open: closing it releases the lock. The lock file itself is left in place,
    // because removing it could let two processes each lock a different file of that name.
    file: Option<File>,
}

/// The lock file of the case at `case`: hidden, beside it.
pub fn lock_path(case: &Path) -> PathBuf {
    super::hidden_beside(case, "lock")
}

impl CaseLock {
    /// Lock the case at `case` for this process, or say who has it. `holder` (the analyst's
    /// name, or empty) is written into the lock file so that the message seen by the
    /// other window can name them.
    ///
    /// Where no lock file can be made (a read-only folder, a file system without locks)
    /// the case is opened without a lock: saving there fails on its own with a clear
    /// message, and viewing a case on read-only media must still work.
    pub fn acquire(case: &Path, holder: &str) -> Result<CaseLock, CaseError> {
        let unlocked = CaseLock {
            case: case.to_path_buf(),
            file: None,
        };
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        // A symlink planted at the lock's name must not make the holder's line below
        // overwrite whatever it points to; a FIFO there must not hang the open.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::custom_flags(
            &mut options,
            libc::O_NOFOLLOW | libc::O_NONBLOCK,
        );
        let Ok(mut file) = options.open(lock_path(case)) else {
            return Ok(unlocked);
        };
        if !file.metadata().is_ok_and(|m| m.is_file()) {
            return Ok(unlocked);
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut by = String::new();
                let _ = file.read_to_string(&mut by);
                let by = by.trim();
                return Err(CaseError::InUse {
                    path: case.to_path_buf(),
                    by: if by.is_empty() { "another process" } else { by }.to_string(),
                });
            }
            Err(TryLockError::Error(_)) => return Ok(unlocked),
        }
        // Who holds it, for the message another window shows. Best effort: the lock
        // holds whether or not this is written.
        let holder = if holder.is_empty() { "someone" } else { holder };
        let _ = file.set_len(0).and_then(|()| file.rewind()).and_then(|()| {
            write!(
                file,
                "{holder} (process {}) since {}",
                std::process::id(),
                chrono::Local::now().format("%Y-%m-%d %H:%M")
            )
        });
        Ok(CaseLock {
            case: case.to_path_buf(),
            file: Some(file),
        })
    }

    /// Whether this process really holds the lock (false where none could be taken).
    pub fn is_held(&self) -> bool {
        self.file.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_is_locked_once_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let case = dir.path().join("demo.case");
        let first = CaseLock::acquire(&case, "A. Analyst").unwrap();
        assert!(first.is_held());
        // A second holder (its own open file, as another process has) is refused, by name.
        let error = CaseLock::acquire(&case, "B").unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, CaseError::InUse { .. }), "{message}");
        assert!(message.contains("demo.case"), "{message}");
        assert!(message.contains("A. Analyst (process"), "{message}");
        drop(first);
        let second = CaseLock::acquire(&case, "").unwrap();
        assert!(second.is_held());
        assert!(lock_path(&case).ends_with(".demo.case.lock"));
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_lock_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let case = dir.path().join("demo.case");
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, b"precious").unwrap();
        std::os::unix::fs::symlink(&victim, lock_path(&case)).unwrap();
        let lock = CaseLock::acquire(&case, "A. Analyst").unwrap();
        assert!(!lock.is_held());
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    }
}
