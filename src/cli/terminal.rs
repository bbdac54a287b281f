//! What the command line prints: results to standard output through [`out!`], which
//! survives its reader going away (`| head`) instead of panicking.

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

/// Set once standard output's reader has gone.
static READER_GONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Write one line to standard output; see [`out!`].
pub(crate) fn write_line(line: std::fmt::Arguments) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    if READER_GONE.load(Ordering::Relaxed) {
        return;
    }
    if let Err(error) = writeln!(std::io::stdout().lock(), "{line}") {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            READER_GONE.store(true, Ordering::Relaxed);
            return;
        }
        // Output going nowhere (a full disk) must not pass for a complete run.
        eprintln!("error: cannot write to standard output: {error}");
        std::process::exit(1);
    }
}
