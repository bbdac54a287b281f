//! The offline basemap as a walkers tile source. Tiles are rasterised by the library on
//! worker threads, newest request first, and kept as textures; until a tile is ready
//! the nearest rendered ancestor is shown, scaled up.

use compound_atlas_core::map::basemap::render::{Basemap, Style};
use egui::{ColorImage, Context, Rect, TextureHandle, TextureOptions, pos2};
use std::collections::{HashMap, HashSet};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};
use walkers::sources::Attribution;
use walkers::{Tile, TileId, TilePiece, Tiles};

/// Textures kept (256 KiB each); a 1400×900 view needs about 40 tiles, so this holds
/// several zooms of it in about 75 MiB.
const CACHE_TILES: usize = 300;
/// Requests older than this many are dropped: the view has moved on.
const QUEUE_LIMIT: usize = 96;

/// Work shared with the render threads.
struct Queue {
    /// Newest last; workers take from the end.
    wanted: Vec<(TileId, Style)>,
    stop: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

/// A rendered tile on its way back to the UI thread.
struct Rendered {
    id: TileId,
    style: Style,
    image: ColorImage,
}

pub struct BasemapTiles {
    ctx: Context,
    style: Style,
    textures: HashMap<TileId, (TextureHandle, u64)>,
    pending: HashSet<TileId>,
    shared: Arc<Shared>,
    results: Receiver<Rendered>,
    /// Counts `at` calls, to evict the least recently used textures.
    clock: u64,
}

impl BasemapTiles {
    pub fn new(ctx: Context, style: Style) -> BasemapTiles {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                wanted: Vec::new(),
                stop: false,
            }),
            ready: Condvar::new(),
        });
        let (sender, results) = channel();
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 3));
        for _ in 0..workers {
            let shared = Arc::clone(&shared);
            let sender = sender.clone();
            let ctx = ctx.clone();
            std::thread::Builder::new()
                .name("basemap tiles".into())
                .spawn(move || render_loop(&shared, &sender, &ctx))
                .expect("a thread can be started");
        }
        BasemapTiles {
            ctx,
            style,
            textures: HashMap::new(),
            pending: HashSet::new(),
            shared,
            results,
            clock: 0,
        }
    }

    /// Switch style (light or dark); tiles of the old style are dropped.
    pub fn set_style(&mut self, style: Style) {
        if style != self.style {
            self.style = style;
            self.textures.clear();
            self.pending.clear();
            self.shared.queue.lock().expect("queue lock").wanted.clear();
        }
    }

    /// Whether tiles are still being rendered.
    pub fn is_busy(&self) -> bool {
        !self.pending.is_empty()
    }

    fn receive(&mut self) {
        while let Ok(rendered) = self.results.try_recv() {
            self.pending.remove(&rendered.id);
            if rendered.style != self.style {
                continue;
            }
            let name = format!(
                "basemap {}/{}/{}",
                rendered.id.zoom, rendered.id.x, rendered.id.y
            );
            let texture = self
                .ctx
                .load_texture(name, rendered.image, TextureOptions::LINEAR);
            self.textures.insert(rendered.id, (texture, self.clock));
        }
        if self.textures.len() > CACHE_TILES {
            let mut by_age: Vec<(u64, TileId)> =
                self.textures.iter().map(|(id, (_, t))| (*t, *id)).collect();
            by_age.sort_unstable_by_key(|(t, _)| *t);
            for (_, id) in by_age.into_iter().take(CACHE_TILES / 4) {
                self.textures.remove(&id);
            }
        }
    }

    fn request(&mut self, id: TileId) {
        if self.pending.insert(id) {
            let mut queue = self.shared.queue.lock().expect("queue lock");
            queue.wanted.push((id, self.style));
            if queue.wanted.len() > QUEUE_LIMIT {
                let stale: Vec<TileId> = queue
                    .wanted
                    .drain(..QUEUE_LIMIT / 2)
                    .map(|(id, _)| id)
                    .collect();
                for id in stale {
                    self.pending.remove(&id);
                }
            }
            self.shared.ready.notify_one();
        }
    }
}

impl Drop for BasemapTiles {
    fn drop(&mut self) {
        self.shared.queue.lock().expect("queue lock").stop = true;
        self.shared.ready.notify_all();
    }
}

fn render_loop(shared: &Shared, sender: &Sender<Rendered>, ctx: &Context) {
    loop {
        let (id, style) = {
            let mut queue = shared.queue.lock().expect("queue lock");
            loop {
                if queue.stop {
                    return;
                }
                if let Some(job) = queue.wanted.pop() {
                    break job;
                }
                queue = shared.ready.wait(queue).expect("queue lock");
            }
        };
        // A tile that fails to draw must not take its worker down with it: it shows as
        // plain water, and the others go on.
        let drawn = std::panic::catch_unwind(|| {
            Basemap::bundled().render_tile(id.zoom, id.x, id.y, &style)
        });
        let image = match drawn {
            Ok(pixmap) => ColorImage::from_rgba_premultiplied(
                [pixmap.width() as usize, pixmap.height() as usize],
                pixmap.data(),
            ),
            Err(_) => {
                let [r, g, b] = style.water;
                ColorImage::new(
                    [256, 256],
                    vec![egui::Color32::from_rgb(r, g, b); 256 * 256],
                )
            }
        };
        if sender.send(Rendered { id, style, image }).is_err() {
            return;
        }
        ctx.request_repaint();
    }
}

impl Tiles for BasemapTiles {
    fn at(&mut self, id: TileId) -> Option<TilePiece> {
        self.receive();
        self.clock += 1;
        let full = Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0));
        if let Some((texture, used)) = self.textures.get_mut(&id) {
            *used = self.clock;
            return Some(TilePiece::new(Tile::Raster(texture.clone()), full));
        }
        self.request(id);
        // Meanwhile, the part of the nearest rendered ancestor that covers this tile.
        for up in 1..=id.zoom {
            let parent = TileId {
                x: id.x >> up,
                y: id.y >> up,
                zoom: id.zoom - up,
            };
            if let Some((texture, _)) = self.textures.get(&parent) {
                let uv = ancestor_uv(id, up);
                return Some(TilePiece::new(Tile::Raster(texture.clone()), uv));
            }
        }
        None
    }

    fn attribution(&self) -> Attribution {
        Attribution {
            text: compound_atlas_core::map::image::ATTRIBUTION,
            url: "",
            logo_light: None,
            logo_dark: None,
        }
    }

    fn tile_size(&self) -> u32 {
        256
    }
}

/// The part (in uv units) of the ancestor `up` zooms above `id` that `id` covers.
fn ancestor_uv(id: TileId, up: u8) -> Rect {
    let part = 0.5f32.powi(i32::from(up));
    let (dx, dy) = (id.x - ((id.x >> up) << up), id.y - ((id.y >> up) << up));
    let min = pos2(dx as f32 * part, dy as f32 * part);
    Rect::from_min_max(min, min + egui::vec2(part, part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tile_takes_its_quarter_of_the_parent_and_its_sixteenth_of_the_grandparent() {
        let id = TileId {
            x: 3168,
            y: 1855,
            zoom: 12,
        };
        let uv = ancestor_uv(id, 1);
        // 3168 is even (left half), 1855 odd (bottom half).
        assert_eq!(uv, Rect::from_min_max(pos2(0.0, 0.5), pos2(0.5, 1.0)));
        let uv = ancestor_uv(id, 2);
        // 3168 % 4 = 0, 1855 % 4 = 3.
        assert_eq!(uv, Rect::from_min_max(pos2(0.0, 0.75), pos2(0.25, 1.0)));
    }
}
