//! What the command line prints: results to standard output through [`out!`], which
//! survives its reader going away (`| head`) instead of panicking, and messages to
//! standard error through [`err!`]. Both escape control characters, because names, paths
//! and audit entries come from files made by strangers: one line printed is one line seen.

/// `println!` for the command line's results: when whoever reads them has gone (`| head`),
/// the rest of the output is dropped instead of panicking, and the command still finishes
/// its work and ends with its own exit code (`verify` still fails on a changed file).
macro_rules! out {
    () => {
        $crate::cli::terminal::write_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::cli::terminal::write_line(format_args!($($arg)*))
    };
}
pub(crate) use out;

/// `eprintln!` with control characters escaped, for progress and error messages.
macro_rules! err {
    ($($arg:tt)*) => {
        eprintln!(
            "{}",
            compound_atlas_core::values::text::escape_control(&format!($($arg)*))
        )
    };
}
pub(crate) use err;

/// Set once standard output's reader has gone.
static READER_GONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Write one line to standard output; see [`out!`].
pub(crate) fn write_line(line: std::fmt::Arguments) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    if READER_GONE.load(Ordering::Relaxed) {
        return;
    }
    let line = line.to_string();
    let line = compound_atlas_core::values::text::escape_control(&line);
    if let Err(error) = writeln!(std::io::stdout().lock(), "{line}") {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            READER_GONE.store(true, Ordering::Relaxed);
            return;
        }
        // Output going nowhere (a full disk) must not pass for a complete run.
        err!("error: cannot write to standard output: {error}");
        std::process::exit(1);
    }
}
