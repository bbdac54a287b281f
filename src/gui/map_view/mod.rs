//! The map tab: the offline basemap (walkers with [`BasemapTiles`]), the locations as
//! markers sized by reports under the current filter, hover details, click selection,
//! zoom and fit controls, a scale bar, the pointer's coordinates and the optional
//! layers (the user's own PMTiles file, online OpenStreetMap after an explicit opt-in).

mod overlay;
mod toolbar;

use super::basemap_tiles::BasemapTiles;
use super::theme;
use super::workspace::{Intent, Workspace};
use crate::gui::file_dialogs::FileRequest;
use compound_atlas_core::analysis::LocationStats;
use compound_atlas_core::analysis::filter::FilteredView;
use compound_atlas_core::map::basemap::projection::{self, MAX_ZOOM, MIN_ZOOM};
use compound_atlas_core::map::basemap::render::{Style, View};
use compound_atlas_core::map::image::{self, DrawnCluster, LabelKind, Scene, SceneInput};
use compound_atlas_core::map::markers::{self, Marker, MarkerStrength};
use compound_atlas_core::map::outlines;
use compound_atlas_core::values::text::thousands;
use compound_atlas_core::values::time::format_time;
use egui::{Align2, Color32, FontId, Pos2, Rect, RichText, Stroke, Ui, pos2, vec2};
use overlay::*;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use walkers::{HttpTiles, Map, MapMemory, PmTiles, lon_lat};

/// What the map draws from, rebuilt when the filtered data changes.
struct MarkerData {
    for_view: Arc<FilteredView>,
    markers: Vec<Marker>,
    /// The dataset the markers are of (their locations' outlines).
    dataset: Arc<compound_atlas_core::model::Dataset>,
    names: Vec<String>,
    observations: Vec<u32>,
    /// Locations' outlines in world units, with their marker's strength.
    outlines: Vec<overlay::WorldOutline>,
}

/// A request from the map's controls, carried out after the map is drawn.
enum Action {
    Fit([f64; 4]),
    SavePng,
}

pub struct MapView {
    pub memory: MapMemory,
    tiles: Option<BasemapTiles>,
    /// The user's raster tile package, drawn over the basemap.
    user_tiles: Option<(PathBuf, PmTiles)>,
    /// Online OpenStreetMap tiles: created only after the opt-in and while switched on.
    online: Option<HttpTiles>,
    /// The user has agreed that tile requests reveal the area viewed (remembered).
    pub online_opt_in: bool,
    pub show_online: bool,
    pub show_towns: bool,
    asking_online: bool,
    data: Option<MarkerData>,
    /// The dataset the view was last fitted to, so new data is framed once.
    fitted_to: Option<usize>,
    /// The view, screen area and scene as last drawn (for "Save as PNG" and tests).
    last_view: Option<View>,
    last_drawn: Option<(Rect, Scene)>,
    /// The pointer's (lon, lat) over the map.
    pub pointer: Option<(f64, f64)>,
    /// Time to lay out and draw the markers in the last frame, in milliseconds.
    pub overlay_millis: f64,
    pub notice: Option<String>,
    /// The user asked for the Links tab of the selection (the window switches tabs).
    pub open_links: bool,
    /// The tile package to open and where to save the map, asked of the user.
    pub(crate) files: crate::gui::file_dialogs::ViewFiles,
}

impl MapView {
    /// The map's centre and zoom (longitude, latitude, zoom), once it has been drawn.
    pub fn area(&self) -> Option<[f64; 3]> {
        // JSON has no NaN: one saved would make the case's state unreadable.
        self.memory
            .detached()
            .map(|centre| [centre.x(), centre.y(), self.memory.zoom()])
            .filter(|area| area.iter().all(|v| v.is_finite()))
    }

    /// Show this area of `dataset`'s map (a case reopened), instead of framing its data.
    pub fn show_area(
        &mut self,
        [lon, lat, zoom]: [f64; 3],
        dataset: &Arc<compound_atlas_core::model::Dataset>,
    ) {
        self.memory.center_at(lon_lat(lon, lat));
        let _ = self.memory.set_zoom(zoom);
        clamp_zoom(&mut self.memory);
        self.fitted_to = Some(Arc::as_ptr(dataset) as usize);
    }
}

impl Default for MapView {
    fn default() -> Self {
        let mut memory = MapMemory::default();
        let _ = memory.set_zoom(5.0);
        MapView {
            memory,
            tiles: None,
            user_tiles: None,
            online: None,
            online_opt_in: false,
            show_online: false,
            show_towns: true,
            asking_online: false,
            data: None,
            fitted_to: None,
            last_view: None,
            last_drawn: None,
            pointer: None,
            overlay_millis: 0.0,
            notice: None,
            open_links: false,
            files: Default::default(),
        }
    }
}

/// Where the map starts before any data frames it: the Thai–Myanmar border.
const START: (f64, f64) = (98.54, 16.7);

impl MapView {
    /// Whether basemap tiles are still rendering.
    pub fn is_rendering(&self) -> bool {
        self.tiles.as_ref().is_some_and(BasemapTiles::is_busy)
    }

    /// Where the marker (or cluster) holding a location was last drawn on screen, and
    /// how many locations it holds.
    pub fn marker_on_screen(&self, location: u32) -> Option<(Pos2, usize)> {
        let (rect, scene) = self.last_drawn.as_ref()?;
        let markers = &self.data.as_ref()?.markers;
        scene.clusters.iter().find_map(|c| {
            c.cluster
                .members
                .iter()
                .any(|&m| markers[m].location == location)
                .then(|| {
                    let at = rect.min + vec2(c.cluster.at.0 as f32, c.cluster.at.1 as f32);
                    (at, c.cluster.members.len())
                })
        })
    }

    fn refresh_data(&mut self, workspace: &Workspace) {
        let stale = self
            .data
            .as_ref()
            .is_none_or(|d| !Arc::ptr_eq(&d.for_view, &workspace.unselected));
        if stale {
            let dataset = &workspace.dataset;
            let mut observations = vec![0u32; dataset.locations.len()];
            for observation in &dataset.observations {
                if let Some(n) = observations.get_mut(observation.location as usize) {
                    *n += 1;
                }
            }
            let markers_now = markers::markers(dataset, &workspace.unselected.summary.locations);
            self.data = Some(MarkerData {
                for_view: Arc::clone(&workspace.unselected),
                markers: markers_now.clone(),
                dataset: Arc::clone(dataset),
                names: dataset.locations.iter().map(|l| l.name.clone()).collect(),
                observations,
                outlines: overlay::world_outlines(dataset, &markers_now),
            });
        }
    }

    pub fn ui(
        &mut self,
        ui: &mut Ui,
        workspace: &Workspace,
        dark: bool,
        intents: &mut Vec<Intent>,
    ) {
        self.refresh_data(workspace);
        let answer = self.files.take_answer();
        if let Some((FileRequest::TileFile, path)) = &answer {
            let tiles = PmTiles::new(path, ui.ctx().clone());
            self.user_tiles = Some((path.clone(), tiles));
        }
        let mut action = None;
        let selected = selected_markers(self.data.as_ref().expect("refreshed above"), workspace);
        self.toolbar(ui, &selected, &mut action);
        if self.asking_online {
            self.online_question(ui);
        }
        let style = Style::for_theme(dark);
        self.prepare_layers(ui.ctx(), style);
        self.frame_new_data(workspace, ui.available_size());
        let data = self.data.as_ref().expect("refreshed above");
        let tiles = self.tiles.as_mut().expect("prepared above");

        let mut map = Map::new(
            Some(tiles as &mut dyn walkers::Tiles),
            &mut self.memory,
            lon_lat(START.0, START.1),
        )
        .zoom_with_ctrl(false);
        if let Some((_, user)) = &mut self.user_tiles {
            map = map.with_layer(user, 1.0);
        }
        if let Some(online) = &mut self.online {
            map = map.with_layer(online, 1.0);
        }
        let show_towns = self.show_towns;
        let mut drawn: Option<(View, Scene, Option<Pos2>)> = None;
        let response = map.show(ui, |ui, response, projector, _memory| {
            let rect = response.rect;
            let centre = projector.unproject(rect.center().to_vec2());
            let view = View::centred(
                centre.x(),
                centre.y(),
                projector.zoom(),
                rect.width().round() as u32,
                rect.height().round() as u32,
            );
            let started = std::time::Instant::now();
            let input = SceneInput {
                markers: &data.markers,
                locations: &data.dataset.locations,
                names: &data.names,
                selected: &selected,
                show_towns,
            };
            let scene = image::plan_around(&view, &input, overlay::legend_area(rect));
            let hovered = response.hover_pos();
            overlay::paint_outlines(ui, rect, &view, &data.outlines);
            paint_scene(ui, rect, &scene, style);
            drawn = Some((view, scene, hovered));
            started.elapsed().as_secs_f64() * 1000.0
        });
        let map_rect = response.response.rect;
        self.overlay_millis = response.inner;
        let Some((view, scene, hovered)) = drawn else {
            return;
        };
        self.last_view = Some(view);
        self.pointer = hovered.map(|p| lon_lat_at(&view, map_rect, p));
        let under = hovered.and_then(|p| cluster_at(&scene, map_rect, p));
        if let Some(cluster) = under {
            let response = response.response.clone().on_hover_ui_at_pointer(|ui| {
                hover_details(ui, cluster, data, workspace);
            });
            if response.clicked() {
                let modifiers = click_modifiers(ui);
                let ctrl = modifiers.command || modifiers.ctrl;
                self.click_cluster(cluster, data, workspace, ctrl, intents, &mut action);
            }
        } else if response.response.clicked() && !workspace.selection.is_empty() {
            intents.push(Intent::ClearSelection);
        }
        self.overlays(ui, map_rect, &view, style);
        let resized =
            matches!(&self.last_drawn, Some((before, _)) if before.size() != map_rect.size());
        if resized && action.is_none() {
            // After a resize, a selection that left the view is brought back into it.
            let data = self.data.as_ref().expect("refreshed above");
            let chosen = || {
                data.markers
                    .iter()
                    .filter(|m| selected.contains(&m.location))
            };
            let (width, height) = (f64::from(view.width), f64::from(view.height));
            let out_of_view = chosen().any(|m| {
                let (x, y) = view.lon_lat_to_pixel(m.lon, m.lat);
                !(0.0..width).contains(&x) || !(0.0..height).contains(&y)
            });
            if out_of_view {
                action = markers::bounds(chosen()).map(Action::Fit);
            }
        }
        self.last_drawn = Some((map_rect, scene));
        match action {
            Some(Action::Fit(bbox)) => fit(&mut self.memory, bbox, map_rect.size()),
            Some(Action::SavePng) => self.files.ask(FileRequest::MapPng),
            None => {}
        }
        if let Some((FileRequest::MapPng, path)) = answer {
            self.save_png(workspace, &selected, style, path);
        }
    }

    /// The basemap's tile source in the theme's style, and the online layer only while
    /// the user has it on (after agreeing to it).
    fn prepare_layers(&mut self, ctx: &egui::Context, style: Style) {
        let tiles = self
            .tiles
            .get_or_insert_with(|| BasemapTiles::new(ctx.clone(), style));
        tiles.set_style(style);
        if !self.show_online {
            self.online = None;
        } else if self.online_opt_in && self.online.is_none() {
            self.online = Some(HttpTiles::new(walkers::sources::OpenStreetMap, ctx.clone()));
        }
    }

    /// A new dataset is framed once; after that the view is the user's.
    fn frame_new_data(&mut self, workspace: &Workspace, size: egui::Vec2) {
        let data = self.data.as_ref().expect("refreshed before");
        let dataset_key = Arc::as_ptr(&workspace.dataset) as usize;
        if self.fitted_to != Some(dataset_key)
            && let Some(bbox) = markers::framing_bounds(&data.markers, &data.dataset.locations)
        {
            fit(&mut self.memory, bbox, size);
            self.fitted_to = Some(dataset_key);
        }
        clamp_zoom(&mut self.memory);
    }

    fn click_cluster(
        &self,
        cluster: &DrawnCluster,
        data: &MarkerData,
        workspace: &Workspace,
        ctrl: bool,
        intents: &mut Vec<Intent>,
        action: &mut Option<Action>,
    ) {
        let members: Vec<&Marker> = cluster
            .cluster
            .members
            .iter()
            .map(|&m| &data.markers[m])
            .collect();
        let id_of = |m: &Marker| workspace.dataset.locations[m.location as usize].id.clone();
        let bbox = markers::bounds(members.iter().copied()).expect("a cluster has members");
        let spread = bbox[2] > bbox[0] || bbox[3] > bbox[1];
        if members.len() > 1 && spread && self.memory.zoom() < MAX_ZOOM - 0.5 {
            // A cluster opens up: zoom to its members.
            *action = Some(Action::Fit(bbox));
        } else if members.len() == 1 {
            intents.push(Intent::ToggleLocation {
                id: id_of(members[0]),
                add_to_selection: ctrl,
            });
        } else {
            // Markers at one spot: select them all.
            let mut ids: BTreeSet<String> = members.iter().map(|m| id_of(m)).collect();
            if ctrl {
                ids.extend(workspace.selection.iter().cloned());
            }
            intents.push(Intent::SelectLocations(ids));
        }
    }

    fn overlays(&self, ui: &Ui, map_rect: Rect, view: &View, style: Style) {
        let painter = ui.painter().with_clip_rect(map_rect);
        let (text, _, halo) = image::text_colours(&style);
        let ink = Ink {
            text: rgb(text),
            panel: rgb(halo).gamma_multiply(0.85),
        };
        legend(&painter, map_rect, ink, &style);
        scale_bar(&painter, map_rect, view, ink);
        self.pointer_and_credits(&painter, map_rect, view, ink);
        let text = ink.text;
        if let Some(tiles) = &self.tiles
            && tiles.is_busy()
        {
            painter.text(
                map_rect.right_top() + vec2(-10.0, 10.0),
                Align2::RIGHT_TOP,
                "Drawing map…",
                FontId::proportional(12.0),
                text,
            );
        }
    }

    /// The pointer's position and the zoom, and the data's attribution, bottom right.
    fn pointer_and_credits(&self, painter: &egui::Painter, map_rect: Rect, view: &View, ink: Ink) {
        let Ink { text, panel } = ink;
        let mut lines = Vec::new();
        if let Some((lon, lat)) = self.pointer {
            lines.push(format!(
                "{:.5}°{}  {:.5}°{}   zoom {:.1}",
                lat.abs(),
                if lat >= 0.0 { "N" } else { "S" },
                lon.abs(),
                if lon >= 0.0 { "E" } else { "W" },
                view.zoom
            ));
        } else {
            lines.push(format!("zoom {:.1}", view.zoom));
        }
        let mut credit = image::ATTRIBUTION.to_string();
        if self.online.is_some() {
            credit.push_str("; © OpenStreetMap contributors");
        }
        if let Some((path, _)) = &self.user_tiles {
            credit.push_str(&format!(
                "; tiles: {}",
                path.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            ));
        }
        lines.push(credit);
        let mut y = map_rect.max.y - 4.0;
        for line in lines.iter().rev() {
            let galley = painter.layout_no_wrap(line.clone(), FontId::proportional(11.0), text);
            let at = pos2(map_rect.max.x - galley.size().x - 8.0, y - galley.size().y);
            painter.rect_filled(
                Rect::from_min_size(at - vec2(4.0, 1.0), galley.size() + vec2(8.0, 2.0)),
                2.0,
                panel,
            );
            painter.galley(at, galley, text);
            y -= 17.0;
        }
    }

    fn save_png(
        &mut self,
        workspace: &Workspace,
        selected: &BTreeSet<u32>,
        style: Style,
        path: PathBuf,
    ) {
        let (Some(view), Some(data)) = (self.last_view, &self.data) else {
            return;
        };
        let input = SceneInput {
            markers: &data.markers,
            locations: &data.dataset.locations,
            names: &data.names,
            selected,
            show_towns: self.show_towns,
        };
        let image = image::render(&view, &style, &input);
        self.notice = Some(match image::save_png(&image, &path) {
            Ok(()) => format!("Saved {} ({})", path.display(), workspace.filter.describe()),
            Err(e) => format!("Could not save {}: {e}", path.display()),
        });
    }
}

fn rgb([r, g, b]: [u8; 3]) -> Color32 {
    Color32::from_rgb(r, g, b)
}

/// Keep the zoom where the basemap has data.
fn clamp_zoom(memory: &mut MapMemory) {
    let zoom = memory.zoom();
    if !(MIN_ZOOM..=MAX_ZOOM).contains(&zoom) {
        let _ = memory.set_zoom(zoom.clamp(MIN_ZOOM, MAX_ZOOM));
    }
}

/// Centre and zoom the map so that `bbox` (west, south, east, north) fills the view.
fn fit(memory: &mut MapMemory, bbox: [f64; 4], size: egui::Vec2) {
    let ((lon, lat), zoom) =
        projection::fit_bounds(bbox, f64::from(size.x), f64::from(size.y), 60.0, 14.0);
    memory.center_at(lon_lat(lon, lat));
    let _ = memory.set_zoom(zoom);
}

/// The cluster under the pointer: the top-most, which is drawn last.
fn cluster_at(scene: &Scene, map_rect: Rect, pointer: Pos2) -> Option<&DrawnCluster> {
    scene.clusters.iter().rev().find(|c| {
        let at = map_rect.min + vec2(c.cluster.at.0 as f32, c.cluster.at.1 as f32);
        at.distance(pointer) <= c.radius.max(6.0)
    })
}

/// The markers of the locations selected in the workspace.
fn selected_markers(data: &MarkerData, workspace: &Workspace) -> BTreeSet<u32> {
    data.markers
        .iter()
        .filter(|m| {
            workspace
                .selection
                .contains(&workspace.dataset.locations[m.location as usize].id)
        })
        .map(|m| m.location)
        .collect()
}

/// The longitude and latitude under a point of the map.
fn lon_lat_at(view: &View, map_rect: egui::Rect, p: Pos2) -> (f64, f64) {
    let world = (
        view.left + f64::from(p.x - map_rect.min.x) / view.scale(),
        view.top + f64::from(p.y - map_rect.min.y) / view.scale(),
    );
    projection::from_world(world.0, world.1)
}

/// The modifiers held at the click itself, even if released in the same frame.
fn click_modifiers(ui: &Ui) -> egui::Modifiers {
    ui.input(|i| {
        i.events
            .iter()
            .find_map(|e| match e {
                egui::Event::PointerButton { modifiers, .. } => Some(*modifiers),
                _ => None,
            })
            .unwrap_or(i.modifiers)
    })
}
