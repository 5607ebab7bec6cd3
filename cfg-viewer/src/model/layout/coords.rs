//! Coordinate assignment: each layer is placed as close as its order allows to the mean
//! position of its neighbours (an exact least-squares fit under the separation constraints,
//! by pool-adjacent-violators), alternating down and up; layers are stacked with room for
//! the loop frames that open and close between them; edges become polylines through their
//! dummies, with ports spread along the block sides.

use super::{Frame, Layered, Layout, Metrics, NodeBox};
use crate::model::cfg::Cfg;

const PASSES: usize = 8;
const MARGIN: f32 = 16.0;

/// Places the ordered layered graph.
pub(super) fn place(cfg: &Cfg, g: &Layered, m: &Metrics) -> Layout {
    let max_depth = cfg.loops.iter().map(|l| l.depth).max().unwrap_or(0);
    let margin = |depth: u32| m.frame_pad * (max_depth + 1 - depth) as f32;
    let mut x = initial_x(g, m, &margin);
    for pass in 0..PASSES {
        let downward = pass % 2 == 0;
        let order: Vec<usize> = if downward {
            (0..g.layers.len()).collect()
        } else {
            (0..g.layers.len()).rev().collect()
        };
        for i in order {
            let layer = &g.layers[i];
            let target: Vec<f32> = layer
                .iter()
                .map(|&v| {
                    let nbrs = if downward { &g.up[v] } else { &g.down[v] };
                    if nbrs.is_empty() {
                        x[v]
                    } else {
                        nbrs.iter().map(|&u| x[u]).sum::<f32>() / nbrs.len() as f32
                    }
                })
                .collect();
            let seps = separations(g, layer, m, &margin);
            for (v, nx) in layer.iter().zip(fit(&target, &seps)) {
                x[*v] = nx;
            }
        }
    }
    let (layer_y, layer_h) = stack_layers(cfg, g, m, &margin);
    assemble(cfg, g, &x, &layer_y, &layer_h, &margin)
}

fn node_w(g: &Layered, v: usize, m: &Metrics) -> f32 {
    if g.nodes[v].block.is_some() {
        g.nodes[v].w
    } else {
        m.dummy_w
    }
}

/// Minimum distances between the centres of neighbours in a layer: half widths, the gap,
/// and the margins of the loop frames that lie between them.
fn separations(g: &Layered, layer: &[usize], m: &Metrics, margin: &dyn Fn(u32) -> f32) -> Vec<f32> {
    layer
        .windows(2)
        .map(|w| {
            let (a, b) = (&g.nodes[w[0]].group, &g.nodes[w[1]].group);
            let common = a.iter().zip(b).take_while(|(p, q)| p == q).count();
            let frames = |grp: &Vec<_>| {
                if grp.len() > common {
                    margin(common as u32 + 1)
                } else {
                    0.0
                }
            };
            let gap = if g.nodes[w[0]].block.is_none() && g.nodes[w[1]].block.is_none() {
                m.dummy_w
            } else {
                m.node_gap
            };
            (node_w(g, w[0], m) + node_w(g, w[1], m)) / 2.0 + gap + frames(a) + frames(b)
        })
        .collect()
}

fn initial_x(g: &Layered, m: &Metrics, margin: &dyn Fn(u32) -> f32) -> Vec<f32> {
    let mut x = vec![0f32; g.nodes.len()];
    for layer in &g.layers {
        let seps = separations(g, layer, m, margin);
        let mut at = 0.0;
        for (i, &v) in layer.iter().enumerate() {
            if i > 0 {
                at += seps[i - 1];
            }
            x[v] = at;
        }
    }
    x
}

/// The positions closest (least squares) to `target` with `x[i+1] - x[i] >= seps[i]`:
/// shifted by the prefix sums of the separations, this is isotonic regression.
fn fit(target: &[f32], seps: &[f32]) -> Vec<f32> {
    let mut prefix = vec![0f32; target.len()];
    for i in 1..target.len() {
        prefix[i] = prefix[i - 1] + seps[i - 1];
    }
    // Blocks of pooled values: (mean, count).
    let mut pools: Vec<(f32, usize)> = Vec::new();
    for (t, p) in target.iter().zip(&prefix) {
        pools.push((t - p, 1));
        while pools.len() > 1 {
            let (b, a) = (pools[pools.len() - 1], pools[pools.len() - 2]);
            if a.0 <= b.0 {
                break;
            }
            let n = a.1 + b.1;
            pools.pop();
            *pools.last_mut().expect("two pools") =
                ((a.0 * a.1 as f32 + b.0 * b.1 as f32) / n as f32, n);
        }
    }
    let flat = pools
        .into_iter()
        .flat_map(|(v, n)| std::iter::repeat_n(v, n));
    flat.zip(&prefix).map(|(v, p)| v + p).collect()
}

/// The top and height of each layer: its tallest block, and between layers the gap plus
/// room for the frames that close above and open below.
fn stack_layers(
    cfg: &Cfg,
    g: &Layered,
    m: &Metrics,
    margin: &dyn Fn(u32) -> f32,
) -> (Vec<f32>, Vec<f32>) {
    let n = g.layers.len();
    let mut opens = vec![0f32; n];
    let mut closes = vec![0f32; n];
    for l in &cfg.loops {
        let layers = l.blocks.iter().map(|b| g.layer_of[b.0 as usize] as usize);
        let (lo, hi) = (layers.clone().min().unwrap_or(0), layers.max().unwrap_or(0));
        opens[lo] = opens[lo].max(margin(l.depth));
        closes[hi] = closes[hi].max(margin(l.depth));
    }
    let heights: Vec<f32> = g
        .layers
        .iter()
        .map(|layer| layer.iter().map(|&v| g.nodes[v].h).fold(m.line_h, f32::max))
        .collect();
    let mut y = Vec::with_capacity(n);
    let mut at = MARGIN + opens.first().copied().unwrap_or(0.0);
    for i in 0..n {
        if i > 0 {
            at += heights[i - 1] + m.layer_gap + closes[i - 1] + opens[i];
        }
        y.push(at);
    }
    (y, heights)
}

/// Boxes, frames and edge polylines, shifted so the drawing starts at the margin.
fn assemble(
    cfg: &Cfg,
    g: &Layered,
    x: &[f32],
    layer_y: &[f32],
    layer_h: &[f32],
    margin: &dyn Fn(u32) -> f32,
) -> Layout {
    let mut nodes: Vec<NodeBox> = cfg
        .blocks()
        .map(|b| {
            let v = b.id.0 as usize;
            let layer = g.layer_of[v];
            let order = g.layers[layer as usize].iter().position(|&u| u == v);
            NodeBox {
                block: b.id,
                layer,
                order: order.unwrap_or(0) as u32,
                x: x[v] - g.nodes[v].w / 2.0,
                y: layer_y[layer as usize],
                w: g.nodes[v].w,
                h: g.nodes[v].h,
            }
        })
        .collect();
    let mut frames: Vec<Frame> = cfg
        .loops
        .iter()
        .map(|l| {
            let pad = margin(l.depth);
            let boxes = l.blocks.iter().map(|b| &nodes[b.0 as usize]);
            let dummies = (0..g.nodes.len())
                .filter(|&v| g.nodes[v].block.is_none() && g.nodes[v].group.contains(&l.id));
            let mut xs: Vec<f32> = boxes.clone().flat_map(|n| [n.x, n.x + n.w]).collect();
            xs.extend(dummies.map(|v| x[v]));
            let (x0, x1) = (
                xs.iter().copied().fold(f32::MAX, f32::min),
                xs.iter().copied().fold(f32::MIN, f32::max),
            );
            let y0 = boxes.clone().map(|n| n.y).fold(f32::MAX, f32::min);
            let y1 = boxes.map(|n| n.y + n.h).fold(f32::MIN, f32::max);
            Frame {
                loop_id: l.id,
                depth: l.depth,
                x: x0 - pad,
                y: y0 - pad,
                w: x1 - x0 + 2.0 * pad,
                h: y1 - y0 + 2.0 * pad,
            }
        })
        .collect();
    let mut edges = super::routes::route(cfg, g, x, layer_y, layer_h, &nodes);
    let min_x = nodes
        .iter()
        .map(|n| n.x)
        .chain(frames.iter().map(|f| f.x))
        .chain(edges.iter().flat_map(|e| e.points.iter().map(|p| p[0])))
        .fold(f32::MAX, f32::min);
    let dx = MARGIN - min_x;
    for n in &mut nodes {
        n.x += dx;
    }
    for f in &mut frames {
        f.x += dx;
    }
    for e in &mut edges {
        for p in &mut e.points {
            p[0] += dx;
        }
    }
    let width = nodes
        .iter()
        .map(|n| n.x + n.w)
        .chain(frames.iter().map(|f| f.x + f.w))
        .chain(edges.iter().flat_map(|e| e.points.iter().map(|p| p[0])))
        .fold(0f32, f32::max)
        + MARGIN;
    let height = nodes
        .iter()
        .map(|n| n.y + n.h)
        .chain(frames.iter().map(|f| f.y + f.h))
        .fold(0f32, f32::max)
        + MARGIN;
    Layout {
        nodes,
        edges,
        frames,
        width,
        height,
        crossings: 0,
    }
}
