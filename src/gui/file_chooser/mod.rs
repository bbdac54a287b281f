//! The built-in file chooser, for machines without a desktop file dialog: what it shows
//! (a folder's entries, places, a name field) and what choosing does; drawn by [`ui`].

mod ui;

use super::file_dialogs::{FileRequest, Filter};
use std::path::{Path, PathBuf};

/// A folder with more entries than this shows the first ones (in name order) and says
/// so: a share with a million files must not stall the window on a look at each.
const MAX_ENTRIES: usize = 20_000;

/// One file or folder in the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub path: PathBuf,
    pub is_dir: bool,
    pub size: Option<u64>,
    pub modified: Option<chrono::DateTime<chrono::Local>>,
}

/// A folder's entries as shown: folders first, then names without regard to case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    pub entries: Vec<Entry>,
    /// Entries left out by [`MAX_ENTRIES`].
    pub left_out: usize,
}

/// What the chooser was closed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Chosen(Vec<PathBuf>),
    Cancelled,
}

/// A named folder in the places list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub label: String,
    pub path: PathBuf,
}

/// The open built-in chooser.
pub struct FileChooser {
    pub request: FileRequest,
    dir: PathBuf,
    listing: Result<Listing, String>,
    /// Positions in the listing, in the order they were picked.
    selected: Vec<usize>,
    /// The file name field: a name in `dir`, or a path (absolute, relative or `~/…`).
    pub name: String,
    filter: usize,
    show_hidden: bool,
    places: Vec<Place>,
    /// A save that would replace this file, waiting for the user to agree.
    confirm_replace: Option<PathBuf>,
    /// Why the last choice was refused.
    problem: Option<String>,
    /// Why the built-in chooser is shown, when it was not the user's setting.
    pub why_built_in: Option<String>,
    focus_name: bool,
}

impl FileChooser {
    /// A chooser for `request`, opened at `start` (or the first place that is a folder).
    pub fn new(request: FileRequest, start: Option<PathBuf>, recent: &[PathBuf]) -> Self {
        let places = places(recent);
        let dir = start
            .into_iter()
            .chain(places.iter().map(|p| p.path.clone()))
            .find(|p| p.is_dir())
            .unwrap_or_else(|| PathBuf::from("/"));
        let name = request.suggested_name().unwrap_or_default();
        let mut chooser = FileChooser {
            request,
            dir: dir.clone(),
            listing: Ok(Listing::default()),
            selected: Vec::new(),
            name,
            filter: 0,
            show_hidden: false,
            places,
            confirm_replace: None,
            problem: None,
            why_built_in: None,
            focus_name: true,
        };
        chooser.go_to(dir);
        chooser
    }

    /// The folder shown.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entries shown, or why the folder cannot be read.
    pub fn listing(&self) -> Result<&Listing, &str> {
        self.listing.as_ref().map_err(|e| e.as_str())
    }

    /// Show `dir`'s entries.
    pub fn go_to(&mut self, dir: PathBuf) {
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        self.listing = list(&dir, self.show_hidden, self.filters()[self.filter]);
        self.dir = dir;
        self.selected.clear();
        self.problem = None;
        self.confirm_replace = None;
        if !self.request.is_save() {
            self.name.clear();
        }
    }

    /// Show the folder above.
    pub fn go_up(&mut self) {
        if let Some(parent) = self.dir.parent() {
            self.go_to(parent.to_path_buf());
        }
    }

    fn refresh(&mut self) {
        self.go_to(self.dir.clone());
    }

    pub fn filters(&self) -> &'static [Filter] {
        self.request.filters()
    }

    pub fn set_filter(&mut self, filter: usize) {
        if filter < self.filters().len() && filter != self.filter {
            self.filter = filter;
            self.refresh();
        }
    }

    pub fn set_show_hidden(&mut self, show: bool) {
        if show != self.show_hidden {
            self.show_hidden = show;
            self.refresh();
        }
    }

    /// A click on an entry; with Ctrl (or ⌘) it adds to or removes from a selection of
    /// several files where the request takes several.
    pub fn click(&mut self, position: usize, add: bool) {
        let Some(entry) = self.entry(position) else {
            return;
        };
        let (is_dir, name) = (entry.is_dir, entry.name.clone());
        self.problem = None;
        if add && self.request.takes_several() && !is_dir {
            if let Some(at) = self.selected.iter().position(|&p| p == position) {
                self.selected.remove(at);
            } else {
                self.selected.push(position);
            }
            self.name = self.selected_names();
            return;
        }
        self.selected = vec![position];
        // A folder is opened by a double click, not named: the name field keeps the
        // file (or new folder) name typed.
        if !is_dir {
            self.name = name;
        }
    }

    /// A double click: a folder opens; a file is chosen.
    pub fn double_click(&mut self, position: usize) -> Option<Outcome> {
        let entry = self.entry(position)?.clone();
        if entry.is_dir {
            self.go_to(entry.path);
            return None;
        }
        self.selected = vec![position];
        self.name = entry.name;
        self.accept()
    }

    pub fn is_selected(&self, position: usize) -> bool {
        self.selected.contains(&position)
    }

    fn entry(&self, position: usize) -> Option<&Entry> {
        self.listing.as_ref().ok()?.entries.get(position)
    }

    fn selected_names(&self) -> String {
        let names: Vec<String> = self
            .selected
            .iter()
            .filter_map(|&p| self.entry(p))
            .map(|e| format!("\"{}\"", e.name))
            .collect();
        names.join(" ")
    }

    /// Enter or the Open/Save button: the chosen paths, or a folder opened, or a reason
    /// (shown in the window) why nothing can be chosen yet.
    pub fn accept(&mut self) -> Option<Outcome> {
        self.problem = None;
        // Several picked, and the name field not typed over since.
        if self.selected.len() > 1 && self.name == self.selected_names() {
            let paths = self
                .selected
                .iter()
                .filter_map(|&p| self.entry(p))
                .map(|e| e.path.clone())
                .collect();
            return Some(Outcome::Chosen(paths));
        }
        let typed = self.name.trim().to_string();
        if typed.is_empty() {
            return self.refuse("Type a file name or choose one from the list.");
        }
        let path = self.with_default_extension(resolve(&typed, &self.dir));
        if path.is_dir() && !self.request.wants_folder() {
            self.go_to(path);
            return None;
        }
        if self.request.is_save() {
            self.accept_save(path)
        } else if path.is_file() {
            Some(Outcome::Chosen(vec![path]))
        } else {
            self.refuse(&format!("{} is not a file that exists.", path.display()))
        }
    }

    fn accept_save(&mut self, path: PathBuf) -> Option<Outcome> {
        let Some(parent) = path.parent().filter(|p| p.is_dir()) else {
            return self.refuse(&format!(
                "The folder for {} does not exist.",
                path.display()
            ));
        };
        let parent = parent.to_path_buf();
        if self.request.wants_folder() {
            if path.exists() {
                return self.refuse(&format!(
                    "{} already exists: an evidence set goes into a new folder. Type a new name.",
                    path.display()
                ));
            }
        } else if path.is_dir() {
            self.go_to(path);
            return None;
        } else if path.exists() && self.confirm_replace.as_ref() != Some(&path) {
            self.confirm_replace = Some(path);
            return None;
        }
        self.dir = parent;
        Some(Outcome::Chosen(vec![path]))
    }

    /// The file a save would replace, while the window asks whether to.
    pub fn replacing(&self) -> Option<&Path> {
        self.confirm_replace.as_deref()
    }

    /// "Replace" was answered to [`Self::replacing`].
    pub fn agree_to_replace(&mut self) -> Option<Outcome> {
        let path = self.confirm_replace.clone()?;
        Some(Outcome::Chosen(vec![path]))
    }

    pub fn keep_existing(&mut self) {
        self.confirm_replace = None;
    }

    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    fn refuse(&mut self, why: &str) -> Option<Outcome> {
        self.problem = Some(why.to_string());
        None
    }

    /// A save's name without an ending gets the request's (`.case`, `.zip`, `.png`, `.csv`).
    fn with_default_extension(&self, path: PathBuf) -> PathBuf {
        match self.request.default_extension() {
            Some(ext) if self.request.is_save() && path.extension().is_none() && !path.is_dir() => {
                path.with_extension(ext)
            }
            _ => path,
        }
    }

    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// Whether the name field should take the keyboard (once, when the window opens).
    pub(crate) fn take_focus_request(&mut self) -> bool {
        std::mem::take(&mut self.focus_name)
    }

    pub fn show_hidden(&self) -> bool {
        self.show_hidden
    }

    pub fn filter(&self) -> usize {
        self.filter
    }
}

/// The places list: where the program started, home, the folders of recent files, the
/// root; only folders that exist, each once.
fn places(recent: &[PathBuf]) -> Vec<Place> {
    let mut places: Vec<Place> = Vec::new();
    let mut add = |label: String, path: PathBuf| {
        if path.is_dir() && !places.iter().any(|p| p.path == path) {
            places.push(Place { label, path });
        }
    };
    // Where the program was started first: it opens there when nothing was chosen before.
    if let Ok(here) = std::env::current_dir() {
        add("Started in".into(), here);
    }
    if let Some(home) = home_dir() {
        add("Home".into(), home);
    }
    for file in recent {
        if let Some(folder) = file.parent() {
            let label = folder
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| folder.display().to_string());
            add(format!("Recent: {label}"), folder.to_path_buf());
        }
    }
    add("Computer".into(), PathBuf::from("/"));
    places
}

pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

/// A typed name or path as a path: `~` is the home folder; a relative path is in `dir`.
pub fn resolve(typed: &str, dir: &Path) -> PathBuf {
    let typed = typed.trim_matches('"');
    if typed == "~" {
        return home_dir().unwrap_or_else(|| dir.to_path_buf());
    }
    if let Some(rest) = typed.strip_prefix("~/")
        && let Some(home) = home_dir()
    {
        return home.join(rest);
    }
    dir.join(typed)
}

/// Read `dir`: folders and the files `filter` takes; hidden ones (a leading dot) only
/// when asked. A folder that cannot be read says why.
pub fn list(dir: &Path, show_hidden: bool, filter: Filter) -> Result<Listing, String> {
    let read =
        std::fs::read_dir(dir).map_err(|e| format!("{} cannot be read: {e}", dir.display()))?;
    // Names and kinds first (the folder read gives both without a look at each file),
    // in order; the details only of the entries shown.
    let mut found: Vec<(bool, String, PathBuf)> = Vec::new();
    for item in read.flatten() {
        let name = item.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && !show_hidden {
            continue;
        }
        let path = item.path();
        let is_dir = match item.file_type() {
            // Follow links: a link to a folder is entered like a folder.
            Ok(kind) if kind.is_symlink() => path.is_dir(),
            Ok(kind) => kind.is_dir(),
            Err(_) => false,
        };
        if is_dir || filter.takes(&name) {
            found.push((is_dir, name, path));
        }
    }
    // Folders first, then names without regard to case; each name lowered once, not at
    // every comparison.
    found.sort_by_cached_key(|(is_dir, name, _)| (!is_dir, name.to_lowercase(), name.clone()));
    let left_out = found.len().saturating_sub(MAX_ENTRIES);
    found.truncate(MAX_ENTRIES);
    let entries = found
        .into_iter()
        .map(|(is_dir, name, path)| {
            let metadata = std::fs::metadata(&path).ok();
            Entry {
                size: metadata.as_ref().filter(|m| m.is_file()).map(|m| m.len()),
                modified: metadata
                    .and_then(|m| m.modified().ok())
                    .map(chrono::DateTime::<chrono::Local>::from),
                name,
                path,
                is_dir,
            }
        })
        .collect();
    Ok(Listing { entries, left_out })
}

#[cfg(test)]
mod tests {
    use super::*;
    use compound_atlas_core::model::FileKind;

    fn folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.csv", "A.csv", "notes.txt", "image.png", ".hidden.csv"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        std::fs::create_dir(dir.path().join("zeta")).unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        dir
    }

    fn names(chooser: &FileChooser) -> Vec<String> {
        let listing = chooser.listing().unwrap();
        listing.entries.iter().map(|e| e.name.clone()).collect()
    }

    #[test]
    fn folders_come_first_then_names_the_filter_takes_without_hidden_ones() {
        let dir = folder();
        let reports = FileRequest::Import(FileKind::Reports);
        let mut chooser = FileChooser::new(reports, Some(dir.path().into()), &[]);
        assert_eq!(names(&chooser), ["zeta", "A.csv", "b.csv", "notes.txt"]);
        chooser.set_show_hidden(true);
        assert_eq!(
            names(&chooser),
            [".git", "zeta", ".hidden.csv", "A.csv", "b.csv", "notes.txt"]
        );
        let all = chooser.filters().len() - 1;
        chooser.set_show_hidden(false);
        chooser.set_filter(all);
        assert_eq!(
            names(&chooser),
            ["zeta", "A.csv", "b.csv", "image.png", "notes.txt"]
        );
    }

    #[test]
    fn several_files_are_chosen_with_ctrl_and_a_folder_opens_on_enter() {
        let dir = folder();
        let reports = FileRequest::Import(FileKind::Reports);
        let mut chooser = FileChooser::new(reports, Some(dir.path().into()), &[]);
        chooser.click(1, false);
        chooser.click(2, true);
        assert_eq!(chooser.name, "\"A.csv\" \"b.csv\"");
        let root = std::fs::canonicalize(dir.path()).unwrap();
        assert_eq!(
            chooser.accept(),
            Some(Outcome::Chosen(vec![
                root.join("A.csv"),
                root.join("b.csv")
            ]))
        );
        chooser.name = "zeta".into();
        assert_eq!(chooser.accept(), None);
        assert_eq!(chooser.dir(), root.join("zeta"));
        chooser.name = "../missing.csv".into();
        assert_eq!(chooser.accept(), None);
        assert!(
            chooser
                .problem()
                .unwrap()
                .contains("is not a file that exists")
        );
    }

    #[test]
    fn a_save_gets_its_ending_and_asks_before_replacing() {
        let dir = folder();
        std::fs::write(dir.path().join("old.case"), "x").unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let mut chooser = FileChooser::new(FileRequest::SaveCaseAs, Some(root.clone()), &[]);
        assert_eq!(chooser.name, "investigation.case");
        chooser.name = "new".into();
        assert_eq!(
            chooser.accept(),
            Some(Outcome::Chosen(vec![root.join("new.case")]))
        );
        chooser.name = "old".into();
        assert_eq!(chooser.accept(), None);
        assert_eq!(chooser.replacing(), Some(root.join("old.case").as_path()));
        assert_eq!(
            chooser.agree_to_replace(),
            Some(Outcome::Chosen(vec![root.join("old.case")]))
        );
    }

    #[test]
    fn an_evidence_folder_must_be_new_and_its_parent_must_exist() {
        let dir = folder();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let mut chooser = FileChooser::new(FileRequest::ExportFolder, Some(root.clone()), &[]);
        chooser.name = "zeta".into();
        assert_eq!(chooser.accept(), None);
        assert!(chooser.problem().unwrap().contains("already exists"));
        chooser.name = "nowhere/set".into();
        assert_eq!(chooser.accept(), None);
        assert!(chooser.problem().unwrap().contains("does not exist"));
        chooser.name = "set".into();
        assert_eq!(
            chooser.accept(),
            Some(Outcome::Chosen(vec![root.join("set")]))
        );
    }

    #[test]
    fn typed_paths_resolve_against_home_and_the_folder_shown() {
        let dir = Path::new("/data/tips");
        assert_eq!(resolve("a.csv", dir), dir.join("a.csv"));
        assert_eq!(resolve("/etc/x", dir), PathBuf::from("/etc/x"));
        if let Some(home) = home_dir() {
            assert_eq!(resolve("~/x.csv", dir), home.join("x.csv"));
        }
    }

    #[test]
    fn an_unreadable_folder_says_why() {
        let err = list(Path::new("/no/such/folder"), false, Filter::ALL).unwrap_err();
        assert!(err.contains("/no/such/folder cannot be read"), "{err}");
    }
}
