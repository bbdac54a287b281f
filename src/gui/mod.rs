//! The desktop workbench: a thin egui shell over the core library. It parses nothing and
//! matches nothing itself; [`workspace::Workspace`] holds the state and calls the library,
//! on background threads for anything long, and views change it only through
//! [`workspace::Intent`]s.
//!
//! [`app`] is the window and its frame; [`menu`], [`closing`] and [`dialogs`] its menus,
//! closing and windows; the views are [`headline`], [`side_panel`], [`map_view`],
//! [`tables_view`], [`timeline_view`], [`leads_view`], [`links_view`], [`report_window`], [`import_preview`],
//! [`case_panel`] and [`info_windows`]; [`tabs`] lists the central tabs and [`theme`]
//! holds the colours.

mod app;
mod asking;
pub(crate) mod background;
mod basemap_tiles;
pub mod case_panel;
mod closing;
mod dialogs;
pub mod file_chooser;
pub mod file_dialogs;
mod headline;
mod import_locations;
mod import_preview;
mod import_sample;
mod info_windows;
pub mod leads_view;
pub mod links_view;
pub mod map_view;
mod menu;
mod report_window;
mod side_panel;
pub mod tables_view;
pub mod tabs;
pub mod theme;
pub mod timeline_view;
pub mod workspace;

pub use app::WorkbenchApp;
pub use closing::Unsaved;
pub use tabs::CentralTab;

use compound_atlas_core::model::FileKind;
use compound_atlas_core::pipeline::Inputs;
use std::path::PathBuf;
use workspace::{Intent, Params, Workspace, embedded_inputs};

const STORAGE_KEY: &str = "compound-atlas";

/// What is remembered between runs.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Remembered {
    pub(crate) params: Params,
    pub(crate) dark: bool,
    pub(crate) recent: Vec<(FileKind, PathBuf)>,
    /// The user agreed to online map tiles (see the map's Layers menu).
    #[serde(default)]
    pub(crate) online_tiles_opt_in: bool,
    #[serde(default)]
    pub(crate) recent_cases: Vec<PathBuf>,
    /// The analyst's name, for the audit log of every case.
    #[serde(default)]
    pub(crate) analyst: String,
    /// Always use the built-in file chooser, even where the desktop has a dialog.
    #[serde(default)]
    pub(crate) built_in_chooser: bool,
    /// The folder the built-in chooser was last in.
    #[serde(default)]
    pub(crate) chooser_dir: Option<PathBuf>,
    /// The columns hidden in each table, by table ("reports") and column title.
    #[serde(default)]
    pub(crate) hidden_columns:
        std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
}

/// What the workbench opens with.
pub enum Startup {
    /// The built-in sample data and gazetteer.
    Sample,
    /// These files, read in the background.
    Files(Inputs),
    /// This case file, read in the background.
    Case(PathBuf),
}

pub(crate) fn apply_theme(ctx: &egui::Context, dark: bool) {
    ctx.set_theme(if dark {
        egui::ThemePreference::Dark
    } else {
        egui::ThemePreference::Light
    });
}

/// Open the workbench with what `startup` names.
pub fn run(startup: Startup) -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Compound Atlas")
            .with_inner_size([1400.0, 900.0]),
        ..Default::default()
    };
    eframe::run_native(
        "Compound Atlas",
        options,
        Box::new(move |creation| {
            let remembered: Remembered = creation
                .storage
                .and_then(|s| eframe::get_value(s, STORAGE_KEY))
                .unwrap_or_default();
            apply_theme(&creation.egui_ctx, remembered.dark);
            let params = if remembered.params.resolve().is_ok() {
                remembered.params
            } else {
                Params::default()
            };
            let mut workspace = match startup {
                Startup::Files(inputs) => Workspace::load_in_background(inputs, params),
                Startup::Case(path) => {
                    let mut workspace = Workspace::load_blocking(Inputs::default(), params)?;
                    // Before opening: the case's lock names who has it.
                    workspace.analyst = remembered.analyst.clone();
                    workspace.apply(Intent::OpenCase(path));
                    workspace
                }
                Startup::Sample => Workspace::load_blocking(embedded_inputs(), params.clone())
                    .or_else(|_| Workspace::load_blocking(embedded_inputs(), Params::default()))
                    .map_err(|e| format!("the built-in sample data could not be read: {e}"))?,
            };
            workspace.recent = remembered.recent;
            workspace.recent_cases = remembered.recent_cases;
            workspace.analyst = remembered.analyst;
            let mut app = WorkbenchApp::new(workspace);
            app.dark = remembered.dark;
            app.map.online_opt_in = remembered.online_tiles_opt_in;
            app.built_in_chooser = remembered.built_in_chooser;
            app.chooser_dir = remembered.chooser_dir;
            app.set_hidden_columns(remembered.hidden_columns);
            Ok(Box::new(app))
        }),
    )
}
