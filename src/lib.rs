//! The Compound Atlas application: the egui workbench ([`gui`]) and the command line
//! ([`cli`]), two thin clients of `compound-atlas-core`, which reads, matches, analyses
//! and writes. The library target exists so that integration tests and benchmarks can
//! drive the workbench and the commands.

pub mod cli;
pub mod gui;
