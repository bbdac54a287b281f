//! The command line, a module per command (usage on top, its arguments, a `run`):
//! `match`, `map`, `links`, `export`, `verify`, `case` and `generate`; without a command the
//! workbench opens. Exit codes: 0 when the run completed (even with rejected rows), 1 for
//! a fatal error, 2 for a usage error.

mod args;
mod cmd_case;
mod cmd_export;
mod cmd_generate;
mod cmd_links;
mod cmd_map;
mod cmd_match;
mod cmd_verify;
mod error;
pub mod terminal;

pub use error::CliError;

use clap::{Parser, Subcommand};
use compound_atlas_core::ingest::Input;
use compound_atlas_core::pipeline::Inputs;
use std::path::PathBuf;
use terminal::err;

#[derive(Debug, Parser)]
#[command(
    name = "compound-atlas",
    version,
    about = "Match report metadata to scam-compound locations by IP address and time, offline."
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Without a command the workbench opens; these files are loaded into it instead of
    /// the built-in sample data.
    #[arg(long = "reports", value_name = "FILE")]
    pub reports: Vec<PathBuf>,
    /// A location list to open the workbench with.
    #[arg(long = "locations", value_name = "FILE")]
    pub locations: Vec<PathBuf>,
    /// An IP database (MaxMind DB file) to open the workbench with. Repeatable.
    #[arg(long = "ip-db", value_name = "FILE")]
    pub ip_databases: Vec<PathBuf>,
    /// A case file to open the workbench with.
    #[arg(long = "case", value_name = "FILE", conflicts_with_all = ["reports", "locations", "ip_databases"])]
    pub case: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import report files and location lists, match them, and write the result files.
    Match(cmd_match::MatchArgs),
    /// Write a synthetic data set (reserved address space only) with planted links.
    Generate(cmd_generate::GenerateArgs),
    /// Import and match as `match` does, then draw the locations on the offline basemap
    /// into a PNG (for slides and evidence sets).
    Map(cmd_map::MapArgs),
    /// Import and match as `match` does, then tie reports through the addresses and
    /// accounts they share: links.csv, clusters.csv and links.graphml.
    Links(cmd_links::LinksArgs),
    /// Import and match as `match` does, then write the data under a filter as a
    /// verifiable evidence set: a folder, or one archive when --out ends in .zip.
    Export(cmd_export::ExportArgs),
    /// Re-hash an evidence set (folder or .zip) against its manifest.json and report any
    /// change. Exits with 1 if anything changed, is missing or was added.
    Verify(cmd_verify::VerifyArgs),
    /// Case files: make one from CSV files, or print one's summary and audit log.
    #[command(subcommand)]
    Case(cmd_case::CaseCommand),
}

/// Parse the arguments, run, and return the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    let result = match &cli.command {
        Some(Command::Match(args)) => cmd_match::run(args),
        Some(Command::Generate(args)) => cmd_generate::run(args),
        Some(Command::Map(args)) => cmd_map::run(args),
        Some(Command::Links(args)) => cmd_links::run(args),
        Some(Command::Export(args)) => cmd_export::run(args),
        Some(Command::Case(command)) => command.run(),
        Some(Command::Verify(args)) => match cmd_verify::run(args) {
            Ok(true) => Ok(()),
            Ok(false) => return 1,
            Err(error) => Err(error),
        },
        None => open_workbench(&cli),
    };
    match result {
        Ok(()) => 0,
        Err(error) => {
            err!("error: {error}");
            1
        }
    }
}

/// No command: the workbench, on the files or case given, else on the sample data.
fn open_workbench(cli: &Cli) -> Result<(), CliError> {
    let files =
        (!cli.reports.is_empty() || !cli.locations.is_empty() || !cli.ip_databases.is_empty())
            .then(|| Inputs {
                reports: cli
                    .reports
                    .iter()
                    .map(|p| Input::File(p.clone()).into())
                    .collect(),
                locations: cli
                    .locations
                    .iter()
                    .map(|p| Input::File(p.clone()).into())
                    .collect(),
                ip_databases: Vec::new(),
            });
    let files = match files {
        Some(mut files) => {
            files.ip_databases = args::open_ip_databases(&cli.ip_databases)?;
            Some(files)
        }
        None => None,
    };
    let startup = match (&cli.case, files) {
        (Some(case), _) => crate::gui::Startup::Case(case.clone()),
        (None, Some(files)) => crate::gui::Startup::Files(files),
        (None, None) => crate::gui::Startup::Sample,
    };
    crate::gui::run(startup)
        .map_err(|e| CliError::Usage(format!("the workbench could not start: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Clap checks its definitions only in debug builds, and only when a command is
    /// parsed; this checks every subcommand's up front (two arguments named `locations`
    /// once made `map` panic in debug builds). CI runs the tests in debug.
    #[test]
    fn the_argument_definitions_are_consistent() {
        use clap::CommandFactory;
        let cli = Cli::command();
        for command in cli.get_subcommands() {
            command.clone().debug_assert();
        }
        cli.debug_assert();
    }
}
