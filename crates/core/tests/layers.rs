//! The core's modules form a pipeline, and each may import only from the layers below it
//! (`docs/architecture.md`). The compiler keeps the GUI and the command line out of the
//! core (they are another package); this test keeps the order inside it, by reading every
//! `crate::…` path in the sources.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each top-level module's layer, bottom first. Modules of one layer do not import each other.
const LAYERS: &[&[&str]] = &[
    &["values"],
    &["ipdata"],
    &["model"],
    &["ingest", "matching"],
    &["params"],
    &["analysis"],
    &["map"],
    &["output"],
    &["pipeline", "case"],
    &["export"],
    &["embedded"],
    &["generate"],
];

/// Crates made for a screen or a command line, which the core must never name.
const CLIENT_CRATES: &[&str] = &[
    "egui",
    "eframe",
    "egui_plot",
    "egui_extras",
    "walkers",
    "rfd",
    "clap",
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn sources(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`src/ingest/reader.rs` → `ingest`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Every module named as `crate::name` in the text.
fn crate_paths(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.push(name);
        }
    }
    found
}

#[test]
fn every_module_imports_only_from_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut wrong: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        if module == "lib" {
            continue;
        }
        let own = layer_of(&module).unwrap_or_else(|| panic!("{module} is in no layer"));
        let text = std::fs::read_to_string(file).unwrap();
        for used in crate_paths(&text) {
            if used == module {
                continue;
            }
            let layer = layer_of(&used).unwrap_or_else(|| panic!("{used} is in no layer"));
            if layer >= own {
                let name = file.strip_prefix(&src).unwrap().display().to_string();
                wrong.entry(name).or_default().push(used);
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports from a layer not below: {wrong:?}"
    );
}

#[test]
fn no_module_names_a_gui_or_command_line_crate() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for name in CLIENT_CRATES {
            assert!(
                !text.contains(&format!("{name}::")),
                "{} names {name}",
                file.display()
            );
        }
    }
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    for name in CLIENT_CRATES {
        let dependency = name.replace('_', "-");
        assert!(
            !manifest
                .lines()
                .any(|l| l.starts_with(&format!("{name} "))
                    || l.starts_with(&format!("{dependency} "))),
            "the core depends on {name}"
        );
    }
}

#[test]
fn the_path_scanner_finds_what_it_should() {
    assert_eq!(
        crate_paths("use crate::values::time; x = $crate::no; crate::model::X; mycrate::y"),
        ["values", "model"]
    );
}
