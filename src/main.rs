//! The `compound-atlas` binary: the command line, which opens the workbench when no
//! command is given.

fn main() {
    std::process::exit(compound_atlas::cli::main());
}
