//! Files written whole or not at all: into a temporary sibling, then renamed into place,
//! so that a reader never sees half a file.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::Path;

/// Write `path` through `fill`: into a temporary sibling first, then renamed over `path`.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::other("output path has no file name"))?;
    let temp = parent.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut writer = BufWriter::with_capacity(1 << 20, File::create(&temp)?);
        fill(&mut writer)?;
        let file = writer.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
