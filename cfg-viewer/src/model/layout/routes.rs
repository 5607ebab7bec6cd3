//! Edge routing: a polyline per CFG edge from its source block through the dummies of
//! its layers to its target block. Forward edges leave a block's bottom and enter the
//! top; back-edges leave the latch's top and climb to the header's bottom; self-loops
//! bend around the block's right side. Ports are spread along each side in the order of
//! where the edges go, so neighbouring edges do not cross at the block.

use super::{EdgePath, Layered, NodeBox};
use crate::model::cfg::Cfg;

/// Which side of a block an edge end attaches to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Top,
    Bottom,
}

pub(super) fn route(
    cfg: &Cfg,
    g: &Layered,
    x: &[f32],
    layer_y: &[f32],
    layer_h: &[f32],
    nodes: &[NodeBox],
) -> Vec<EdgePath> {
    let ports = assign_ports(g, x, nodes);
    cfg.edges()
        .enumerate()
        .map(|(i, (u, v, e))| {
            let chain = &g.routes[i];
            let points = if u == v {
                let n = &nodes[u.0 as usize];
                let (r, y0, y1) = (n.x + n.w, n.y + n.h * 0.3, n.y + n.h * 0.7);
                vec![[r, y1], [r + 14.0, y1], [r + 14.0, y0], [r, y0]]
            } else {
                let mut pts = vec![ports[i].0];
                for &d in &chain[1..chain.len() - 1] {
                    let l = g.layer_of[d] as usize;
                    pts.push([x[d], layer_y[l]]);
                    pts.push([x[d], layer_y[l] + layer_h[l]]);
                }
                pts.push(ports[i].1);
                if e.back {
                    pts.reverse();
                }
                pts
            };
            EdgePath {
                from: u,
                to: v,
                kind: e.kind,
                back: e.back,
                points,
            }
        })
        .collect()
}

/// For each edge (in DAG direction), the point where it leaves its upper node's bottom
/// and the point where it enters its lower node's top.
fn assign_ports(g: &Layered, x: &[f32], nodes: &[NodeBox]) -> Vec<([f32; 2], [f32; 2])> {
    // (node, side) -> [(edge, x of the other end's next node)]
    let mut ends: Vec<Vec<(usize, Side, f32)>> = vec![Vec::new(); nodes.len()];
    for (i, chain) in g.routes.iter().enumerate() {
        if chain.len() < 2 || chain[0] == chain[chain.len() - 1] {
            continue;
        }
        let (a, b) = (chain[0], chain[chain.len() - 1]);
        ends[a].push((i, Side::Bottom, x[chain[1]]));
        ends[b].push((i, Side::Top, x[chain[chain.len() - 2]]));
    }
    let mut ports = vec![([0f32; 2], [0f32; 2]); g.routes.len()];
    for (v, list) in ends.iter_mut().enumerate() {
        let n = &nodes[v];
        for side in [Side::Top, Side::Bottom] {
            let mut here: Vec<&(usize, Side, f32)> = list.iter().filter(|e| e.1 == side).collect();
            here.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(&b.0)));
            let k = here.len() as f32;
            for (j, &&(edge, _, _)) in here.iter().enumerate() {
                let px = n.x + n.w * (j as f32 + 1.0) / (k + 1.0);
                match side {
                    Side::Bottom => ports[edge].0 = [px, n.y + n.h],
                    Side::Top => ports[edge].1 = [px, n.y],
                }
            }
        }
    }
    ports
}
