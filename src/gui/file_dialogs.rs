//! Where the workbench asks the user for a file or a folder: one request type for every
//! question, answered by the platform's dialog (rfd) where this machine has one, else by
//! the built-in chooser ([`super::file_chooser`]); tests answer with a stand-in.

use compound_atlas_core::model::FileKind;
use std::path::{Path, PathBuf};

/// The file name ending of case files.
pub const CASE_EXTENSION: &str = "case";

/// A question for a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileRequest {
    /// A case file to open.
    OpenCase,
    /// Where to keep a new, empty case.
    NewCase,
    /// Where to save the work as a case.
    SaveCaseAs,
    /// Report files or location lists to import (several at once).
    Import(FileKind),
    /// A new folder for an evidence set.
    ExportFolder,
    /// An archive for an evidence set.
    ExportZip,
    /// Where to save a screenshot, with the suggested name.
    Screenshot(String),
    /// Where to save one input file's import errors as CSV.
    ImportErrors(u16),
    /// A raster tile package to draw over the basemap.
    TileFile,
    /// The user's own IP database (a MaxMind DB file).
    IpDatabase,
    /// Where to save the map as an image.
    MapPng,
    /// Where to save the link chart as an image.
    LinksPng,
    /// Where to save the link chart as an SVG drawing.
    LinksSvg,
    /// Where to save the chart shown below the map as CSV, with the suggested name.
    ChartCsv(String),
    /// Where to save the chart shown below the map as an image, with the suggested name.
    ChartPng(String),
}

/// A view's questions for a path and their answers: the view asks, the workbench asks the
/// user, and the view acts on the answer in its next frame.
#[derive(Debug, Default)]
pub struct ViewFiles {
    asked: Option<FileRequest>,
    answer: Option<(FileRequest, PathBuf)>,
}

impl ViewFiles {
    pub fn ask(&mut self, request: FileRequest) {
        self.asked = Some(request);
    }

    /// The question asked since the last frame, to put to the user.
    pub fn take_asked(&mut self) -> Option<FileRequest> {
        self.asked.take()
    }

    pub fn give_answer(&mut self, request: FileRequest, path: PathBuf) {
        self.answer = Some((request, path));
    }

    /// The path chosen for the view's last question, once.
    pub fn take_answer(&mut self) -> Option<(FileRequest, PathBuf)> {
        self.answer.take()
    }
}

/// A kind of file the chooser lists, by name ending; no endings means every file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filter {
    pub label: &'static str,
    pub extensions: &'static [&'static str],
}

impl Filter {
    pub const ALL: Filter = Filter {
        label: "All files",
        extensions: &[],
    };

    /// Whether a file of this name is listed.
    pub fn takes(&self, name: &str) -> bool {
        let name = name.to_lowercase();
        self.extensions.is_empty()
            || self
                .extensions
                .iter()
                .any(|ext| name.len() > ext.len() + 1 && name.ends_with(&format!(".{ext}")))
    }
}

const REPORTS: Filter = Filter {
    label: "Report files (csv, xlsx, xls, ods, xml, json, jsonl, zip, gz, zst)",
    extensions: &[
        "csv", "tsv", "txt", "xlsx", "xlsm", "xls", "ods", "xml", "json", "jsonl", "ndjson", "zip",
        "gz", "zst",
    ],
};
const LOCATIONS: Filter = Filter {
    label: "Location lists (csv, xlsx, xls, ods, geojson, json, kml, kmz)",
    extensions: &[
        "csv", "tsv", "txt", "xlsx", "xlsm", "xls", "ods", "geojson", "json", "kml", "kmz",
    ],
};
const CASES: Filter = Filter {
    label: "Compound Atlas cases (case)",
    extensions: &[CASE_EXTENSION],
};
const ARCHIVES: Filter = Filter {
    label: "Zip archives (zip)",
    extensions: &["zip"],
};
const IMAGES: Filter = Filter {
    label: "PNG images (png)",
    extensions: &["png"],
};
const SVG: Filter = Filter {
    label: "SVG drawings (svg)",
    extensions: &["svg"],
};
const TILES: Filter = Filter {
    label: "Raster tile packages (pmtiles)",
    extensions: &["pmtiles"],
};
const IP_DATABASES: Filter = Filter {
    label: "MaxMind DB files (mmdb)",
    extensions: &["mmdb"],
};
const CSV: Filter = Filter {
    label: "CSV files (csv)",
    extensions: &["csv"],
};

impl FileRequest {
    /// The window title.
    pub fn title(&self) -> &'static str {
        match self {
            FileRequest::OpenCase => "Open case",
            FileRequest::NewCase => "New case: where to keep it",
            FileRequest::SaveCaseAs => "Save case as",
            FileRequest::Import(FileKind::Reports) => "Import report files",
            FileRequest::Import(FileKind::Locations) => "Import location lists",
            FileRequest::ExportFolder => "Name the new evidence folder",
            FileRequest::ExportZip => "Export the evidence set as a .zip",
            FileRequest::Screenshot(_) => "Save the screenshot",
            FileRequest::ImportErrors(_) => "Save the import errors",
            FileRequest::TileFile => "Open a raster tile package",
            FileRequest::IpDatabase => "Add an IP database",
            FileRequest::MapPng => "Save the map as PNG",
            FileRequest::LinksPng => "Save the link chart as PNG",
            FileRequest::LinksSvg => "Save the link chart as SVG",
            FileRequest::ChartCsv(_) => "Save the chart as CSV",
            FileRequest::ChartPng(_) => "Save the chart as PNG",
        }
    }

    /// The kinds of file offered, the first shown first; the last is every file.
    pub fn filters(&self) -> &'static [Filter] {
        match self {
            FileRequest::OpenCase | FileRequest::NewCase | FileRequest::SaveCaseAs => {
                &[CASES, Filter::ALL]
            }
            FileRequest::Import(FileKind::Reports) => &[REPORTS, Filter::ALL],
            FileRequest::Import(FileKind::Locations) => &[LOCATIONS, Filter::ALL],
            FileRequest::ExportFolder => &[Filter::ALL],
            FileRequest::ExportZip => &[ARCHIVES, Filter::ALL],
            FileRequest::Screenshot(_)
            | FileRequest::MapPng
            | FileRequest::ChartPng(_)
            | FileRequest::LinksPng => &[IMAGES, Filter::ALL],
            FileRequest::LinksSvg => &[SVG, Filter::ALL],
            FileRequest::ImportErrors(_) | FileRequest::ChartCsv(_) => &[CSV, Filter::ALL],
            FileRequest::TileFile => &[TILES, Filter::ALL],
            FileRequest::IpDatabase => &[IP_DATABASES, Filter::ALL],
        }
    }

    /// Whether the answer is a new path (a save) rather than one that exists.
    pub fn is_save(&self) -> bool {
        !matches!(
            self,
            FileRequest::OpenCase
                | FileRequest::Import(_)
                | FileRequest::TileFile
                | FileRequest::IpDatabase
        )
    }

    /// Whether the answer names a folder (to be made) rather than a file.
    pub fn wants_folder(&self) -> bool {
        *self == FileRequest::ExportFolder
    }

    pub fn takes_several(&self) -> bool {
        matches!(self, FileRequest::Import(_))
    }

    /// The name a save starts with.
    pub fn suggested_name(&self) -> Option<String> {
        Some(match self {
            FileRequest::NewCase | FileRequest::SaveCaseAs => {
                format!("investigation.{CASE_EXTENSION}")
            }
            FileRequest::ExportFolder => "evidence-set".into(),
            FileRequest::ExportZip => "evidence-set.zip".into(),
            FileRequest::Screenshot(name)
            | FileRequest::ChartCsv(name)
            | FileRequest::ChartPng(name) => name.clone(),
            FileRequest::ImportErrors(_) => "import_errors.csv".into(),
            FileRequest::MapPng => "map.png".into(),
            FileRequest::LinksPng => "links.png".into(),
            FileRequest::LinksSvg => "links.svg".into(),
            FileRequest::OpenCase
            | FileRequest::Import(_)
            | FileRequest::TileFile
            | FileRequest::IpDatabase => return None,
        })
    }

    /// The ending a saved name without one is given.
    pub fn default_extension(&self) -> Option<&'static str> {
        match self {
            FileRequest::NewCase | FileRequest::SaveCaseAs => Some(CASE_EXTENSION),
            FileRequest::ExportZip => Some("zip"),
            FileRequest::Screenshot(_)
            | FileRequest::MapPng
            | FileRequest::ChartPng(_)
            | FileRequest::LinksPng => Some("png"),
            FileRequest::LinksSvg => Some("svg"),
            FileRequest::ImportErrors(_) | FileRequest::ChartCsv(_) => Some("csv"),
            _ => None,
        }
    }
}

/// Answers a [`FileRequest`] at once: the chosen paths, none when the user cancelled.
pub type Picker = Box<dyn FnMut(&FileRequest) -> Vec<PathBuf>>;

/// The platform's own dialogs, when this machine can show them; `None` means the built-in
/// chooser, and the reason why.
pub fn native_picker() -> Result<Picker, &'static str> {
    platform_dialog_available()?;
    Ok(Box::new(native))
}

/// Whether rfd can show a dialog here. Windows and macOS always can. On Linux rfd asks the
/// XDG desktop portal and falls back to zenity; without either it returns as if the user
/// had cancelled. So check for them, instead of guessing from a cancel.
fn platform_dialog_available() -> Result<(), &'static str> {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return Ok(());
    }
    if on_path("zenity") || portal_file_chooser() {
        Ok(())
    } else {
        Err(
            "This desktop has no file dialog Compound Atlas can use (no XDG desktop portal with a file chooser, no zenity)",
        )
    }
}

/// A program of this name in a folder of `PATH`.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// The XDG desktop portal can show a file chooser: a session bus to reach it on, the
/// portal service installed (or a Flatpak sandbox, which always has it), and a portal
/// backend that implements the file chooser.
fn portal_file_chooser() -> bool {
    if Path::new("/.flatpak-info").exists() {
        return true;
    }
    let runtime_bus =
        std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|dir| Path::new(&dir).join("bus").exists());
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() && !runtime_bus {
        return false;
    }
    let data_dirs = xdg_data_dirs();
    let service = data_dirs.iter().any(|d| {
        d.join("dbus-1/services/org.freedesktop.portal.Desktop.service")
            .is_file()
    });
    service && data_dirs.iter().any(|d| has_file_chooser_backend(d))
}

fn xdg_data_dirs() -> Vec<PathBuf> {
    let dirs = std::env::var_os("XDG_DATA_DIRS")
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "/usr/local/share:/usr/share".into());
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&dirs).collect();
    if let Some(home) = super::file_chooser::home_dir() {
        dirs.push(home.join(".local/share"));
    }
    dirs
}

/// A `*.portal` file in `data_dir` naming the file chooser interface.
fn has_file_chooser_backend(data_dir: &Path) -> bool {
    let Ok(portals) = std::fs::read_dir(data_dir.join("xdg-desktop-portal/portals")) else {
        return false;
    };
    portals.flatten().any(|portal| {
        portal.path().extension().is_some_and(|e| e == "portal")
            && std::fs::read_to_string(portal.path())
                .is_ok_and(|text| text.contains("org.freedesktop.impl.portal.FileChooser"))
    })
}

fn native(request: &FileRequest) -> Vec<PathBuf> {
    let mut dialog = rfd::FileDialog::new().set_title(request.title());
    for filter in request.filters() {
        if !filter.extensions.is_empty() {
            dialog = dialog.add_filter(filter.label, filter.extensions);
        }
    }
    if let Some(name) = request.suggested_name() {
        dialog = dialog.set_file_name(name);
    }
    if request.takes_several() {
        dialog.pick_files().unwrap_or_default()
    } else if request.is_save() {
        dialog.save_file().into_iter().collect()
    } else {
        dialog.pick_file().into_iter().collect()
    }
}

/// A case path as chosen, with the case ending added when the name has none.
pub fn with_case_extension(path: PathBuf) -> PathBuf {
    if path.extension().is_none() {
        path.with_extension(CASE_EXTENSION)
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_endings_without_regard_to_case() {
        assert!(REPORTS.takes("tips.CSV"));
        assert!(!REPORTS.takes("tips.csv.png"));
        assert!(!REPORTS.takes(".csv"));
        assert!(Filter::ALL.takes("anything"));
    }

    #[test]
    fn a_portal_needs_a_file_chooser_backend() {
        let dir = tempfile::tempdir().unwrap();
        let portals = dir.path().join("xdg-desktop-portal/portals");
        std::fs::create_dir_all(&portals).unwrap();
        std::fs::write(
            portals.join("x.portal"),
            "Interfaces=org.freedesktop.impl.portal.Print",
        )
        .unwrap();
        assert!(!has_file_chooser_backend(dir.path()));
        std::fs::write(
            portals.join("gtk.portal"),
            "[portal]\nInterfaces=org.freedesktop.impl.portal.FileChooser;\n",
        )
        .unwrap();
        assert!(has_file_chooser_backend(dir.path()));
    }
}
