//! A layered (Sugiyama-style) drawing of a CFG: back-edges are reversed to make a DAG,
//! blocks get layers by longest path (a loop's exits go below every block of the loop, so
//! loops stay together vertically), long edges get dummy nodes, `order` reduces crossings
//! with barycenter sweeps that keep each loop's blocks contiguous, and `coords` places
//! everything and frames each loop (outer frames around inner ones).

mod coords;
mod order;
mod routes;

use super::cfg::{BlockId, Cfg, LoopId};
use som_vm::introspect::EdgeKind;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Sizes in drawing units (pixels at zoom 1): text metrics and gaps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metrics {
    pub char_w: f32,
    pub line_h: f32,
    /// Inside a block, around its text.
    pub pad: f32,
    /// Between neighbours in a layer.
    pub node_gap: f32,
    /// Between layers.
    pub layer_gap: f32,
    /// Between a loop frame and what it contains, per nesting level.
    pub frame_pad: f32,
    /// The width a long edge takes where it crosses a layer.
    pub dummy_w: f32,
}

impl Default for Metrics {
    /// Monospace 12 px text (egui's default monospace font).
    fn default() -> Self {
        Metrics {
            char_w: 7.25,
            line_h: 15.0,
            pad: 5.0,
            node_gap: 28.0,
            layer_gap: 36.0,
            frame_pad: 10.0,
            dummy_w: 10.0,
        }
    }
}

impl Metrics {
    /// Width and height of a block that shows these lines.
    pub fn block_size(&self, lines: &[String]) -> (f32, f32) {
        let chars = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        (
            chars as f32 * self.char_w + 2.0 * self.pad,
            lines.len() as f32 * self.line_h + 2.0 * self.pad,
        )
    }
}

/// A placed block; `x`, `y` is its top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeBox {
    pub block: BlockId,
    pub layer: u32,
    /// Position within the layer (dummies included).
    pub order: u32,
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl NodeBox {
    pub fn contains(&self, x: f32, y: f32) -> bool {
        x >= self.x && x <= self.x + self.w && y >= self.y && y <= self.y + self.h
    }
}

/// A routed edge: a polyline from its source block to its target block.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgePath {
    pub from: BlockId,
    pub to: BlockId,
    pub kind: EdgeKind,
    pub back: bool,
    pub points: Vec<[f32; 2]>,
}

/// The frame drawn around a loop's blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub loop_id: LoopId,
    pub depth: u32,
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// A laid-out CFG.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layout {
    /// Indexed by block number.
    pub nodes: Vec<NodeBox>,
    pub edges: Vec<EdgePath>,
    /// Outer loops first.
    pub frames: Vec<Frame>,
    pub width: f32,
    pub height: f32,
    /// Edge crossings left after ordering.
    pub crossings: usize,
}

/// A node of the layered graph: a block or a dummy on a long edge.
#[derive(Debug, Clone)]
pub(crate) struct LNode {
    pub block: Option<BlockId>,
    pub w: f32,
    pub h: f32,
    /// The loops around it, outermost first.
    pub group: Vec<LoopId>,
}

/// The layered graph that ordering and placement work on.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layered {
    pub nodes: Vec<LNode>,
    pub layer_of: Vec<u32>,
    /// Node indices per layer, in order.
    pub layers: Vec<Vec<usize>>,
    /// Neighbours in the next layer down / up.
    pub down: Vec<Vec<usize>>,
    pub up: Vec<Vec<usize>>,
    /// Per CFG edge (in `Cfg::edges` order), its chain of nodes in DAG direction.
    pub routes: Vec<Vec<usize>>,
}

impl Layout {
    /// Lays out `cfg` with block `i` of size `sizes[i]`.
    pub fn compute(cfg: &Cfg, sizes: &[(f32, f32)], metrics: &Metrics) -> Layout {
        if cfg.is_empty() {
            return Layout::default();
        }
        let mut g = Layered::build(cfg, sizes);
        let crossings = order::reduce_crossings(&mut g);
        let mut layout = coords::place(cfg, &g, metrics);
        layout.crossings = crossings;
        layout
    }

    pub fn node(&self, id: BlockId) -> &NodeBox {
        &self.nodes[id.0 as usize]
    }

    /// A stable text form (for golden files and review): blocks with layer, order and box,
    /// loop frames, edges with their points, all rounded to 0.1.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut out = format!(
            "size {:.1} x {:.1}, crossings {}\n",
            self.width, self.height, self.crossings
        );
        for n in &self.nodes {
            let _ = writeln!(
                out,
                "{} layer {} order {} at {:.1},{:.1} size {:.1}x{:.1}",
                n.block, n.layer, n.order, n.x, n.y, n.w, n.h
            );
        }
        for f in &self.frames {
            let _ = writeln!(
                out,
                "{} depth {} frame {:.1},{:.1} size {:.1}x{:.1}",
                f.loop_id, f.depth, f.x, f.y, f.w, f.h
            );
        }
        for e in &self.edges {
            let pts: Vec<String> = e
                .points
                .iter()
                .map(|p| format!("{:.1},{:.1}", p[0], p[1]))
                .collect();
            let back = if e.back { " back" } else { "" };
            let _ = writeln!(
                out,
                "{} -> {} {:?}{back}: {}",
                e.from,
                e.to,
                e.kind,
                pts.join(" ")
            );
        }
        out
    }

    /// The block at a point of the drawing.
    pub fn block_at(&self, x: f32, y: f32) -> Option<BlockId> {
        self.nodes
            .iter()
            .find(|n| n.contains(x, y))
            .map(|n| n.block)
    }
}

/// Longest-path layering by Kahn's algorithm (smallest node first for a stable result);
/// `None` when the edges have a cycle.
fn longest_path(n: usize, edges: &[(usize, usize)]) -> Option<Vec<u32>> {
    let mut indeg = vec![0usize; n];
    let mut out = vec![Vec::new(); n];
    for &(u, v) in edges {
        indeg[v] += 1;
        out[u].push(v);
    }
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..n).filter(|&v| indeg[v] == 0).map(Reverse).collect();
    let mut layer = vec![0u32; n];
    let mut seen = 0;
    while let Some(Reverse(u)) = ready.pop() {
        seen += 1;
        for &v in &out[u] {
            layer[v] = layer[v].max(layer[u] + 1);
            indeg[v] -= 1;
            if indeg[v] == 0 {
                ready.push(Reverse(v));
            }
        }
    }
    (seen == n).then_some(layer)
}

/// The common outermost part of two loop chains.
fn common_group(a: &[LoopId], b: &[LoopId]) -> Vec<LoopId> {
    a.iter()
        .zip(b)
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| *x)
        .collect()
}

impl Layered {
    fn build(cfg: &Cfg, sizes: &[(f32, f32)]) -> Layered {
        let n = cfg.len();
        let dag: Vec<(usize, usize)> = cfg
            .edges()
            .filter(|(u, v, _)| u != v)
            .map(|(u, v, e)| if e.back { (v, u) } else { (u, v) })
            .map(|(u, v)| (u.0 as usize, v.0 as usize))
            .collect();
        let mut constrained = dag.clone();
        for l in &cfg.loops {
            let exits: Vec<usize> = cfg
                .edges()
                .filter(|(u, v, e)| !e.back && l.blocks.contains(u) && !l.blocks.contains(v))
                .map(|(_, v, _)| v.0 as usize)
                .collect();
            for b in &l.blocks {
                constrained.extend(exits.iter().map(|&x| (b.0 as usize, x)));
            }
        }
        let layer_of = longest_path(n, &constrained)
            .or_else(|| longest_path(n, &dag))
            .expect("reversing the back-edges leaves a DAG");
        let mut g = Layered {
            nodes: cfg
                .blocks()
                .map(|b| LNode {
                    block: Some(b.id),
                    w: sizes[b.id.0 as usize].0,
                    h: sizes[b.id.0 as usize].1,
                    group: cfg.loop_chain(b.id),
                })
                .collect(),
            layer_of,
            ..Layered::default()
        };
        g.route_edges(cfg);
        g.index_layers();
        g
    }

    /// One chain per CFG edge, with a dummy node on every layer a long edge crosses.
    fn route_edges(&mut self, cfg: &Cfg) {
        for (u, v, e) in cfg.edges() {
            let (a, b) = if e.back { (v, u) } else { (u, v) };
            let (a, b) = (a.0 as usize, b.0 as usize);
            let mut chain = vec![a];
            if a != b {
                let group = common_group(&self.nodes[a].group, &self.nodes[b].group);
                for layer in self.layer_of[a] + 1..self.layer_of[b] {
                    self.nodes.push(LNode {
                        block: None,
                        w: 0.0,
                        h: 0.0,
                        group: group.clone(),
                    });
                    self.layer_of.push(layer);
                    chain.push(self.nodes.len() - 1);
                }
            }
            chain.push(b);
            self.routes.push(chain);
        }
    }

    fn index_layers(&mut self) {
        let count = self.layer_of.iter().max().map_or(0, |&m| m as usize + 1);
        self.layers = vec![Vec::new(); count];
        for (v, &l) in self.layer_of.iter().enumerate() {
            self.layers[l as usize].push(v);
        }
        self.down = vec![Vec::new(); self.nodes.len()];
        self.up = vec![Vec::new(); self.nodes.len()];
        for chain in &self.routes {
            for w in chain.windows(2) {
                if w[0] != w[1] {
                    self.down[w[0]].push(w[1]);
                    self.up[w[1]].push(w[0]);
                }
            }
        }
    }
}
