//! Every output file pinned by its SHA-256: `match`, `export` (folder and archive), `map`,
//! `case create` (through `case info` and `match --case`) and `generate`, on the sample data
//! and on `generate --reports 100000`. A restructuring must not change a byte of them.
//!
//! Creation times are the one thing allowed to differ: the `created_at` lines of
//! `summary.json` and `manifest.json` (and so the manifest's seal) and the times of audit entries are blanked before
//! hashing. After a change meant to alter outputs, run with `PIN_OUTPUTS=write` to rewrite
//! `tests/fixtures/pinned_outputs.sha256`, and say why in the commit.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

const PINNED: &str = "tests/fixtures/pinned_outputs.sha256";
const SAMPLE: [&str; 7] = [
    "--reports",
    "sample_data/reports.csv",
    "--locations",
    "sample_data/locations.csv",
    "--locations",
    "assets/compounds.csv",
    "--tolerance",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Run the program in `dir` with `args`; it must succeed.
fn run(dir: &Path, args: &[&str]) -> Vec<u8> {
    let output = Command::new(env!("CARGO_BIN_EXE_compound-atlas"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "compound-atlas {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn sample_with(tail: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = SAMPLE.iter().map(|s| s.to_string()).collect();
    args.push("2h".into());
    args.extend(tail.iter().map(|s| s.to_string()));
    args
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// The bytes with what may differ between runs blanked: creation times and the
/// temporary folder's path.
fn normalised(bytes: Vec<u8>, temp: &Path) -> Vec<u8> {
    let Ok(text) = String::from_utf8(bytes.clone()) else {
        return bytes;
    };
    let temp = temp.display().to_string();
    let mut out = String::new();
    // The intelligence files hold the export's time, so their digests in the manifest do too.
    let mut after_intel_file = false;
    for line in text.split_inclusive('\n') {
        let line = line.replace(&temp, "TEMP");
        let trimmed = line.trim_start();
        if trimmed.starts_with("\"file\"") {
            after_intel_file =
                trimmed.contains("stix_bundle.json") || trimmed.contains("misp_event.json");
        }
        let intel_time = ["\"created\"", "\"modified\"", "\"timestamp\"", "\"date\""]
            .iter()
            .any(|key| trimmed.starts_with(key));
        if trimmed.starts_with("\"created_at\"") {
            out.push_str("\"created_at\": (blanked)\n");
        } else if intel_time {
            out.push_str("(the export's time)\n");
        } else if after_intel_file && trimmed.starts_with("\"sha256\"") {
            out.push_str("(the digest of a file holding the export's time)\n");
        } else if is_seal(&line) {
            // The seal hashes the manifest, creation time and all.
            out.push_str("(the manifest's SHA-256)  manifest.json\n");
        } else if let Some(rest) = audit_line_after_time(&line) {
            out.push_str("  (time) ");
            out.push_str(rest);
        } else {
            out.push_str(&line);
        }
    }
    out.into_bytes()
}

/// The one line of `manifest.sha256`.
fn is_seal(line: &str) -> bool {
    line.strip_suffix("  manifest.json\n")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// An audit line of `case info` ("  2026-…Z  import  …"), without its time.
fn audit_line_after_time(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("  20")?;
    let end = rest.find("Z  ")?;
    (end < 40 && rest[..end].contains('T')).then(|| &rest[end + 3..])
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The hash of every file below `dir` (and of every entry of each `.zip`), by relative name.
fn hash_tree(dir: &Path, temp: &Path, into: &mut BTreeMap<String, String>) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let name = path.strip_prefix(temp).unwrap().display().to_string();
            if path.is_dir() {
                stack.push(path);
            } else if name.ends_with(".zip") {
                hash_archive(&path, &name, temp, into);
            } else if !is_case_or_its_sidecar(&path) {
                let bytes = normalised(std::fs::read(&path).unwrap(), temp);
                into.insert(name, sha256(&bytes));
            }
        }
    }
}

/// Case files hold creation times in SQLite pages, their lock a process id: they are
/// pinned through `case info` and `match --case` instead.
fn is_case_or_its_sidecar(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    name.starts_with('.') || name.contains(".case")
}

fn hash_archive(path: &Path, name: &str, temp: &Path, into: &mut BTreeMap<String, String>) {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        let key = format!("{name}!{}", entry.name().unwrap());
        into.insert(key, sha256(&normalised(bytes, temp)));
    }
}

/// Every command on the sample data, writing into `temp`.
fn sample_outputs(temp: &Path) {
    let out = |name: &str| temp.join(name).display().to_string();
    let sample = |words: &[&str], tail: &[&str]| {
        let args = command(words, &sample_with(tail));
        run(root(), &strs(&args))
    };
    sample(&["match"], &["--out", &out("match")]);
    sample(&["export"], &["--country", "MM", "--out", &out("export")]);
    let masked = ["--mask", "--analyst", "A. Analyst", "--case-ref", "R-1"];
    sample(
        &["export"],
        &[&masked[..], &["--out", &out("masked.zip")]].concat(),
    );
    sample(&["map"], &["--out", &out("map.png")]);
    let border = ["--centre", "98.53,16.69", "--zoom", "12", "--dark"];
    let size = ["--width", "800", "--height", "500"];
    sample(
        &["map"],
        &[&border[..], &size, &["--out", &out("border.png")]].concat(),
    );
    let case = out("sample.case");
    sample(
        &["case", "create"],
        &["--analyst", "Tester", "--out", &case],
    );
    let info = run(root(), &["case", "info", &case]);
    std::fs::write(temp.join("sample_case_info.txt"), info).unwrap();
    run(
        root(),
        &["match", "--case", &case, "--out", &out("case_match")],
    );
}

/// The command's words, then its arguments.
fn command(words: &[&str], args: &[String]) -> Vec<String> {
    words
        .iter()
        .map(|w| w.to_string())
        .chain(args.iter().cloned())
        .collect()
}

/// `generate --reports 100000` and the commands on what it wrote, run inside `temp` so
/// that the paths recorded are relative.
fn generated_outputs(temp: &Path) {
    run(temp, &["generate", "--reports", "100000", "--out", "gen"]);
    let inputs = [
        "--reports",
        "gen/reports.csv",
        "--locations",
        "gen/locations.csv",
    ];
    let with = |command: &[&'static str], tail: &[&'static str]| -> Vec<&'static str> {
        command
            .iter()
            .chain(inputs.iter())
            .chain(tail.iter())
            .copied()
            .collect()
    };
    run(temp, &with(&["match"], &["--out", "gen_match"]));
    run(
        temp,
        &with(
            &["export"],
            &["--strength", "ip_time", "--out", "gen_export"],
        ),
    );
    run(
        temp,
        &with(&["map"], &["--no-towns", "--out", "gen_map.png"]),
    );
    run(temp, &with(&["case", "create"], &["--out", "gen.case"]));
    let info = run(temp, &["case", "info", "gen.case"]);
    std::fs::write(temp.join("gen_case_info.txt"), info).unwrap();
    run(
        temp,
        &["match", "--case", "gen.case", "--out", "gen_case_match"],
    );
}

fn read_pinned(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_once("  "))
        .map(|(hash, name)| (name.to_string(), hash.to_string()))
        .collect()
}

#[test]
fn every_output_is_byte_identical_to_the_pinned_hashes() {
    let temp = tempfile::tempdir().unwrap();
    let temp: PathBuf = temp.path().canonicalize().unwrap();
    sample_outputs(&temp);
    generated_outputs(&temp);
    let mut hashes = BTreeMap::new();
    hash_tree(&temp, &temp, &mut hashes);
    let pinned_path = root().join(PINNED);
    if std::env::var("PIN_OUTPUTS").as_deref() == Ok("write") {
        let text: String = hashes
            .iter()
            .map(|(name, hash)| format!("{hash}  {name}\n"))
            .collect();
        std::fs::write(&pinned_path, text).unwrap();
        return;
    }
    let pinned = read_pinned(&pinned_path);
    assert!(pinned.len() > 40, "too few pinned hashes in {PINNED}");
    let changed: Vec<String> = pinned
        .keys()
        .chain(hashes.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|name| pinned.get(*name) != hashes.get(*name))
        .map(|name| {
            format!(
                "{name}: pinned {:?}, now {:?}",
                pinned.get(name),
                hashes.get(name)
            )
        })
        .collect();
    assert!(
        changed.is_empty(),
        "outputs changed:\n{}",
        changed.join("\n")
    );
}
