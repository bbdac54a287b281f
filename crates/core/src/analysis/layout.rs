//! A force-directed layout (Fruchterman and Reingold, 1991) for the link chart: edges
//! pull their ends together, nearby nodes push apart, a weak pull to the centre keeps
//! separate groups close, and the step shrinks each round until nothing moves.
//!
//! Repulsion is counted only between nodes in neighbouring cells of a grid as wide as
//! the reach of the force (Fruchterman and Reingold's own speed-up), so that a round
//! costs time in proportion to the nodes, not their square: 5,000 nodes settle well
//! within two seconds. The start is a disc of positions from a hash of each node's key,
//! so the same graph is always laid out the same way; nodes kept from an earlier layout
//! start where they were.

/// Where items were in an earlier layout, by key.
pub type Previous = std::collections::HashMap<u64, [f32; 2]>;

/// The ideal length of an edge, in layout units.
pub const EDGE_LENGTH: f32 = 1.0;

/// Repulsion reaches this many edge lengths.
const REACH: f32 = 3.0;

/// The pull towards the centre, relative to an edge's.
const GRAVITY: f32 = 0.02;

/// The step shrinks by this factor each round.
const COOLING: f32 = 0.96;

/// Rounds stop when the step falls below this (in edge lengths) or after `MAX_ROUNDS`.
const SETTLED_STEP: f32 = 0.004;
const MAX_ROUNDS: u32 = 400;

/// A layout under way.
#[derive(Debug, Clone)]
pub struct ForceLayout {
    positions: Vec<[f32; 2]>,
    /// How strongly each node pushes others away (large groups push harder).
    weights: Vec<f32>,
    edges: Vec<(u32, u32)>,
    step: f32,
    rounds: u32,
}

impl ForceLayout {
    /// Start a layout of `keys.len()` nodes joined by `edges` (indices into `keys`).
    /// A node whose key is in `previous` starts there; a new one next to a neighbour
    /// that has a place, or on the start disc.
    pub fn new(
        keys: &[u64],
        weights: Vec<f32>,
        edges: Vec<(u32, u32)>,
        previous: &Previous,
    ) -> ForceLayout {
        let radius = (keys.len() as f32).sqrt() * EDGE_LENGTH;
        let mut positions: Vec<Option<[f32; 2]>> =
            keys.iter().map(|k| previous.get(k).copied()).collect();
        let kept = positions.iter().filter(|p| p.is_some()).count();
        for &(a, b) in &edges {
            let (a, b) = (a as usize, b as usize);
            match (positions[a], positions[b]) {
                (Some(p), None) => positions[b] = Some(near(p, keys[b])),
                (None, Some(p)) => positions[a] = Some(near(p, keys[a])),
                _ => {}
            }
        }
        let positions = positions
            .into_iter()
            .zip(keys)
            .map(|(p, &k)| p.unwrap_or_else(|| on_disc(k, radius)))
            .collect();
        // A graph mostly placed before needs only a little settling.
        let fresh = 1.0 - kept as f32 / keys.len().max(1) as f32;
        ForceLayout {
            positions,
            weights,
            edges,
            step: (radius * 0.1 * fresh.max(0.1)).max(EDGE_LENGTH * 0.5),
            rounds: 0,
        }
    }

    pub fn positions(&self) -> &[[f32; 2]] {
        &self.positions
    }

    /// Whether the layout has stopped moving.
    pub fn settled(&self) -> bool {
        self.step < SETTLED_STEP * EDGE_LENGTH || self.rounds >= MAX_ROUNDS
    }

    /// How far the layout is, from 0 to 1.
    pub fn progress(&self) -> f32 {
        if self.settled() {
            1.0
        } else {
            self.rounds as f32 / MAX_ROUNDS as f32
        }
    }

    /// One round: every force once, each node moved at most the current step.
    pub fn round(&mut self) {
        if self.settled() {
            return;
        }
        let mut moves = self.repulsion();
        self.attraction(&mut moves);
        for (p, m) in self.positions.iter_mut().zip(&mut moves) {
            m[0] -= GRAVITY * p[0];
            m[1] -= GRAVITY * p[1];
            let length = (m[0] * m[0] + m[1] * m[1]).sqrt();
            if length > 0.0 && length.is_finite() {
                let scale = length.min(self.step) / length;
                p[0] += m[0] * scale;
                p[1] += m[1] * scale;
            }
        }
        self.step *= COOLING;
        self.rounds += 1;
    }

    /// Run rounds until settled or `stop` says so; returns whether it settled.
    pub fn run(&mut self, mut stop: impl FnMut(&ForceLayout) -> bool) -> bool {
        while !self.settled() {
            if stop(self) {
                return false;
            }
            self.round();
        }
        true
    }

    /// k² / d between nodes in neighbouring cells, scaled by the pushing node's weight;
    /// in parallel for large layouts.
    fn repulsion(&self) -> Vec<[f32; 2]> {
        let grid = Grid::of(&self.positions);
        let push_on = |i: usize| self.push_on(i, &grid);
        if self.positions.len() >= PARALLEL_FROM {
            use rayon::prelude::*;
            (0..self.positions.len())
                .into_par_iter()
                .map(push_on)
                .collect()
        } else {
            (0..self.positions.len()).map(push_on).collect()
        }
    }

    /// The push on node `i` from the nodes in its own and the eight neighbouring cells.
    fn push_on(&self, i: usize, grid: &Grid) -> [f32; 2] {
        let reach2 = (REACH * EDGE_LENGTH).powi(2);
        let k2 = EDGE_LENGTH * EDGE_LENGTH;
        let p = self.positions[i];
        let (cx, cy) = grid.cell_of(p);
        let mut push = [0.0f32; 2];
        for y in cy.saturating_sub(1)..=(cy + 1).min(grid.rows - 1) {
            for x in cx.saturating_sub(1)..=(cx + 1).min(grid.cols - 1) {
                for &j in grid.nodes_in(x, y) {
                    let j = j as usize;
                    if j == i {
                        continue;
                    }
                    let q = self.positions[j];
                    let (mut dx, mut dy) = (p[0] - q[0], p[1] - q[1]);
                    let mut d2 = dx * dx + dy * dy;
                    if d2 < 1e-6 {
                        // Two nodes on one spot: part them in a direction of their own.
                        (dx, dy) = part(i, j);
                        d2 = 1e-4;
                    }
                    if d2 > reach2 {
                        continue;
                    }
                    let force = k2 * self.weights[j] / d2;
                    push[0] += dx * force;
                    push[1] += dy * force;
                }
            }
        }
        push
    }

    /// d² / k along each edge, pulling both ends together.
    fn attraction(&self, moves: &mut [[f32; 2]]) {
        for &(a, b) in &self.edges {
            let (a, b) = (a as usize, b as usize);
            let (p, q) = (self.positions[a], self.positions[b]);
            let (dx, dy) = (p[0] - q[0], p[1] - q[1]);
            let d = (dx * dx + dy * dy).sqrt();
            let pull = d / EDGE_LENGTH;
            moves[a][0] -= dx * pull;
            moves[a][1] -= dy * pull;
            moves[b][0] += dx * pull;
            moves[b][1] += dy * pull;
        }
    }
}

/// Layouts of at least this many nodes compute repulsion on every core.
const PARALLEL_FROM: usize = 2_000;

/// The nodes sorted into square cells at least as wide as the reach of repulsion (a
/// counting sort: no hashing, one pass).
struct Grid {
    min: [f32; 2],
    cell: f32,
    cols: usize,
    rows: usize,
    /// Where each cell's nodes start in `order`; one more entry than cells.
    starts: Vec<u32>,
    order: Vec<u32>,
}

impl Grid {
    fn of(positions: &[[f32; 2]]) -> Grid {
        let (mut min, mut max) = ([f32::MAX; 2], [f32::MIN; 2]);
        for p in positions {
            for k in 0..2 {
                min[k] = min[k].min(p[k]);
                max[k] = max[k].max(p[k]);
            }
        }
        let span = [(max[0] - min[0]).max(0.0), (max[1] - min[1]).max(0.0)];
        // Wider cells when the nodes are spread thin, so the grid stays small.
        let most_cells = (4 * positions.len() + 16) as f32;
        let cell = (REACH * EDGE_LENGTH).max(((span[0] * span[1]) / most_cells).sqrt());
        let cols = (span[0] / cell) as usize + 1;
        let rows = (span[1] / cell) as usize + 1;
        let mut grid = Grid {
            min,
            cell,
            cols,
            rows,
            starts: vec![0; cols * rows + 1],
            order: vec![0; positions.len()],
        };
        let cells: Vec<usize> = positions
            .iter()
            .map(|&p| {
                let (x, y) = grid.cell_of(p);
                y * cols + x
            })
            .collect();
        for &c in &cells {
            grid.starts[c + 1] += 1;
        }
        for c in 0..cols * rows {
            grid.starts[c + 1] += grid.starts[c];
        }
        let mut next = grid.starts.clone();
        for (i, &c) in cells.iter().enumerate() {
            grid.order[next[c] as usize] = i as u32;
            next[c] += 1;
        }
        grid
    }

    fn cell_of(&self, p: [f32; 2]) -> (usize, usize) {
        let x = ((p[0] - self.min[0]) / self.cell) as usize;
        let y = ((p[1] - self.min[1]) / self.cell) as usize;
        (x.min(self.cols - 1), y.min(self.rows - 1))
    }

    fn nodes_in(&self, x: usize, y: usize) -> &[u32] {
        let c = y * self.cols + x;
        &self.order[self.starts[c] as usize..self.starts[c + 1] as usize]
    }
}

/// A direction of its own for a pair of nodes on one spot.
fn part(i: usize, j: usize) -> (f32, f32) {
    let [x, y] = direction(mix(((i as u64) << 32) | j as u64));
    (x * 0.01, y * 0.01)
}

/// A place on the start disc from a key, evenly spread.
fn on_disc(key: u64, radius: f32) -> [f32; 2] {
    let [x, y] = in_unit_disc(key);
    [x * radius, y * radius]
}

/// A place one edge length from `p`, in a direction from the key.
fn near(p: [f32; 2], key: u64) -> [f32; 2] {
    let [x, y] = direction(key);
    [p[0] + x * EDGE_LENGTH, p[1] + y * EDGE_LENGTH]
}

/// A point evenly spread in the unit disc, from a key: points of the square drawn from
/// its hash until one falls inside. Only arithmetic and square roots, which IEEE 754
/// rounds exactly, so that a layout (and the pictures made of it) is the same on every
/// machine, where sines and logarithms from the platform's library may differ.
fn in_unit_disc(key: u64) -> [f32; 2] {
    let mut h = mix(key);
    loop {
        let unit = |bits: u64| (bits & 0xff_ffff) as f32 / 0xff_ffff as f32 * 2.0 - 1.0;
        let (x, y) = (unit(h), unit(h >> 32));
        if x * x + y * y <= 1.0 {
            return [x, y];
        }
        h = mix(h);
    }
}

/// A unit vector from a key.
fn direction(key: u64) -> [f32; 2] {
    let mut h = key;
    loop {
        let [x, y] = in_unit_disc(h);
        let length = (x * x + y * y).sqrt();
        if length > 0.1 {
            return [x / length, y / length];
        }
        h = mix(h ^ 0x5851_f42d_4c95_7f2d);
    }
}

/// How hard an item holding `members` nodes pushes: one more for each doubling (an
/// integer logarithm, the same on every machine).
pub fn weight_of(members: usize) -> f32 {
    1.0 + (usize::BITS - members.max(1).leading_zeros() - 1) as f32
}

/// SplitMix64's finaliser: a good spread of bits from any key.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distance(p: [f32; 2], q: [f32; 2]) -> f32 {
        ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt()
    }

    /// Two triangles, unjoined.
    fn two_triangles() -> ForceLayout {
        let keys: Vec<u64> = (0..6).collect();
        let edges = vec![(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3)];
        ForceLayout::new(&keys, vec![1.0; 6], edges, &Previous::new())
    }

    #[test]
    fn joined_nodes_end_closer_than_unjoined_ones_and_nothing_is_lost() {
        let mut layout = two_triangles();
        assert!(layout.run(|_| false));
        let p = layout.positions();
        assert!(p.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
        let joined = distance(p[0], p[1]).max(distance(p[3], p[4]));
        let apart = distance(p[0], p[3]).min(distance(p[1], p[5]));
        assert!(joined < apart, "joined {joined}, apart {apart}");
        // No two nodes on one spot.
        for i in 0..6 {
            for j in i + 1..6 {
                assert!(distance(p[i], p[j]) > 0.2 * EDGE_LENGTH, "{i} and {j}");
            }
        }
    }

    #[test]
    fn the_same_graph_is_laid_out_the_same_way() {
        let (mut a, mut b) = (two_triangles(), two_triangles());
        a.run(|_| false);
        b.run(|_| false);
        assert_eq!(a.positions(), b.positions());
    }

    #[test]
    fn kept_nodes_start_where_they_were_and_new_ones_beside_a_neighbour() {
        let previous: Previous = [(7, [10.0, 10.0])].into_iter().collect();
        let layout = ForceLayout::new(&[7, 8], vec![1.0; 2], vec![(0, 1)], &previous);
        let p = layout.positions();
        assert_eq!(p[0], [10.0, 10.0]);
        assert!((distance(p[0], p[1]) - EDGE_LENGTH).abs() < 1e-4);
    }

    #[test]
    fn nodes_on_one_spot_are_parted_and_a_stop_is_obeyed() {
        let previous: Previous = (0..50).map(|k| (k, [0.0, 0.0])).collect();
        let keys: Vec<u64> = (0..50).collect();
        let mut layout = ForceLayout::new(&keys, vec![1.0; 50], Vec::new(), &previous);
        assert!(!layout.run(|l| l.progress() > 0.1));
        assert!(!layout.settled());
        layout.run(|_| false);
        let p = layout.positions();
        let spread = p
            .iter()
            .map(|q| distance(*q, [0.0, 0.0]))
            .fold(0.0, f32::max);
        assert!(spread > EDGE_LENGTH, "spread {spread}");
        assert!(p.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
    }
}
