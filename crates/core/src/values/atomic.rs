//! Files written whole or not at all: into a temporary sibling, then renamed into place,
//! so that a reader never sees half a file. The temporary file is created exclusively
//! under an unpredictable name (`O_EXCL`, through the `tempfile` crate), so a symlink
//! planted beside the output can never redirect the write; and an output never replaces
//! one of the files it was made from.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

/// A file written completely to a temporary sibling of `path`, waiting to be renamed
/// into place. Dropped without [`Staged::commit`], the temporary file is removed.
pub struct Staged {
    temp: tempfile::TempPath,
    path: PathBuf,
}

impl Staged {
    /// Rename the temporary file over `path`.
    pub fn commit(self) -> io::Result<()> {
        self.temp.persist(&self.path).map_err(|e| e.error)
    }
}

/// The folder `path` is in (`.` for a bare name).
fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Write the contents of `path` through `fill` into a new temporary sibling, flushed to
/// disk, without touching `path` yet.
pub fn stage(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<Staged> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::other("output path has no file name"))?;
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{}.", name.to_string_lossy()))
        .suffix(".tmp")
        .tempfile_in(parent_of(path))?;
    let (file, temp) = temp.into_parts();
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    fill(&mut writer)?;
    let file = writer.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok(Staged {
        temp,
        path: path.to_path_buf(),
    })
}

/// Write `path` through `fill`: into a temporary sibling first, then renamed over `path`.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    stage(path, fill)?.commit()
}

/// Rename every staged file into place, once all of them are complete: a full disk
/// while writing a set of files leaves the old set, never half of each.
pub fn commit_all(staged: Vec<Staged>) -> io::Result<()> {
    staged.into_iter().try_for_each(Staged::commit)
}

/// Whether `a` and `b` are the same file: one inode (a hard link, a symlink, `./x` and
/// `x`), or one canonical path where inodes are not known.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Ok(b)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return a.dev() == b.dev() && a.ino() == b.ino();
        }
    }
    matches!(
        (a.canonicalize(), b.canonicalize()),
        (Ok(a), Ok(b)) if a == b
    )
}

/// Refuse an output that would replace one of `inputs`.
pub fn refuse_to_replace<'a>(
    output: &Path,
    inputs: impl IntoIterator<Item = &'a Path>,
) -> io::Result<()> {
    match inputs.into_iter().find(|input| same_file(output, input)) {
        Some(input) => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "writing here would replace the input {}; choose another output",
                input.display()
            ),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staged_file_appears_only_when_committed_and_leaves_nothing_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let staged = stage(&path, |out| io::Write::write_all(out, b"a\n")).unwrap();
        assert!(!path.exists());
        staged.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"a\n");
        drop(stage(&path, |out| io::Write::write_all(out, b"b\n")).unwrap());
        let failed = stage(&path, |_| Err(io::Error::other("disk full")));
        assert!(failed.is_err());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "temporary files left behind: {names:?}");
        assert_eq!(std::fs::read(&path).unwrap(), b"a\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_planted_at_the_old_temporary_name_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim.txt");
        std::fs::write(&target, b"keep").unwrap();
        let path = dir.path().join("matches.csv");
        let planted = dir
            .path()
            .join(format!(".matches.csv.{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&target, &planted).unwrap();
        write_atomically(&path, |out| io::Write::write_all(out, b"new")).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }

    #[test]
    fn an_output_may_not_replace_an_input_by_any_name() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("reports.csv");
        std::fs::write(&input, b"x").unwrap();
        let other = dir.path().join("other.csv");
        assert!(refuse_to_replace(&other, [input.as_path()]).is_ok());
        let dotted = dir.path().join(".").join("reports.csv");
        assert!(refuse_to_replace(&dotted, [input.as_path()]).is_err());
        let link = dir.path().join("link.csv");
        std::fs::hard_link(&input, &link).unwrap();
        let error = refuse_to_replace(&link, [input.as_path()]).unwrap_err();
        assert!(
            error.to_string().contains("would replace the input"),
            "{error}"
        );
    }
}
