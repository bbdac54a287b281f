//! Where the workbench asks the user for a file or a folder: one request type for every
//! question, answered by the platform's dialog (rfd) or, in tests, by a stand-in that
//! answers without a window.

use compound_atlas_core::model::FileKind;
use std::path::PathBuf;

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
    /// Where to save one file's import errors as CSV.
    ImportErrors,
}

/// Answers a [`FileRequest`]: the chosen paths, none when the user cancelled.
pub type Picker = Box<dyn FnMut(&FileRequest) -> Vec<PathBuf>>;

/// The platform's own dialogs.
pub fn native_picker() -> Picker {
    Box::new(native)
}

fn native(request: &FileRequest) -> Vec<PathBuf> {
    let dialog = rfd::FileDialog::new();
    let case =
        |dialog: rfd::FileDialog| dialog.add_filter("Compound Atlas case", &[CASE_EXTENSION]);
    let one = match request {
        FileRequest::OpenCase => case(dialog.set_title("Open case")).pick_file(),
        FileRequest::NewCase => case(dialog.set_title("New case: where to keep it"))
            .set_file_name(format!("investigation.{CASE_EXTENSION}"))
            .save_file(),
        FileRequest::SaveCaseAs => case(dialog.set_title("Save case as"))
            .set_file_name(format!("investigation.{CASE_EXTENSION}"))
            .save_file(),
        FileRequest::Import(kind) => {
            let title = match kind {
                FileKind::Reports => "Import report files",
                FileKind::Locations => "Import location lists",
            };
            return dialog
                .set_title(title)
                .add_filter("CSV or TSV", &["csv", "tsv", "txt"])
                .pick_files()
                .unwrap_or_default();
        }
        FileRequest::ExportFolder => dialog
            .set_title("Name the new evidence folder")
            .set_file_name("evidence-set")
            .save_file(),
        FileRequest::ExportZip => dialog
            .set_file_name("evidence-set.zip")
            .add_filter("Zip archive", &["zip"])
            .save_file(),
        FileRequest::Screenshot(name) => dialog
            .set_file_name(name)
            .add_filter("PNG image", &["png"])
            .save_file(),
        FileRequest::ImportErrors => dialog
            .set_file_name("import_errors.csv")
            .add_filter("CSV", &["csv"])
            .save_file(),
    };
    one.into_iter().collect()
}

/// A case path as chosen, with the case ending added when the name has none.
pub fn with_case_extension(path: PathBuf) -> PathBuf {
    if path.extension().is_none() {
        path.with_extension(CASE_EXTENSION)
    } else {
        path
    }
}
